//! Keeping credentials out of `Debug`, `Display`, errors and logs.

use std::collections::BTreeMap;
use std::fmt;

use http::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::info::{ApiInfo, SecurityKind};

/// What every redacted value is replaced with.
pub(crate) const REDACTED: &str = "[REDACTED]";

/// Headers that carry credentials in any API, whatever its security schemes say.
const ALWAYS_SENSITIVE: &[&str] = &["authorization", "proxy-authorization", "cookie", "set-cookie"];

/// The header and query names to redact for one API, derived from its security schemes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Redaction {
    /// Lower-case header names besides [`ALWAYS_SENSITIVE`].
    pub(crate) headers: Vec<String>,
    /// Query parameter names.
    pub(crate) query: Vec<String>,
}

impl Redaction {
    pub(crate) fn for_api(api: &ApiInfo) -> Self {
        let mut r = Redaction::default();
        for scheme in api.security_schemes {
            match scheme.kind {
                SecurityKind::ApiKeyHeader(h) => r.headers.push(h.to_ascii_lowercase()),
                SecurityKind::ApiKeyQuery(q) => r.query.push(q.to_owned()),
                SecurityKind::Bearer | SecurityKind::Basic => {}
            }
        }
        r
    }

    pub(crate) fn is_sensitive_header(&self, name: &str) -> bool {
        is_sensitive_header(name, &self.headers)
    }

    /// The URL with API-key query values and any userinfo password replaced, for logs and errors.
    pub(crate) fn url(&self, url: &Url) -> Url {
        let mut out = url.clone();
        if out.password().is_some() {
            let _ = out.set_password(Some(REDACTED));
        }
        let hit = url.query_pairs().any(|(k, _)| self.query.iter().any(|q| *q == k));
        if hit {
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .map(|(k, v)| {
                    let v = if self.query.iter().any(|q| *q == k) { REDACTED.into() } else { v.into_owned() };
                    (k.into_owned(), v)
                })
                .collect();
            out.query_pairs_mut().clear().extend_pairs(pairs);
        }
        out
    }
}

fn is_sensitive_header(name: &str, extra: &[String]) -> bool {
    ALWAYS_SENSITIVE.iter().any(|s| name.eq_ignore_ascii_case(s)) || extra.iter().any(|s| name.eq_ignore_ascii_case(s))
}

/// `Debug` for a header map that prints sensitive values as `[REDACTED]`.
pub(crate) struct HeadersDebug<'a> {
    map: &'a HeaderMap,
    extra: &'a [String],
}

impl<'a> HeadersDebug<'a> {
    pub(crate) fn new(map: &'a HeaderMap, extra: &'a [String]) -> Self {
        HeadersDebug { map, extra }
    }
}

impl fmt::Debug for HeadersDebug<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (name, value) in self.map {
            if value.is_sensitive() || is_sensitive_header(name.as_str(), self.extra) {
                m.entry(&name.as_str(), &REDACTED);
            } else {
                m.entry(&name.as_str(), &String::from_utf8_lossy(value.as_bytes()));
            }
        }
        m.finish()
    }
}

/// `Debug` for a URL string that may carry a userinfo password.
pub(crate) fn url_str(url: &str) -> String {
    match Url::parse(url) {
        Ok(u) if u.password().is_some() => Redaction::default().url(&u).to_string(),
        _ => url.to_owned(),
    }
}

/// Removes known secret values from text that came from the network (a server may echo a key).
#[derive(Clone, Default)]
pub(crate) struct Scrubber {
    secrets: Vec<SecretString>,
}

impl Scrubber {
    /// Secrets shorter than this are not scrubbed: replacing every "a" would wreck messages.
    const MIN_LEN: usize = 6;

    pub(crate) fn new(secrets: Vec<SecretString>) -> Self {
        let secrets = secrets.into_iter().filter(|s| s.expose_secret().len() >= Self::MIN_LEN).collect();
        Scrubber { secrets }
    }

    pub(crate) fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in &self.secrets {
            let s = s.expose_secret();
            if out.contains(s) {
                out = out.replace(s, REDACTED);
            }
        }
        out
    }
}

impl fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Scrubber({} secrets)", self.secrets.len())
    }
}

/// Maximum characters of a body shown in errors.
const EXCERPT_CHARS: usize = 200;

/// Up to 200 characters of `body` around byte `offset`, on one line, for error messages.
pub(crate) fn excerpt(body: &[u8], offset: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let chars: Vec<char> = text.chars().collect();
    // Convert the byte offset to a char index (approximate for lossy text, which is fine here).
    let at = text.char_indices().take_while(|(i, _)| *i < offset).count();
    let start = at.saturating_sub(EXCERPT_CHARS / 2).min(chars.len().saturating_sub(EXCERPT_CHARS));
    let end = (start + EXCERPT_CHARS).min(chars.len());
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.extend(chars[start..end].iter().map(|c| if c.is_control() { ' ' } else { *c }));
    if end < chars.len() {
        out.push('…');
    }
    out
}

/// The `Authorization: Basic` value for `user:password`.
/// The `Authorization: Basic` value of a `user:password` secret: what authentication sends,
/// and what the scrubber removes from text besides the secret itself.
pub(crate) fn basic_value(user_password: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(user_password)
}

impl Scrubber {
    /// The scrubber of a client: its credentials (with their Basic form) and the values of its
    /// sensitive default headers.
    /// Secret values to scrub from server-provided text: every credential as configured and as it
    /// appears on the wire, plus the values of default headers that carry credentials.
    pub(crate) fn for_client(
        api: &ApiInfo,
        credentials: &BTreeMap<&'static str, SecretString>,
        default_headers: &HeaderMap,
    ) -> Scrubber {
        let mut secrets = Vec::new();
        for value in default_headers.values().filter(|v| v.is_sensitive()) {
            if let Ok(v) = value.to_str() {
                // "Bearer xyz": a server echoing the token alone must be caught too.
                secrets.push(SecretString::from(v.to_owned()));
                if let Some((_, token)) = v.split_once(' ') {
                    secrets.push(SecretString::from(token.to_owned()));
                }
            }
        }
        for (name, secret) in credentials {
            secrets.push(secret.clone());
            let basic = api.security_schemes.iter().any(|s| s.name == *name && s.kind == SecurityKind::Basic);
            if basic {
                secrets.push(SecretString::from(basic_value(secret.expose_secret())));
            }
        }
        Scrubber::new(secrets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_is_bounded_and_centred() {
        let body = "x".repeat(1000);
        let e = excerpt(body.as_bytes(), 500);
        assert_eq!(e.chars().filter(|c| *c == 'x').count(), 200);
        assert!(e.starts_with('…') && e.ends_with('…'));
        assert_eq!(excerpt(b"short\nbody", 0), "short body");
        assert_eq!(excerpt(b"", 0), "");
    }

    #[test]
    fn scrubber_removes_secrets() {
        let s = Scrubber::new(vec![SecretString::from("sk-123456"), SecretString::from("ab")]);
        assert_eq!(s.scrub("key sk-123456 ab"), "key [REDACTED] ab");
    }

    #[test]
    fn url_query_and_password_redacted() {
        let r = Redaction { headers: vec![], query: vec!["api_key".into()] };
        let u = Url::parse("http://u:pw@h/p?a=1&api_key=sekret").unwrap();
        let s = r.url(&u).to_string();
        assert!(!s.contains("sekret") && !s.contains("pw@"), "{s}");
        assert!(s.contains("a=1"));
    }
}
