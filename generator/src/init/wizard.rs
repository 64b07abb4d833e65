//! The question flow as a pure state machine: which question comes next, what its default is,
//! and whether an answer is acceptable — decided by running every answer so far through
//! [`resolve`], so the wizard holds no copy of the spec's rules.
//!
//! Invariant: the accepted answers always resolve cleanly. So any problem that appears when
//! an answer is added was caused by that answer, and is reported against it.

use super::questions::{Mapping, QUESTIONS, Question};
use crate::profile::Profile;
use crate::spec::error::Origin;
use crate::spec::{Cluster, Inputs, SpecError, resolve};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// How an answer was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag.
    Flag,
    /// Typed at a prompt.
    Prompt,
}

/// An accepted answer.
#[derive(Clone, Debug)]
pub struct Answer {
    /// The question.
    pub question: &'static Question,
    /// The answer as given.
    pub text: String,
    /// What it changes, as `--set` assignments; empty when it kept the current value.
    pub sets: Vec<String>,
    /// Flag or prompt.
    pub source: Source,
}

/// The next question and its default.
#[derive(Clone, Debug)]
pub struct Ask {
    /// The question.
    pub question: &'static Question,
    /// The current value as answer text (the profile's, or an earlier answer's).
    pub default: String,
}

/// Why an answer was not accepted: the spec's own messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// One line per problem (`spec.datanodes.replicas: must be at least 3 …`).
    pub reasons: Vec<String>,
    /// The problems come from the `--set` flags given to init, not from this answer: asking
    /// again cannot help.
    pub by_set: bool,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reasons.join("; "))
    }
}

/// Why `init` cannot finish without a person to ask.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InitError {
    /// A required answer has no flag and there is no terminal to ask on.
    #[error(
        "missing --{flag}: {why} (no prompts without a terminal or with --non-interactive; pass --{flag})"
    )]
    Missing {
        /// The flag, without `--`.
        flag: &'static str,
        /// Why the question matters.
        why: &'static str,
    },
    /// A flag's value was rejected.
    #[error("--{flag} {answer:?}: {rejection}")]
    Rejected {
        /// The flag, without `--`.
        flag: &'static str,
        /// The value given.
        answer: String,
        /// Why.
        rejection: Rejection,
    },
    /// A `--set` flag given to init was rejected.
    #[error("{rejection}")]
    Set {
        /// Why.
        rejection: Rejection,
    },
}

/// The wizard's state: the answers accepted so far and the cluster they resolve to.
#[derive(Clone, Debug)]
pub struct Wizard {
    base_sets: Vec<String>,
    answers: Vec<Answer>,
    settled: BTreeSet<&'static str>,
    current: Option<Cluster>,
}

/// Before a profile is chosen there is no cluster to draw defaults from; the profile
/// question offers the smallest.
const FIRST_PROFILE: Profile = Profile::Small;

impl Wizard {
    /// A wizard with `--set` assignments under every answer (fields no question covers).
    /// They are checked together with the profile answer.
    pub fn new(base_sets: Vec<String>) -> Wizard {
        Wizard {
            base_sets,
            answers: Vec::new(),
            settled: BTreeSet::new(),
            current: None,
        }
    }

    /// The cluster the answers so far resolve to; `None` until the profile is chosen.
    pub fn cluster(&self) -> Option<&Cluster> {
        self.current.as_ref()
    }

    /// The accepted answers, in the order given.
    pub fn answers(&self) -> &[Answer] {
        &self.answers
    }

    /// Every assignment so far: `--set` flags, then answers in order.
    pub fn sets(&self) -> Vec<String> {
        let mut sets = self.base_sets.clone();
        for a in &self.answers {
            sets.extend(a.sets.iter().cloned());
        }
        sets
    }

