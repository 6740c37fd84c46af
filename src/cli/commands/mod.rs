//! One module per command family; `dispatch` maps the parsed command line
//! to them. Each returns the process exit code.

mod archive;
mod build;
mod commit;
mod compose;
mod cp;
mod dev;
mod df;
mod events;
mod exec;
mod global;
mod health;
mod images;
mod import;
mod inspect;
mod login;
mod logs;
mod network;
mod pod;
mod port;
mod prune;
mod ps;
mod pull;
mod rename;
mod run;
mod run_flags;
mod stats;
mod stop;
mod system;
mod top;
mod volume;

use crate::cli::{BuildxCommand, Cli, Command, ContainerCommand, ImageCommand, SystemCommand};
use crate::context::{Ctx, Paths};

/// The states a container `status=` filter takes.
pub(crate) use ps::STATES as CONTAINER_STATES;

/// What the `--format` template of the command `names` (from the root,
/// `["image", "ls"]`) sees, for an empty object: shell completion offers
/// its fields. None for commands whose template value is not sampled.
pub(crate) fn format_sample(names: &[&str]) -> Option<serde_json::Value> {
    match names {
        ["ps"] | ["container", "ls" | "list"] => ps::format_sample(),
        ["images"] | ["image", "ls" | "list"] => Some(images::format_sample()),
        ["volume", "ls" | "list" | "inspect"] => Some(volume::format_sample()),
        ["inspect"] | ["container", "inspect"] => inspect::container_format_sample(),
        ["image", "inspect"] => Some(images::inspect_format_sample()),
        ["stats"] | ["container", "stats"] => stats::format_sample(),
        ["history"] | ["image", "history"] => Some(images::history_format_sample()),
        ["system", "df"] => Some(df::format_sample()),
        ["network", "ls" | "list" | "inspect"] => Some(network::format_sample()),
        ["pod", "ps" | "ls" | "list"] => Some(pod::format_sample()),
        _ => None,
    }
}

