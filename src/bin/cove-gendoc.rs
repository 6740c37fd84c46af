//! Generates the man pages from the clap definition and writes the shell
//! completion scripts (`make man completions`). Not installed: its output
//! is committed.

use clap::CommandFactory;
use cove::cli::Cli;
use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let result = match (args.get(1).map(String::as_str), args.get(2)) {
        (Some("man"), Some(dir)) => man_pages(Path::new(dir)),
        (Some("completions"), Some(dir)) => completions(Path::new(dir)),
        _ => Err("usage: cove-gendoc man|completions DIR".into()),
    };
    if let Err(e) = result {
        eprintln!("cove-gendoc: {e}");
        std::process::exit(1);
    }
}

type Result = std::result::Result<(), Box<dyn std::error::Error>>;

/// One page per command and subcommand: cove.1, cove-pull.1, cove-image-ls.1…
fn man_pages(dir: &Path) -> Result {
    fn render(cmd: &clap::Command, name: &str, dir: &Path) -> Result {
        let cmd = cmd.clone().name(name.to_string());
        let mut buf = Vec::new();
        clap_mangen::Man::new(cmd.clone()).render(&mut buf)?;
        std::fs::write(dir.join(format!("{name}.1")), buf)?;
        for sub in cmd.get_subcommands() {
            if sub.is_hide_set() {
                continue;
            }
            render(sub, &format!("{name}-{}", sub.get_name()), dir)?;
        }
        Ok(())
    }
    let mut cmd = Cli::command();
    cmd.build();
    render(&cmd, "cove", dir)
}

/// The scripts `cove completion SHELL` prints; each calls cove's hidden
/// `__complete` entry point on every TAB for live names.
fn completions(dir: &Path) -> Result {
    for (shell, file) in cove::cli::complete::SHELLS {
        let text = cove::cli::complete::script(shell).ok_or("unknown shell")?;
        std::fs::write(dir.join(file), text)?;
    }
    Ok(())
}
