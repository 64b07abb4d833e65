//! Tiered confirmation (conventions §(b) 5): risky changes ask y/N showing what will change;
//! data-losing ones ask for a typed phrase naming what is lost. `--yes` answers y/N; without
//! a terminal and without `--yes`, the command refuses instead of hanging.

use crate::exit::BadInput;
use anyhow::Result;

pub use ozone_engine::cluster::act::Confirmed;

/// How to ask.
pub trait Prompt: Send {
    /// A yes/no question; default no.
    fn yes_no(&mut self, question: &str) -> Result<bool>;
    /// Asks the user to type `phrase` exactly.
    fn typed(&mut self, question: &str, phrase: &str) -> Result<bool>;
}

/// Asks on the terminal.
pub struct TtyPrompt;

impl Prompt for TtyPrompt {
    fn yes_no(&mut self, question: &str) -> Result<bool> {
        Ok(dialoguer::Confirm::new()
            .with_prompt(question)
            .default(false)
            .interact()?)
    }

    fn typed(&mut self, question: &str, phrase: &str) -> Result<bool> {
        let answer: String = dialoguer::Input::new()
            .with_prompt(format!("{question}\nType {phrase:?} to continue"))
            .allow_empty(true)
            .interact_text()?;
        Ok(answer.trim() == phrase)
    }
}

/// What the user said about a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    /// Reversible or low-risk: no question.
    Low,
    /// Risky: y/N, or `--yes`.
    Risky,
    /// Loses data: a typed phrase, or `--yes` together with the flag that asked for the loss.
    DataLoss,
}

/// Asks for confirmation at `tier`. `yes` is `--yes`; `phrase` is what a data-losing change
/// must be answered with. The user declining is an error (exit 1), nothing having changed.
pub fn confirm(
    prompt: Option<&mut (dyn Prompt + '_)>,
    tier: Tier,
    yes: bool,
    question: &str,
    phrase: &str,
) -> Result<Confirmed> {
    let ok = Confirmed::granted();
    match tier {
        Tier::Low => return Ok(ok),
        Tier::Risky if yes => return Ok(ok),
        // `--delete-pvcs --yes` both had to be typed: as explicit as the phrase.
        Tier::DataLoss if yes => return Ok(ok),
        _ => {}
    }
    let Some(prompt) = prompt else {
        return Err(BadInput(
            "refusing to change the cluster without confirmation: no terminal to ask on; pass --yes (or --dry-run to see the plan)".into(),
        )
        .into());
    };
    let agreed = match tier {
        Tier::DataLoss => prompt.typed(question, phrase)?,
        _ => prompt.yes_no(question)?,
    };
    if agreed {
        Ok(ok)
    } else {
        anyhow::bail!("aborted: nothing was changed")
    }
}

#[cfg(test)]
pub mod testing {
    //! A scripted prompt.
    use super::*;
    use std::sync::{Arc, Mutex};

    /// Answers from a list and records the questions.
    #[derive(Clone, Default)]
    pub struct Scripted {
        /// Answers, in order: "y"/"n" for yes/no, the text for typed.
        pub answers: Arc<Mutex<Vec<String>>>,
        /// Questions asked.
        pub asked: Arc<Mutex<Vec<String>>>,
    }

    impl Scripted {
        /// With these answers.
        pub fn new(answers: &[&str]) -> Scripted {
            Scripted {
                answers: Arc::new(Mutex::new(
                    answers.iter().rev().map(|s| s.to_string()).collect(),
                )),
                asked: Arc::default(),
            }
        }

        fn next(&self, q: &str) -> String {
            self.asked.lock().unwrap().push(q.to_owned());
            self.answers.lock().unwrap().pop().unwrap_or_default()
        }
    }

    impl Prompt for Scripted {
        fn yes_no(&mut self, question: &str) -> Result<bool> {
            Ok(self.next(question) == "y")
        }
        fn typed(&mut self, question: &str, phrase: &str) -> Result<bool> {
            Ok(self.next(question) == phrase)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::Scripted;
    use super::*;

    #[test]
    fn no_terminal_and_no_yes_refuses() {
        let e = confirm(None, Tier::Risky, false, "go?", "").unwrap_err();
        assert!(e.to_string().contains("pass --yes"), "{e}");
        assert!(confirm(None, Tier::Risky, true, "go?", "").is_ok());
        assert!(confirm(None, Tier::Low, false, "go?", "").is_ok());
    }

    #[test]
    fn typed_phrase_must_match() {
        let mut p = Scripted::new(&["yes"]);
        assert!(
            confirm(
                Some(&mut p),
                Tier::DataLoss,
                false,
                "delete?",
                "delete data-x"
            )
            .is_err()
        );
        let mut p = Scripted::new(&["delete data-x"]);
        assert!(
            confirm(
                Some(&mut p),
                Tier::DataLoss,
                false,
                "delete?",
                "delete data-x"
            )
            .is_ok()
        );
        let mut p = Scripted::new(&["n"]);
        let e = confirm(Some(&mut p), Tier::Risky, false, "go?", "").unwrap_err();
        assert!(e.to_string().contains("nothing was changed"));
    }
}
