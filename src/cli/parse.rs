//! The command line parsed as Podman's (cobra's) parser does, since scripts
//! rely on its edges: a single-value flag given twice keeps the last,
//! boolean flags take `=true`/`=false`, and a parse error is one line of
//! Podman's wording with exit 125.

use crate::cli::Cli;
use clap::builder::BoolishValueParser;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{ArgAction, CommandFactory, FromArgMatches};
use std::ffi::OsString;

/// The clap definition with cobra's flag semantics on every command.
pub fn command() -> clap::Command {
    cobra_like(Cli::command())
}

fn cobra_like(cmd: clap::Command) -> clap::Command {
    let mut cmd = cmd.args_override_self(true).mut_args(|arg| {
        if matches!(arg.get_action(), ArgAction::SetTrue) {
            // `--rm`, `--rm=true`, `--rm=false`: cobra's bool flags. One
            // that defaults to true (`cp --archive`) keeps its default.
            let default = match arg.get_default_values() {
                [] => "false".to_string(),
                [v, ..] => v.to_string_lossy().into_owned(),
            };
            arg.action(ArgAction::Set)
                .num_args(0..=1)
                .require_equals(true)
                .default_missing_value("true")
                .default_value(default)
                .hide_default_value(true)
                .hide_possible_values(true)
                .value_name("BOOL")
                .value_parser(BoolishValueParser::new())
        } else if takes_next_word(&arg) {
            // `--since -1s`, `kill -s -1`: a flag that needs a value takes
            // the next word, whatever it starts with.
            arg.allow_hyphen_values(true)
        } else {
            arg
        }
    });
    for sub in cmd.get_subcommands_mut() {
        *sub = cobra_like(std::mem::take(sub));
    }
    cmd
}

/// A flag (not an operand) whose value is required and separate.
fn takes_next_word(arg: &clap::Arg) -> bool {
    if arg.is_positional() || !matches!(arg.get_action(), ArgAction::Set | ArgAction::Append) {
        return false;
    }
    if arg.is_require_equals_set() {
        return false;
    }
    arg.get_num_args().is_none_or(|n| n.min_values() >= 1)
}

/// What parsing the command line came to.
pub enum Parsed {
    Run(Box<Cli>),
    /// Exit now with this code (help printed, or an error reported).
    Exit(i32),
}

pub fn parse(mut args: Vec<OsString>) -> Parsed {
    // `cove help [COMMAND…]` is `cove [COMMAND…] --help`, as in podman.
    if args.first().is_some_and(|a| a == "help") {
        args.remove(0);
        args.push("--help".into());
    }
    // `-v`/`--version` on their own: podman's one line.
    if args.len() == 1 && (args[0] == "-v" || args[0] == "--version") {
        println!("cove version {}", env!("CARGO_PKG_VERSION"));
        return Parsed::Exit(0);
    }
    let mut cmd = command();
    let argv = std::iter::once(OsString::from("cove")).chain(args.iter().cloned());
    let matches = cmd.try_get_matches_from_mut(argv);
    let result = matches.and_then(|mut m| Cli::from_arg_matches_mut(&mut m));
    match result {
        Ok(cli) => Parsed::Run(Box::new(cli)),
        Err(e) => match e.kind() {
            ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                let _ = e.print();
                Parsed::Exit(
                    if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                        crate::error::EXIT_COVE
                    } else {
                        0
                    },
                )
            }
            _ => {
                eprintln!("Error: {}", message(&e, &command_path(&args)));
                Parsed::Exit(crate::error::EXIT_COVE)
            }
        },
    }
}

/// `cove run` for `cove --root x run --rm img`: the subcommands named
/// before the first operand, for "See 'cove run --help'".
fn command_path(args: &[OsString]) -> String {
    let mut cmd = command();
    let mut path = vec!["cove".to_string()];
    for a in args {
        let Some(a) = a.to_str() else { break };
        if a.starts_with('-') {
            continue;
        }
        match cmd.find_subcommand(a) {
            Some(sub) => {
                path.push(sub.get_name().to_string());
                cmd = sub.clone();
            }
            None => break,
        }
    }
    path.join(" ")
}

fn context_string(e: &clap::Error, kind: ContextKind) -> Option<String> {
    match e.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) => v.first().cloned(),
        _ => None,
    }
}

