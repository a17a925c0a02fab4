//! The error of a request that breaks the spec's constraints (nothing is sent).

use std::fmt;

/// A request that violates a constraint of the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    field: String,
    rule: String,
}

impl ValidationError {
    /// An error for `field` (e.g. `body.serviceName`) breaking `rule` (e.g. `maxLength 54`).
    pub fn new(field: impl Into<String>, rule: impl Into<String>) -> Self {
        ValidationError { field: field.into(), rule: rule.into() }
    }

    /// The offending field's path.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The violated rule.
    pub fn rule(&self) -> &str {
        &self.rule
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid request: `{}` violates {}", self.field, self.rule)
    }
}

impl std::error::Error for ValidationError {}