    /// The next question that is neither answered nor settled and applies to the answers so
    /// far, with its default. `None` when the flow is finished.
    pub fn next(&self) -> Option<Ask> {
        QUESTIONS
            .iter()
            .filter(|q| !self.settled.contains(q.id))
            .find(|q| self.current.as_ref().is_none_or(|c| (q.applies)(c)))
            .map(|q| Ask {
                question: q,
                default: self.default_for(q),
            })
    }

    /// The default answer to `question` given the answers so far.
    pub fn default_for(&self, question: &Question) -> String {
        match &self.current {
            Some(c) => (question.current)(c),
            None if question.mapping == Mapping::Profile => FIRST_PROFILE.name().to_owned(),
            None => String::new(),
        }
    }

    /// Whether `answer` to `question` would be accepted, and if so its assignments and the
    /// cluster they resolve to. Changes nothing.
    pub fn check(
        &self,
        question: &Question,
        answer: &str,
    ) -> Result<(Vec<String>, Cluster), Rejection> {
        let unchanged = question.mapping != Mapping::Profile
            && self.current.is_some()
            && answer.trim() == self.default_for(question).trim();
        let new_sets = if unchanged {
            Vec::new()
        } else {
            question
                .mapping
                .assignments(question.kind, answer)
                .map_err(|reason| Rejection {
                    reasons: vec![reason],
                    by_set: false,
                })?
        };
        let mut sets = self.sets();
        sets.extend(new_sets.iter().cloned());
        match resolve_sets(sets) {
            Ok(cluster) => Ok((new_sets, cluster)),
            Err(e) => {
                let mut rejection = self.rejection(&e);
                // The profile is the first answer, checked together with the `--set` flags:
                // if it resolves without them, they are at fault.
                rejection.by_set = self.answers.is_empty()
                    && !self.base_sets.is_empty()
                    && resolve_sets(new_sets).is_ok();
                Err(rejection)
            }
        }
    }

    /// Accepts an answer, or says why not (the state is then unchanged).
    pub fn accept(
        &mut self,
        question: &'static Question,
        answer: &str,
        source: Source,
    ) -> Result<(), Rejection> {
        let (sets, cluster) = self.check(question, answer)?;
        self.answers.push(Answer {
            question,
            text: answer.trim().to_owned(),
            sets,
            source,
        });
        self.settled.insert(question.id);
        self.current = Some(cluster);
        Ok(())
    }

    /// Keeps the current value of a question nobody answered.
    pub fn keep(&mut self, question: &'static Question) {
        self.settled.insert(question.id);
    }

    /// The spec's messages, as a person fixing one answer needs them: field path and what is
    /// wrong. Problems caused by a `--set` flag given to init keep the flag's name.
    fn rejection(&self, error: &SpecError) -> Rejection {
        let reasons = error
            .problems
            .iter()
            .map(|p| {
                let path = if p.path.is_empty() {
                    String::new()
                } else {
                    format!("{}: ", p.path)
                };
                match &p.origin {
                    Origin::Flag(raw) if self.base_sets.contains(raw) => {
                        format!("--set {raw}: {path}{}", p.message)
                    }
                    _ => format!("{path}{}", p.message),
                }
            })
            .collect();
        Rejection {
            reasons,
            by_set: false,
        }
    }

    /// The questions that apply to the final answers, each with its value and whether it was
    /// answered (by flag or prompt) or is the profile's.
    pub fn choices(&self) -> Vec<(&'static Question, String, Option<Source>)> {
        let Some(cluster) = &self.current else {
            return Vec::new();
        };
        QUESTIONS
            .iter()
            .filter(|q| (q.applies)(cluster) || self.answer(q.id).is_some())
            .map(|q| {
                let source = self
                    .answer(q.id)
                    .filter(|a| !a.sets.is_empty() || a.question.mapping == Mapping::Profile)
                    .map(|a| a.source);
                (q, (q.current)(cluster), source)
            })
            .collect()
    }

    fn answer(&self, id: &str) -> Option<&Answer> {
        self.answers.iter().rev().find(|a| a.question.id == id)
    }