/// Podman's wording of a parse error, one line and a hint.
fn message(e: &clap::Error, path: &str) -> String {
    let arg = context_string(e, ContextKind::InvalidArg).unwrap_or_default();
    // clap names an argument as `--name <NAME>`; cobra as `--name`.
    let flag = arg
        .split([' ', '=', '['])
        .next()
        .unwrap_or_default()
        .to_string();
    let value = context_string(e, ContextKind::InvalidValue).unwrap_or_default();
    let hint = format!("See '{path} --help'");
    match e.kind() {
        ErrorKind::UnknownArgument => {
            if flag.starts_with("--") || !flag.starts_with('-') {
                format!("unknown flag: {flag}\n{hint}")
            } else {
                let c = flag.trim_start_matches('-');
                format!("unknown shorthand flag: '{c}' in {flag}\n{hint}")
            }
        }
        ErrorKind::InvalidSubcommand => {
            let sub = context_string(e, ContextKind::InvalidSubcommand).unwrap_or_default();
            format!("unrecognized command `{path} {sub}`\nTry '{path} --help' for more information")
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation if !flag.is_empty() => {
            if value.is_empty() {
                format!("flag needs an argument: {flag}\n{hint}")
            } else {
                format!(
                    "invalid argument \"{value}\" for \"{flag}\" flag: {}",
                    reason(e)
                )
            }
        }
        ErrorKind::MissingSubcommand => {
            let rendered = e.render().to_string();
            let usage = rendered
                .lines()
                .find(|l| l.starts_with("Usage:"))
                .unwrap_or_default();
            format!("missing command '{path} COMMAND'\nTry '{path} --help' for more information\n\n{usage}")
        }
        ErrorKind::MissingRequiredArgument => {
            format!("{}\n{hint}", first_line(e))
        }
        _ => format!("{}\n{hint}", first_line(e)),
    }
}

/// clap's own message, without its "error: " prefix and usage lines.
fn first_line(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let line = text.lines().next().unwrap_or_default();
    line.strip_prefix("error: ").unwrap_or(line).to_string()
}

fn reason(e: &clap::Error) -> String {
    let line = first_line(e);
    match line.split_once(": ") {
        Some((_, r)) if e.kind() == ErrorKind::ValueValidation => r.to_string(),
        _ => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Command;

    fn parse_ok(args: &[&str]) -> Cli {
        let mut cmd = command();
        let argv = std::iter::once("cove").chain(args.iter().copied());
        let mut m = cmd.try_get_matches_from_mut(argv).unwrap();
        Cli::from_arg_matches_mut(&mut m).unwrap()
    }

    fn parse_err(args: &[&str]) -> String {
        let mut cmd = command();
        let argv = std::iter::once("cove").chain(args.iter().copied());
        let e = cmd.try_get_matches_from_mut(argv).unwrap_err();
        let owned: Vec<OsString> = args.iter().map(OsString::from).collect();
        message(&e, &command_path(&owned))
    }

    fn run_args(cli: Cli) -> crate::cli::RunArgs {
        match cli.command {
            Command::Run(r) => r,
            _ => panic!("not run"),
        }
    }

    #[test]
    fn repeated_single_value_flag_keeps_the_last() {
        let r = run_args(parse_ok(&["run", "--name", "a", "--name", "b", "img"]));
        assert_eq!(r.create.name.as_deref(), Some("b"));
        let c = parse_ok(&["--root", "/a", "--root=/b", "version"]);
        assert_eq!(c.global.root.as_deref(), Some(std::path::Path::new("/b")));
    }

    #[test]
    fn bool_flags_take_an_optional_value() {
        assert!(run_args(parse_ok(&["run", "--rm", "img"])).create.rm);
        assert!(!run_args(parse_ok(&["run", "--rm=false", "img"])).create.rm);
        assert!(run_args(parse_ok(&["run", "--rm=true", "img"])).create.rm);
        assert!(!run_args(parse_ok(&["run", "img"])).create.rm);
        // `--rm img`: the image is an operand, not the flag's value.
        let r = run_args(parse_ok(&["run", "--rm", "img", "true"]));
        assert_eq!(r.create.image_and_command, ["img", "true"]);
        // Bundled short flags still work.
        let r = run_args(parse_ok(&["run", "-it", "--rm", "-d", "img"]));
        assert!(r.create.interactive && r.create.tty && r.detach);
        // A repeated bool flag keeps the last too.
        assert!(!run_args(parse_ok(&["run", "-d", "--detach=false", "img"])).detach);
    }

    #[test]
    fn bool_flags_that_default_to_true_keep_it() {
        let archive = |args: &[&str]| match parse_ok(args).command {
            Command::Cp(c) => c.archive,
            _ => panic!("not cp"),
        };
        assert!(archive(&["cp", "-", "s:/a"]));
        assert!(archive(&["cp", "-a", "-", "s:/a"]));
        assert!(!archive(&["cp", "--archive=false", "-", "s:/a"]));
    }

    #[test]
    fn operands_after_the_image_are_the_command() {
        let r = run_args(parse_ok(&["run", "img", "ls", "-l", "--rm"]));
        assert_eq!(r.create.image_and_command, ["img", "ls", "-l", "--rm"]);
    }

    #[test]
    fn errors_are_worded_as_podman_words_them() {
        assert_eq!(
            parse_err(&["version", "--nosuch"]),
            "unknown flag: --nosuch\nSee 'cove version --help'"
        );
        assert_eq!(
            parse_err(&["run", "--nosuch", "img"]),
            "unknown flag: --nosuch\nSee 'cove run --help'"
        );
        assert_eq!(
            parse_err(&["run", "-Z", "img"]),
            "unknown shorthand flag: 'Z' in -Z\nSee 'cove run --help'"
        );
        assert!(parse_err(&["nosuch"]).starts_with("unrecognized command `cove nosuch`"));
        let bad_bool = parse_err(&["run", "--rm=maybe", "img"]);
        assert!(
            bad_bool.starts_with("invalid argument \"maybe\" for \"--rm\" flag: "),
            "{bad_bool}"
        );
    }
}
