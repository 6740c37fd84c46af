//! Shell completion: one engine for every shell. The scripts that
//! `cove completion SHELL` prints run `cove __complete WORD…` on each TAB
//! (`__completeNoDesc` for shells that show no descriptions), the words of
//! the command line up to the cursor, the last one being completed. The
//! answer is one candidate per line, `VALUE\tDESCRIPTION`, then `:N`, the
//! [`directive`] bits telling the script what else to do (file names, no
//! trailing space). The entry point is not a clap command, so it never
//! shows in `--help`, man pages or the completions themselves.
//!
//! Completion only reads: the containers' name index, their small state
//! files, the image catalog, the volume directory. It takes no lock,
//! writes nothing, and prints candidates or nothing: a broken store or a
//! half-written record costs candidates, never an error on the user's
//! command line.

mod engine;
mod fields;
mod objects;
mod scripts;

pub use scripts::{script, SHELLS};

/// The hidden entry point the scripts call.
pub const ENTRY: &str = "__complete";
/// The same without descriptions (bash shows none; reading them costs).
pub const ENTRY_NO_DESC: &str = "__completeNoDesc";

/// The bits of the answer's last line (`:N`), as cobra numbers them so
/// the scripts read like Podman's.
pub mod directive {
    /// The candidate is a prefix to go on typing (`container:`, `--flag=`).
    pub const NO_SPACE: u32 = 2;
    /// Offer nothing else: no file names when there is no candidate.
    pub const NO_FILES: u32 = 4;
    /// Offer the shell's file names besides the candidates.
    pub const FILES: u32 = 8;
    /// Offer directory names only.
    pub const DIRS: u32 = 16;
}

/// One candidate and what the shell may show beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub value: String,
    pub help: String,
}

impl Candidate {
    pub fn new(value: impl Into<String>, help: impl Into<String>) -> Candidate {
        Candidate {
            value: value.into(),
            help: help.into(),
        }
    }
}

/// What one TAB gets.
#[derive(Debug, Default)]
pub struct Answer {
    pub candidates: Vec<Candidate>,
    pub directive: u32,
}

/// Whether `args` (without the program name) asks for completion.
pub fn is_request(first: Option<&std::ffi::OsStr>) -> bool {
    first.is_some_and(|a| a == ENTRY || a == ENTRY_NO_DESC)
}

/// Answer a completion request (`args` without the program name, starting
/// with the entry point) on stdout. Always exits 0: a failing completion
/// must not make the shell print anything.
pub fn run(args: &[std::ffi::OsString]) -> i32 {
    let describe = args.first().is_some_and(|a| a == ENTRY);
    let words: Vec<String> = args
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let answer = engine::complete(&words, describe);
    let mut out = String::new();
    for c in &answer.candidates {
        // A value or help with a newline or tab would break the protocol.
        let value = c.value.replace(['\n', '\t'], " ");
        out.push_str(&value);
        if describe && !c.help.is_empty() {
            out.push('\t');
            out.push_str(&c.help.replace(['\n', '\t'], " "));
        }
        out.push('\n');
    }
    out.push_str(&format!(":{}\n", answer.directive));
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes());
    0
}