    /// The same run as a command for CI: every answer that changed something, and the
    /// required ones.
    pub fn command_line(&self) -> String {
        let mut out = String::from("kubectl ozone init --non-interactive");
        for q in QUESTIONS {
            let Some(a) = self.answer(q.id) else {
                continue;
            };
            if a.sets.is_empty() && !q.required {
                continue;
            }
            out.push_str(&format!(" --{} {}", q.flag, shell_quote(&a.text)));
        }
        for s in &self.base_sets {
            out.push_str(&format!(" --set {}", shell_quote(s)));
        }
        out
    }
}

fn resolve_sets(sets: Vec<String>) -> Result<Cluster, SpecError> {
    resolve(&Inputs {
        profile: None,
        spec_file: None,
        sets,
    })
}

/// Quotes a word for a POSIX shell when it needs it.
pub fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.,/=:@+".contains(&b));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Asks a person. Implemented by the terminal front end; tests script it.
pub trait Prompter {
    /// What can go wrong talking to the person (terminal closed, interrupted).
    type Error;

    /// Asks one question; returns the answer text. `wizard.check` tells whether an answer
    /// would be accepted, for inline validation.
    fn ask(&mut self, wizard: &Wizard, ask: &Ask) -> Result<String, Self::Error>;

    /// Tells the person an answer was rejected and why; the question is asked again.
    fn rejected(&mut self, ask: &Ask, rejection: &Rejection) -> Result<(), Self::Error>;
}

/// Why the flow stopped.
#[derive(Debug)]
pub enum Stop<E> {
    /// The answers given cannot be used.
    Invalid(InitError),
    /// The prompter failed.
    Prompt(E),
}

impl<E> From<InitError> for Stop<E> {
    fn from(e: InitError) -> Self {
        Stop::Invalid(e)
    }
}

/// Runs the whole flow: flags answer their questions; other questions go to `prompter`, or
/// without one keep their default — except required ones, which are an error naming the flag.
/// Flags are applied even to questions that do not apply (the user asked for the value).
pub fn drive<P: Prompter>(
    wizard: &mut Wizard,
    flags: &BTreeMap<&'static str, String>,
    mut prompter: Option<&mut P>,
) -> Result<(), Stop<P::Error>> {
    while let Some(ask) = wizard.next() {
        let q = ask.question;
        if let Some(answer) = flags.get(q.id) {
            accept_flag(wizard, q, answer)?;
            continue;
        }
        match prompter.as_deref_mut() {
            Some(p) => loop {
                let answer = p.ask(wizard, &ask).map_err(Stop::Prompt)?;
                match wizard.accept(q, &answer, Source::Prompt) {
                    Ok(()) => break,
                    Err(rejection) if rejection.by_set => {
                        return Err(Stop::Invalid(InitError::Set { rejection }));
                    }
                    Err(r) => p.rejected(&ask, &r).map_err(Stop::Prompt)?,
                }
            },
            None if q.required => {
                return Err(Stop::Invalid(InitError::Missing {
                    flag: q.flag,
                    why: q.why,
                }));
            }
            None => wizard.keep(q),
        }
    }
    // Flags for questions that did not apply to the final answers (`--s3g-service` with
    // `--s3g no`) are still the user's explicit choice.
    for q in QUESTIONS {
        if let Some(answer) = flags.get(q.id)
            && !wizard.answers.iter().any(|a| a.question.id == q.id)
        {
            accept_flag(wizard, q, answer)?;
        }
    }
    Ok(())
}

fn accept_flag<E>(wizard: &mut Wizard, q: &'static Question, answer: &str) -> Result<(), Stop<E>> {
    if wizard.answers.iter().any(|a| a.question.id == q.id) {
        return Ok(());
    }
    wizard.accept(q, answer, Source::Flag).map_err(|rejection| {
        Stop::Invalid(if rejection.by_set {
            InitError::Set { rejection }
        } else {
            InitError::Rejected {
                flag: q.flag,
                answer: answer.to_owned(),
                rejection,
            }
        })
    })
}
