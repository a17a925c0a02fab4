//! Choosing and applying credentials for an operation's security requirement.

use http::HeaderMap;
use http::header::{AUTHORIZATION, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::config::Config;
use crate::error::Error;
use crate::info::{SecurityKind, SecuritySchemeInfo};

use crate::redact::basic_value;

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
    // Name the builder method that sets each credential: that is what the caller has to write.
    let setter = |name: &str| match cfg.api.security_schemes.iter().find(|s| s.name == name) {
        Some(info) => format!("`ClientBuilder::{}` (scheme `{name}`)", info.setter),
        None => format!("scheme `{name}`"),
    };
    let needed = security
        .iter()
        .map(|a| a.iter().map(|s| setter(s)).collect::<Vec<_>>().join(" and "))
        .collect::<Vec<_>>()
        .join(", or ");
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
            SecurityKind::Basic => (AUTHORIZATION, format!("Basic {}", basic_value(secret))),
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

#[cfg(test)]
mod tests {
    use crate::redact::basic_value;

    #[test]
    fn basic_value_is_standard_padded_base64() {
        assert_eq!(basic_value("user:pass"), "dXNlcjpwYXNz");
        assert_eq!(basic_value("f"), "Zg==");
    }
}
