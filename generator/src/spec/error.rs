//! Errors in a spec: each names where it came from (file and line, or the `--set` flag) and
//! the field path, so a user can fix it without reading code.

use std::fmt;

/// Where a problem was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A line of a file (1-based line and column).
    File {
        /// The file as the user named it.
        name: String,
        /// Line, when the parser knows it.
        line: Option<usize>,
        /// Column, when the parser knows it.
        column: Option<usize>,
    },
    /// A `--set` flag, as given.
    Flag(String),
    /// The spec after all layers were merged.
    Resolved,
}

/// One problem with a field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Where it was found.
    pub origin: Origin,
    /// The field path (`spec.datanodes.replicas`), empty for the document itself.
    pub path: String,
    /// What is wrong, starting lowercase.
    pub message: String,
}

impl Problem {
    /// A problem with a field of the merged spec.
    pub fn field(path: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            origin: Origin::Resolved,
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.origin {
            Origin::File { name, line, column } => {
                f.write_str(name)?;
                if let Some(line) = line {
                    write!(f, ":{line}")?;
                    if let Some(column) = column {
                        write!(f, ":{column}")?;
                    }
                }
                f.write_str(": ")?;
            }
            Origin::Flag(flag) => write!(f, "--set {flag}: ")?,
            Origin::Resolved => {}
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

/// A spec that cannot be rendered: one or more problems, all reported at once.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct SpecError {
    /// The problems, in the order found.
    pub problems: Vec<Problem>,
}

impl SpecError {
    /// An error with one problem.
    pub fn one(problem: Problem) -> SpecError {
        SpecError {
            problems: vec![problem],
        }
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [one] => write!(f, "invalid spec: {one}"),
            many => {
                write!(f, "invalid spec ({} problems):", many.len())?;
                for p in many {
                    write!(f, "\n  {p}")?;
                }
                Ok(())
            }
        }
    }
}

/// Shorthand for results in the spec module.
pub type Result<T, E = SpecError> = std::result::Result<T, E>;