pub fn dispatch(cli: Cli) -> anyhow::Result<i32> {
    let log_level = global::apply(&cli.global)?;
    crate::log::set_level(log_level);
    crate::log::info(&format!("cove filtering at log level {}", log_level.name()));
    crate::log::trace(&format!(
        "command line: {:?}",
        std::env::args().collect::<Vec<_>>()
    ));
    let paths = Paths::resolve(cli.global.root.clone(), cli.global.runroot.clone());
    let ctx = Ctx {
        paths,
        storage_driver: cli.global.storage_driver,
        log_level,
    };
    match cli.command {
        Command::Run(a) => run::run(&ctx, &a),
        Command::Create(a) => run::create(&ctx, &a),
        Command::Start(a) => run::start(&ctx, &a),
        Command::Exec(a) => exec::exec(&ctx, &a),
        Command::Rm(a) => run::remove(&ctx, &a),
        Command::Kill(a) => run::kill(&ctx, &a),
        Command::Pause(a) => run::pause(&ctx, &a, true),
        Command::Unpause(a) => run::pause(&ctx, &a, false),
        Command::Wait(a) => run::wait(&ctx, &a),
        Command::Stop(a) => stop::stop(&ctx, &a),
        Command::Restart(a) => stop::restart(&ctx, &a),
        Command::Logs(a) => logs::logs(&ctx, &a),
        Command::Attach(a) => logs::attach(&ctx, &a),
        Command::Healthcheck(crate::cli::HealthcheckCommand::Run(a)) => health::run(&ctx, &a),
        // SAFETY: the hidden command's descriptors are those `monitor::spawn`
        // passed it, and nothing in this process has touched them.
        Command::ContainerMonitor(a) => unsafe {
            crate::container::start::serve_monitor(&ctx, &a.id, a.lock_fd, a.report_fd)
        },
        Command::Ps(a) => ps::ps(&ctx, &a),
        Command::Top(a) => top::top(&ctx, &a),
        Command::Port(a) => port::port(&ctx, &a),
        Command::Stats(a) => stats::stats(&ctx, &a),
        Command::Rename(a) => rename::rename(&ctx, &a),
        Command::Container(sub) => match sub {
            ContainerCommand::Ls(a) => ps::ps(&ctx, &a),
            ContainerCommand::Inspect(a) => inspect::container_inspect(&ctx, &a),
            ContainerCommand::Rm(a) => run::remove(&ctx, &a),
            ContainerCommand::Create(a) => run::create(&ctx, &a),
            ContainerCommand::Run(a) => run::run(&ctx, &a),
            ContainerCommand::Start(a) => run::start(&ctx, &a),
            ContainerCommand::Stop(a) => stop::stop(&ctx, &a),
            ContainerCommand::Restart(a) => stop::restart(&ctx, &a),
            ContainerCommand::Kill(a) => run::kill(&ctx, &a),
            ContainerCommand::Wait(a) => run::wait(&ctx, &a),
            ContainerCommand::Logs(a) => logs::logs(&ctx, &a),
            ContainerCommand::Attach(a) => logs::attach(&ctx, &a),
            ContainerCommand::Top(a) => top::top(&ctx, &a),
            ContainerCommand::Port(a) => port::port(&ctx, &a),
            ContainerCommand::Stats(a) => stats::stats(&ctx, &a),
            ContainerCommand::Rename(a) => rename::rename(&ctx, &a),
            ContainerCommand::Prune(a) => prune::container_prune(&ctx, &a),
            ContainerCommand::Cp(a) => cp::cp(&ctx, &a),
            ContainerCommand::Export(a) => cp::export(&ctx, &a),
            ContainerCommand::Commit(a) => commit::commit(&ctx, &a),
            ContainerCommand::Exec(a) => exec::exec(&ctx, &a),
            ContainerCommand::Exists(a) => run::exists(&ctx, &a),
            ContainerCommand::Pause(a) => run::pause(&ctx, &a, true),
            ContainerCommand::Unpause(a) => run::pause(&ctx, &a, false),
        },
        Command::Cp(a) => cp::cp(&ctx, &a),
        Command::Export(a) => cp::export(&ctx, &a),
        Command::Commit(a) => commit::commit(&ctx, &a),
        Command::Build(a) => build::build(&ctx, &a),
        Command::Buildx(BuildxCommand::Build(a)) => build::build(&ctx, &a),
        Command::Pull(a) => pull::pull(&ctx, &a),
        Command::Push(a) => pull::push(&ctx, &a),
        Command::Images(a) => images::list(&ctx, &a),
        Command::Tag(a) => images::tag(&ctx, &a),
        Command::Untag(a) => images::untag(&ctx, &a),
        Command::Rmi(a) => images::remove(&ctx, &a),
        Command::Save(a) => archive::save(&ctx, &a),
        Command::Load(a) => archive::load(&ctx, &a),
        Command::Import(a) => import::import(&ctx, &a),
        Command::Inspect(a) => inspect::inspect_any(&ctx, &a),
        Command::Login(a) => login::login(&ctx, &a),
        Command::Logout(a) => login::logout(&a),
        Command::Unshare(a) => system::unshare(&ctx, &a),
        Command::Version(a) => system::version(&a),
        Command::Info(a) => system::info(&ctx, &a),
        Command::Events(a) => events::events(&ctx, &a),
        Command::Completion(a) => system::completion(&a),
        Command::Pod(sub) => pod::dispatch(&ctx, sub),
        Command::Dev(sub) => dev::dispatch(&ctx, sub),
        Command::Compose(a) => compose::dispatch(&ctx, &a),
        Command::Volume(sub) => volume::dispatch(&ctx, sub),
        Command::Network(sub) => network::dispatch(&ctx, sub),
        Command::System(sub) => match sub {
            SystemCommand::Prune(a) => prune::system_prune(&ctx, &a),
            SystemCommand::Df(a) => df::df(&ctx, &a),
            SystemCommand::Reset(a) => prune::system_reset(&ctx, &a),
        },
        Command::Image(sub) => match sub {
            ImageCommand::Build(a) => build::build(&ctx, &a),
            ImageCommand::Ls(a) => images::list(&ctx, &a),
            ImageCommand::Inspect(a) => images::inspect(&ctx, &a),
            ImageCommand::Exists(a) => images::exists(&ctx, &a),
            ImageCommand::History(a) => images::history(&ctx, &a),
            ImageCommand::Rm(a) => images::remove(&ctx, &a),
            ImageCommand::Tag(a) => images::tag(&ctx, &a),
            ImageCommand::Untag(a) => images::untag(&ctx, &a),
            ImageCommand::Pull(a) => pull::pull(&ctx, &a),
            ImageCommand::Push(a) => pull::push(&ctx, &a),
            ImageCommand::Save(a) => archive::save(&ctx, &a),
            ImageCommand::Load(a) => archive::load(&ctx, &a),
            ImageCommand::Import(a) => import::import(&ctx, &a),
            ImageCommand::Prune(a) => images::prune(&ctx, &a),
        },
    }
}
