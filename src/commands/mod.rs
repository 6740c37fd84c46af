//! One module per command family; `dispatch` maps the parsed command line
//! to them. Each returns the process exit code.

mod archive;
mod commit;
mod cp;
mod df;
mod exec;
mod health;
mod images;
mod import;
mod inspect;
mod login;
mod logs;
mod port;
mod prune;
mod ps;
mod pull;
mod rename;
mod run;
mod stats;
mod stop;
mod system;
mod top;
mod volume;

use crate::cli::{Cli, Command, ContainerCommand, GlobalOpts, ImageCommand, SystemCommand};
use crate::paths::Paths;
use crate::registries::RegistriesConf;
use crate::store::Store;
use crate::unpack::UnpackOptions;
use crate::userns;

/// What every command needs: the global flags and the resolved paths.
pub struct Ctx {
    pub global: GlobalOpts,
    pub paths: Paths,
}

impl Ctx {
    /// The store for reading, if anything was ever stored.
    pub fn store_if_exists(&self) -> Option<Store> {
        Store::open_existing(&self.paths.root)
    }

    /// The store for commands that write image files. Unprivileged, this
    /// first moves the process into cove's user namespace (so image file
    /// owners are real ids), which must happen before any thread starts.
    pub fn store_for_writing(&self) -> anyhow::Result<(Store, UnpackOptions)> {
        crate::fsutil::create_dir_all_mode(&self.paths.root, 0o700)?;
        let real_root = userns::is_root() && !in_user_namespace();
        let maps = userns::enter_for_storage(&self.paths.root)?;
        let store = Store::open(&self.paths.root)?;
        let opts = UnpackOptions {
            preserve_ownership: real_root || userns::can_chown_freely(&maps),
            allow_devices: real_root,
        };
        Ok((store, opts))
    }

    pub fn registries(&self) -> anyhow::Result<RegistriesConf> {
        RegistriesConf::load()
    }
}

/// True when this process is in a user namespace other than the initial
/// one (its uid map is not the identity over the whole range).
pub fn in_user_namespace() -> bool {
    match std::fs::read_to_string("/proc/self/uid_map") {
        Ok(map) => map.split_whitespace().collect::<Vec<_>>() != ["0", "0", "4294967295"],
        Err(_) => false,
    }
}

pub fn dispatch(cli: Cli) -> anyhow::Result<i32> {
    crate::log::set_level(cli.global.log_level);
    let paths = Paths::resolve(cli.global.root.clone(), cli.global.runroot.clone());
    let ctx = Ctx {
        global: cli.global,
        paths,
    };
    match cli.command {
        Command::Run(a) => run::run(&ctx, &a),
        Command::Create(a) => run::create(&ctx, &a),
        Command::Start(a) => run::start(&ctx, &a),
        Command::Exec(a) => exec::exec(&ctx, &a),
        Command::Rm(a) => run::remove(&ctx, &a),
        Command::Kill(a) => run::kill(&ctx, &a),
        Command::Wait(a) => run::wait(&ctx, &a),
        Command::Stop(a) => stop::stop(&ctx, &a),
        Command::Restart(a) => stop::restart(&ctx, &a),
        Command::Logs(a) => logs::logs(&ctx, &a),
        Command::Attach(a) => logs::attach(&ctx, &a),
        Command::Healthcheck(crate::cli::HealthcheckCommand::Run(a)) => health::run(&ctx, &a),
        Command::ContainerMonitor(a) => crate::monitor::serve(&ctx, &a.id, a.lock_fd, a.report_fd),
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
        },
        Command::Cp(a) => cp::cp(&ctx, &a),
        Command::Export(a) => cp::export(&ctx, &a),
        Command::Commit(a) => commit::commit(&ctx, &a),
        Command::Pull(a) => pull::pull(&ctx, &a),
        Command::Push(a) => pull::push(&ctx, &a),
        Command::Images(a) => images::list(&ctx, &a),
        Command::Tag(a) => images::tag(&ctx, &a),
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
        Command::Completion(a) => system::completion(&a),
        Command::Volume(sub) => volume::dispatch(&ctx, sub),
        Command::System(sub) => match sub {
            SystemCommand::Prune(a) => prune::system_prune(&ctx, &a),
            SystemCommand::Df(a) => df::df(&ctx, &a),
            SystemCommand::Reset(a) => prune::system_reset(&ctx, &a),
        },
        Command::Image(sub) => match sub {
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

/// Turn a user's name for a new local image into a full reference, as
/// Podman does for tag/import/commit: short names live under localhost/.
pub fn local_name(input: &str) -> anyhow::Result<String> {
    use crate::reference::{parse_name, ParsedName};
    Ok(match parse_name(input)? {
        ParsedName::Qualified(r) => {
            let r = r.with_default_tag();
            crate::registry::pull::stored_name(&r)
        }
        ParsedName::Short {
            repository,
            tag,
            digest,
        } => {
            if digest.is_some() {
                anyhow::bail!("{input}: a digest cannot be used as a new image name");
            }
            format!(
                "localhost/{repository}:{}",
                tag.as_deref().unwrap_or("latest")
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_names() {
        assert_eq!(local_name("app").unwrap(), "localhost/app:latest");
        assert_eq!(local_name("team/app:2").unwrap(), "localhost/team/app:2");
        assert_eq!(local_name("quay.io/a/b").unwrap(), "quay.io/a/b:latest");
        assert!(local_name("Bad Name").is_err());
    }
}
