//! Asking a person on the terminal (dialoguer, drawn on stderr). Each question shows why it
//! matters, offers the current value as the default, and checks the answer with the wizard
//! before accepting it: a rejected answer shows the spec's reason and is asked again.

use dialoguer::console::style;
use dialoguer::theme::ColorfulTheme;
use dialoguer::{Confirm, Input};
use ozone_generator::init::questions::Kind;
use ozone_generator::init::{Ask, Prompter, Rejection, Wizard};

/// The terminal front end.
pub struct Terminal {
    theme: ColorfulTheme,
}

impl Terminal {
    /// A prompter on stderr.
    pub fn new() -> Terminal {
        Terminal {
            theme: ColorfulTheme::default(),
        }
    }

    /// Asks a yes/no question outside the flow (overwrite a file?).
    pub fn confirm(&self, prompt: &str) -> Result<bool, dialoguer::Error> {
        Confirm::with_theme(&self.theme)
            .with_prompt(prompt)
            .default(false)
            .interact()
    }
}

impl Prompter for Terminal {
    type Error = dialoguer::Error;

    fn ask(&mut self, wizard: &Wizard, ask: &Ask) -> Result<String, Self::Error> {
        let q = ask.question;
        eprintln!();
        eprintln!("  {}", style(q.why).dim());
        if let Kind::Choice(options) = q.kind {
            for (value, meaning) in options {
                eprintln!("    {} {}", style(format!("{value:<12}")).bold(), meaning);
            }
        }
        match q.kind {
            Kind::YesNo => {
                let yes = Confirm::with_theme(&self.theme)
                    .with_prompt(q.prompt)
                    .default(ask.default == "yes")
                    .interact()?;
                Ok(if yes { "yes" } else { "no" }.to_owned())
            }
            Kind::Text { .. } | Kind::Choice(_) => {
                let optional = matches!(q.kind, Kind::Text { optional: true });
                let mut input = Input::<String>::with_theme(&self.theme)
                    .with_prompt(q.prompt)
                    .allow_empty(optional);
                if !ask.default.is_empty() {
                    input = input.default(ask.default.clone());
                }
                input
                    .validate_with(|text: &String| -> Result<(), String> {
                        wizard.check(q, text).map(|_| ()).map_err(|r| r.to_string())
                    })
                    .interact_text()
            }
        }
    }

    fn rejected(&mut self, _: &Ask, rejection: &Rejection) -> Result<(), Self::Error> {
        eprintln!("  {} {rejection}", style("✘").red());
        Ok(())
    }
}
