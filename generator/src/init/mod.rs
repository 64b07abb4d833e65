//! `kubectl ozone init` without the terminal: the questions as data ([`questions`]), the flow
//! as a pure state machine that validates every answer with the spec's own rules
//! ([`wizard`]), the minimal commented spec file ([`document`]) and the closing summary
//! ([`summary`]). The plugin supplies the prompts; everything here is tested without one.

pub mod document;
pub mod questions;
pub mod summary;
pub mod wizard;

pub use questions::{QUESTIONS, Question};
pub use wizard::{Ask, InitError, Prompter, Rejection, Source, Stop, Wizard, drive};

#[cfg(test)]
mod tests;
