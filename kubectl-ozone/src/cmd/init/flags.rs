//! One flag per question, generated from the question table, so no question can lack a flag
//! and a flag's help is the question's own one-line explanation.

use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};
use ozone_generator::init::QUESTIONS;
use std::collections::BTreeMap;

/// The answers given as flags, by question id.
#[derive(Clone, Debug, Default)]
pub struct AnswerFlags(pub BTreeMap<&'static str, String>);

impl FromArgMatches for AnswerFlags {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut answers = BTreeMap::new();
        for q in QUESTIONS {
            if let Some(value) = matches.try_get_one::<String>(q.id).ok().flatten() {
                answers.insert(q.id, value.clone());
            }
        }
        Ok(AnswerFlags(answers))
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = AnswerFlags::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for AnswerFlags {
    fn augment_args(cmd: Command) -> Command {
        cmd.next_help_heading("Answers (each one skips its question)")
            .args(QUESTIONS.iter().map(|q| {
                let help = if q.required {
                    format!("{} Required without a terminal.", q.why)
                } else {
                    q.why.to_owned()
                };
                let arg = Arg::new(q.id)
                    .long(q.flag)
                    .value_name(q.value_name)
                    .action(ArgAction::Set)
                    .help(help);
                match q.short {
                    Some(c) => arg.short(c),
                    None => arg,
                }
            }))
            .next_help_heading(None::<&str>)
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        AnswerFlags::augment_args(cmd)
    }
}
