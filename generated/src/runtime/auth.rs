//! Choosing and applying credentials for an operation's security requirement.

use http::header::{HeaderName, HeaderValue, AUTHORIZATION};
use http::HeaderMap;
use secrecy::{ExposeSecret, SecretString};

use super::config::Config;
use super::error::Error;
use super::info::{SecurityKind, SecuritySchemeInfo};

/// One credential to send: the scheme and its secret.
pub(crate) type Selected<'c> = Vec<(&'static SecuritySchemeInfo, &'c SecretString)>;

/// Picks the first alternative of `security` whose schemes all have a credential.
///
/// An empty alternative (`{}` in the spec: auth optional) is used only when no other
/// alternative is satisfied, so configured credentials are sent where the API accepts them.
pub(crate) fn select<'c>(cfg: &'c Config, security: &[&[&str]], operation: &str) -> Result<Selected<'c>, Error> {
    if security.is_empty() {
        return Ok(Vec::new());
    }
    for alternative in security.iter().filter(|a| !a.is_empty()) {
        if let Some(selected) = resolve(cfg, alternative) {
            return Ok(selected);
        }
    }
    if security.iter().any(|a| a.is_empty()) {
        return Ok(Vec::new());
    }
    let needed = security
        .iter()
        .map(|a| a.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(" + "))
        .collect::<Vec<_>>()
        .join(" or ");
    Err(Error::MissingCredential { operation: operation.to_owned(), needed })
}

/// All schemes of one AND-set with their secrets, or `None` if any is missing.
pub(crate) fn resolve<'c>(cfg: &'c Config, schemes: &[&str]) -> Option<Selected<'c>> {
    schemes
        .iter()
        .map(|name| {
            let info = cfg.api.security_schemes.iter().find(|s| s.name == *name)?;
            Some((info, cfg.credentials.get(info.name)?))
        })
        .collect()
}

/// Adds the selected credentials to the request's headers or query.
pub(crate) fn apply(
    selected: &Selected<'_>,
    headers: &mut HeaderMap,
    query: &mut Vec<(String, String)>,
) -> Result<(), Error> {
    for (scheme, secret) in selected {
        let secret = secret.expose_secret();
        let (name, value) = match scheme.kind {
            SecurityKind::Bearer => (AUTHORIZATION, format!("Bearer {secret}")),
            SecurityKind::Basic => (AUTHORIZATION, format!("Basic {}", base64(secret.as_bytes()))),
            SecurityKind::ApiKeyHeader(h) => {
                let name = HeaderName::from_bytes(h.as_bytes())
                    .map_err(|_| Error::Config(format!("scheme `{}` names an invalid header", scheme.name)))?;
                (name, secret.to_owned())
            }
            SecurityKind::ApiKeyQuery(q) => {
                query.push((q.to_owned(), secret.to_owned()));
                continue;
            }
        };
        let mut value = HeaderValue::from_str(&value)
            .map_err(|_| Error::Config(format!("the credential for `{}` is not a valid header value", scheme.name)))?;
        // Marks the value for HPACK "never index" and for our own redacting Debug.
        value.set_sensitive(true);
        headers.insert(name, value);
    }
    Ok(())
}

/// Standard base64 with padding, for Basic auth (too small a need for a dependency).
pub(crate) fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::base64;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
            ("user:pass", "dXNlcjpwYXNz"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64(plain.as_bytes()), encoded, "{plain}");
        }
    }
}
