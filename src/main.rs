use clap::Parser;
use cove::{cli::commands, cli::Cli, error};

fn main() {
    // Broken pipes (`cove images | head`) end the output quietly.
    // SAFETY: the first thing main does, before any thread exists; SIG_DFL
    // installs no handler code.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // Shell completion (`cove __complete WORD…`, called by the scripts on
    // each TAB) is not a clap command: hidden from help, man pages and
    // itself, and answered before anything else is set up.
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if cove::cli::complete::is_request(args.first().map(|a| a.as_os_str())) {
        std::process::exit(cove::cli::complete::run(&args));
    }
    // A pod's infra process (cove re-executed by the runtime to hold the
    // pod's namespaces): hidden too, never in help.
    if args.first().map(|a| a.as_os_str()) == Some(cove::runtime::infra::HOLD_COMMAND.as_ref()) {
        cove::runtime::infra::hold(args.get(1).map_or("".as_ref(), |a| a.as_os_str()));
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => error::EXIT_COVE,
            };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    match commands::dispatch(cli) {
        Ok(code) => std::process::exit(code),
        Err(err) => {
            let code = error::exit_code(&err);
            let message = error::describe(&err);
            if !message.is_empty() {
                eprintln!("Error: {message}");
            }
            std::process::exit(code);
        }
    }
}
