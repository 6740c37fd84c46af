use cove::{cli::commands, error};

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
    // The network host (`cove __netns DIR ROOT`), started by cove itself
    // in namespaces of its own: hidden the same way.
    if args
        .first()
        .is_some_and(|a| a == cove::network::named::host::COMMAND)
    {
        let dir = std::path::PathBuf::from(args.get(1).cloned().unwrap_or_default());
        let root = std::path::PathBuf::from(args.get(2).cloned().unwrap_or_default());
        let ok = cove::runtime::netns::serve_host(&dir, &root).is_ok();
        std::process::exit(if ok { 0 } else { 1 });
    }
    if args
        .first()
        .is_some_and(|a| a == cove::network::named::host::UPLINK_COMMAND)
    {
        let ok = cove::runtime::netns::serve_uplink().is_ok();
        std::process::exit(if ok { 0 } else { 1 });
    }
    // A pod's infra process (cove re-executed by the runtime to hold the
    // pod's namespaces): hidden too, never in help.
    if args.first().map(|a| a.as_os_str()) == Some(cove::runtime::infra::HOLD_COMMAND.as_ref()) {
        cove::runtime::infra::hold(args.get(1).map_or("".as_ref(), |a| a.as_os_str()));
    }
    let cli = match cove::cli::parse::parse(args) {
        cove::cli::parse::Parsed::Run(cli) => *cli,
        cove::cli::parse::Parsed::Exit(code) => std::process::exit(code),
    };
    let result = commands::dispatch(cli);
    // Podman's last debug line, which its tests look for.
    cove::log::debug("Shutting down engines");
    match result {
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
