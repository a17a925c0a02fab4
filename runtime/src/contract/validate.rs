//! Client-side checks of the spec's constraints, run before anything is sent.
//!
//! Generated `validate()` code calls these helpers with a path that names the field, such as
//! `body.serviceName` or `query.limit`; errors name the field and the rule, never the value
//! (it may be a secret).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, OnceLock};

use regex::Regex;

use crate::validation::ValidationError;
use crate::value::Nullable;

/// A type whose values can be checked against the spec's constraints.
pub trait Validate {
    /// Checks `self`, naming fields relative to `path`.
    fn validate(&self, path: &str) -> Result<(), ValidationError>;
}

impl<T: Validate> Validate for Vec<T> {
    fn validate(&self, path: &str) -> Result<(), ValidationError> {
        self.iter().enumerate().try_for_each(|(i, v)| v.validate(&format!("{path}[{i}]")))
    }
}

impl<T: Validate> Validate for Option<T> {
    fn validate(&self, path: &str) -> Result<(), ValidationError> {
        self.as_ref().map_or(Ok(()), |v| v.validate(path))
    }
}

impl<T: Validate> Validate for Nullable<T> {
    fn validate(&self, path: &str) -> Result<(), ValidationError> {
        self.as_option().map_or(Ok(()), |v| v.validate(path))
    }
}

impl<T: Validate> Validate for Box<T> {
    fn validate(&self, path: &str) -> Result<(), ValidationError> {
        (**self).validate(path)
    }
}

impl<T: Validate> Validate for BTreeMap<String, T> {
    fn validate(&self, path: &str) -> Result<(), ValidationError> {
        self.iter().try_for_each(|(k, v)| v.validate(&format!("{path}.{k}")))
    }
}

impl<T: Validate, S> Validate for HashMap<String, T, S> {
    fn validate(&self, path: &str) -> Result<(), ValidationError> {
        // Sorted so that the first reported error does not depend on hash order.
        let mut entries: Vec<(&String, &T)> = self.iter().collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        entries.into_iter().try_for_each(|(k, v)| v.validate(&format!("{path}.{k}")))
    }
}

/// Formats a bound without a trailing `.0` when it is integral (Rust's `{}` already does).
fn num(v: f64) -> String {
    format!("{v}")
}

fn check(ok: bool, path: &str, rule: impl FnOnce() -> String) -> Result<(), ValidationError> {
    if ok { Ok(()) } else { Err(ValidationError::new(path, rule())) }
}

/// `minLength`: at least `min` characters (Unicode scalar values, as JSON Schema counts).
pub fn min_length(path: &str, value: &str, min: u64) -> Result<(), ValidationError> {
    check(value.chars().count() as u64 >= min, path, || format!("minLength {min}"))
}

/// `maxLength`: at most `max` characters.
pub fn max_length(path: &str, value: &str, max: u64) -> Result<(), ValidationError> {
    check(value.chars().count() as u64 <= max, path, || format!("maxLength {max}"))
}

