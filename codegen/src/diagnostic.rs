//! Problems found in a spec, each tied to the file and JSON pointer where it occurs.

use std::fmt;

/// How serious a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Generation can go on; the output may be less precise than the spec intends.
    Warning,
    /// Generation stops: the spec cannot be turned into correct code.
    Error,
}

/// One problem in a spec: where it is (file + JSON pointer) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// How serious the problem is.
    pub severity: Severity,
    /// The file the problem is in, as the caller named it.
    pub file: String,
    /// RFC 6901 JSON pointer to the offending node (`""` is the document root).
    pub pointer: String,
    /// What is wrong, in one sentence.
    pub message: String,
}

impl Diagnostic {
    /// An error at `pointer` in `file`.
    pub fn error(file: impl Into<String>, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self { severity: Severity::Error, file: file.into(), pointer: pointer.into(), message: message.into() }
    }

    /// A warning at `pointer` in `file`.
    pub fn warning(file: impl Into<String>, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self { severity: Severity::Warning, file: file.into(), pointer: pointer.into(), message: message.into() }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        let pointer = if self.pointer.is_empty() { "/" } else { &self.pointer };
        write!(f, "{level}: {}#{pointer}: {}", self.file, self.message)
    }
}

/// A list of diagnostics; an `Err` of this type holds at least one error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// True when any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

// Pointer helpers live in `crate::pointer`; these names are kept for existing callers.
/// Escapes one reference token for a JSON pointer (see [`crate::pointer::escape`]).
pub use crate::pointer::escape as escape_pointer_token;
/// Builds a JSON pointer from reference tokens (see [`crate::pointer::join`]).
pub use crate::pointer::join as pointer;