/// The compiled patterns; `None` marks a pattern the regex engine cannot compile
/// (e.g. ECMAScript look-arounds), remembered so it is not recompiled on every call.
fn pattern_cache() -> &'static Mutex<HashMap<&'static str, Option<Regex>>> {
    static CACHE: OnceLock<Mutex<HashMap<&'static str, Option<Regex>>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// `pattern`: the value contains a match of the regular expression (unanchored, as in JSON
/// Schema). A pattern the regex engine cannot compile fails validation instead of panicking.
pub fn pattern(path: &str, value: &str, pattern: &'static str) -> Result<(), ValidationError> {
    let compiled = {
        // A poisoned lock only means another thread panicked mid-insert; the map is still usable.
        let mut cache = pattern_cache().lock().unwrap_or_else(|e| e.into_inner());
        cache.entry(pattern).or_insert_with(|| Regex::new(&ecma_classes(pattern)).ok()).clone()
    };
    match compiled {
        Some(re) => check(re.is_match(value), path, || format!("pattern {pattern}")),
        None => Err(ValidationError::new(path, format!("pattern {pattern} (unsupported by the regex engine)"))),
    }
}

/// Rewrites the shorthand classes whose meaning differs between the spec's regex dialect
/// (ECMA-262: ASCII only) and Rust's `regex` (Unicode): `\d` would accept `٥` in a phone number.
fn ecma_classes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut in_class = false;
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(next) = chars.next() else {
                    out.push(c);
                    break;
                };
                let ascii = match (next, in_class) {
                    ('d', false) => Some("[0-9]"),
                    ('d', true) => Some("0-9"),
                    ('D', false) => Some("[^0-9]"),
                    ('w', false) => Some("[A-Za-z0-9_]"),
                    ('w', true) => Some("A-Za-z0-9_"),
                    ('W', false) => Some("[^A-Za-z0-9_]"),
                    _ => None,
                };
                match ascii {
                    Some(replacement) => out.push_str(replacement),
                    None => {
                        out.push(c);
                        out.push(next);
                    }
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// `minimum` (or `exclusiveMinimum` when `exclusive`). NaN never passes.
pub fn minimum(path: &str, value: f64, min: f64, exclusive: bool) -> Result<(), ValidationError> {
    if exclusive {
        check(value > min, path, || format!("exclusiveMinimum {}", num(min)))
    } else {
        check(value >= min, path, || format!("minimum {}", num(min)))
    }
}

/// `maximum` (or `exclusiveMaximum` when `exclusive`). NaN never passes.
pub fn maximum(path: &str, value: f64, max: f64, exclusive: bool) -> Result<(), ValidationError> {
    if exclusive {
        check(value < max, path, || format!("exclusiveMaximum {}", num(max)))
    } else {
        check(value <= max, path, || format!("maximum {}", num(max)))
    }
}

/// `minItems`.
pub fn min_items(path: &str, len: usize, min: u64) -> Result<(), ValidationError> {
    check(len as u64 >= min, path, || format!("minItems {min}"))
}

/// `maxItems`.
pub fn max_items(path: &str, len: usize, max: u64) -> Result<(), ValidationError> {
    check(len as u64 <= max, path, || format!("maxItems {max}"))
}

/// `minProperties`.
pub fn min_properties(path: &str, len: usize, min: u64) -> Result<(), ValidationError> {
    check(len as u64 >= min, path, || format!("minProperties {min}"))
}

/// `maxProperties`.
pub fn max_properties(path: &str, len: usize, max: u64) -> Result<(), ValidationError> {
    check(len as u64 <= max, path, || format!("maxProperties {max}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Name(String);
    impl Validate for Name {
        fn validate(&self, path: &str) -> Result<(), ValidationError> {
            max_length(path, &self.0, 3)
        }
    }

    #[test]
    fn display_names_field_and_rule_not_value() {
        let e = max_length("body.serviceName", "sk-secret-value", 5).unwrap_err();
        assert_eq!(e.to_string(), "invalid request: `body.serviceName` violates maxLength 5");
        assert_eq!((e.field(), e.rule()), ("body.serviceName", "maxLength 5"));
    }

    #[test]
    fn lengths_count_chars() {
        assert!(min_length("p", "ééé", 3).is_ok());
        assert!(max_length("p", "ééé", 3).is_ok());
        assert_eq!(min_length("p", "éé", 3).unwrap_err().rule(), "minLength 3");
        assert!(max_length("p", "abcd", 3).is_err());
    }

    #[test]
    fn patterns_are_unanchored_cached_and_never_panic() {
        assert!(pattern("p", "xx-abc-yy", "abc").is_ok());
        assert!(pattern("p", "ABC", "^[a-z]+$").is_err());
        assert_eq!(pattern("p", "a", "^[a-z]+$"), Ok(()));
        assert_eq!(pattern("p", "a", "^[a-z]+$"), Ok(())); // second call hits the cache
        let e = pattern("p", "a", "(?=a)a").unwrap_err(); // look-ahead: unsupported
        assert!(e.rule().contains("unsupported"), "{e}");
        assert!(pattern("p", "a", "(").is_err());
    }

    #[test]
    fn digit_classes_are_ascii_as_in_the_spec_dialect() {
        let e164 = r"^\+[1-9]\d{1,14}$";
        assert!(pattern("p", "+15551234567", e164).is_ok());
        assert!(pattern("p", "+1٥٥٥٩٨٧٦٥٤٣", e164).is_err());
        assert!(pattern("p", "a1", r"^[\d\w]+$").is_ok());
        assert!(pattern("p", "é", r"^\w$").is_err());
    }

    #[test]
    fn numeric_bounds_and_rule_text() {
        assert!(minimum("p", 1.0, 1.0, false).is_ok());
        assert_eq!(minimum("p", 1.0, 1.0, true).unwrap_err().rule(), "exclusiveMinimum 1");
        assert_eq!(minimum("p", 0.0, 1.0, false).unwrap_err().rule(), "minimum 1");
        assert_eq!(maximum("p", 2.0, 1.5, false).unwrap_err().rule(), "maximum 1.5");
        assert_eq!(maximum("p", 1.0, 1.0, true).unwrap_err().rule(), "exclusiveMaximum 1");
        assert!(minimum("p", f64::NAN, 0.0, false).is_err());
        assert!(maximum("p", f64::NAN, 0.0, false).is_err());
    }

    #[test]
    fn item_and_property_counts() {
        assert!(min_items("p", 1, 1).is_ok());
        assert_eq!(min_items("p", 0, 1).unwrap_err().rule(), "minItems 1");
        assert_eq!(max_items("p", 3, 2).unwrap_err().rule(), "maxItems 2");
        assert_eq!(min_properties("p", 0, 1).unwrap_err().rule(), "minProperties 1");
        assert_eq!(max_properties("p", 2, 1).unwrap_err().rule(), "maxProperties 1");
    }

    #[test]
    fn containers_name_element_paths() {
        let v = vec![Name("ok".into()), Name("toolong".into())];
        assert_eq!(v.validate("body.names").unwrap_err().field(), "body.names[1]");
        let mut m = BTreeMap::new();
        m.insert("k".to_string(), Name("toolong".into()));
        assert_eq!(m.validate("body.map").unwrap_err().field(), "body.map.k");
        let mut h = HashMap::new();
        h.insert("b".to_string(), Name("toolong".into()));
        h.insert("a".to_string(), Name("toolong".into()));
        assert_eq!(h.validate("q").unwrap_err().field(), "q.a");
        assert!(None::<Name>.validate("x").is_ok());
        assert!(Some(Name("long!".into())).validate("x").is_err());
        assert!(Nullable::<Name>::Null.validate("x").is_ok());
        assert!(Nullable::Value(Name("long!".into())).validate("x").is_err());
        assert!(Box::new(Name("long!".into())).validate("x").is_err());
    }
}
