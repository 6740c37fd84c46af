//! `cove dev`: desktop dev sandboxes (see `dev::sandbox`).

use crate::cli::{DevCommand, DevCreateArgs, DevEnterArgs, DevLsArgs, DevNamesArgs, DevRmArgs};
use crate::container::exec::ExecRequest;
use crate::context::Ctx;
use crate::dev::sandbox;
use crate::error::{exit_error, EXIT_COVE};
use std::io::IsTerminal;

pub fn dispatch(ctx: &Ctx, cmd: DevCommand) -> anyhow::Result<i32> {
    match cmd {
        DevCommand::Create(a) => create(ctx, &a),
        DevCommand::Enter(a) => enter(ctx, &a),
        DevCommand::Ls(a) => ls(ctx, &a),
        DevCommand::Stop(a) => stop(ctx, &a),
        DevCommand::Rm(a) => rm(ctx, &a),
    }
}

fn create(ctx: &Ctx, args: &DevCreateArgs) -> anyhow::Result<i32> {
    let container = sandbox::create(
        ctx,
        &sandbox::CreateRequest {
            name: args.name.clone(),
            image: Some(args.image.clone()),
            home: args.home.clone(),
            isolated: args.isolated,
            gui: !args.no_gui,
        },
    )?;
    super::events::container(ctx, &container, "create");
    println!("{}", args.name);
    Ok(0)
}

fn enter(ctx: &Ctx, args: &DevEnterArgs) -> anyhow::Result<i32> {
    let container = sandbox::lookup(ctx, &args.name)?;
    let entry = sandbox::prepare_enter(ctx, &container, &args.command)?;
    let terminal = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let request = ExecRequest {
        command: &entry.command,
        env: entry.env,
        user: Some(&entry.user),
        workdir: Some(&entry.workdir),
        tty: terminal,
        interactive: true,
        detach: false,
        privileged: false,
    };
    crate::container::exec::exec(&container, &request)
}

fn ls(ctx: &Ctx, args: &DevLsArgs) -> anyhow::Result<i32> {
    let all = sandbox::list(ctx)?;
    if args.quiet {
        for c in &all {
            println!("{}", c.config.name);
        }
        return Ok(0);
    }
    let rows: Vec<[String; 3]> = all
        .iter()
        .map(|c| {
            let state = match c.running_pid() {
                Ok(Some(_)) => "running",
                _ => "stopped",
            };
            let image = c
                .config
                .image_name
                .clone()
                .unwrap_or(c.config.image.clone());
            [c.config.name.clone(), image, state.to_string()]
        })
        .collect();
    let width = |i: usize, head: &str| {
        rows.iter()
            .map(|r| r[i].len())
            .chain([head.len()])
            .max()
            .unwrap_or(0)
    };
    let (w0, w1) = (width(0, "NAME"), width(1, "IMAGE"));
    println!("{:w0$}  {:w1$}  STATUS", "NAME", "IMAGE");
    for r in rows {
        println!("{:w0$}  {:w1$}  {}", r[0], r[1], r[2]);
    }
    Ok(0)
}

fn stop(ctx: &Ctx, args: &DevNamesArgs) -> anyhow::Result<i32> {
    Ok(each(&args.names, |name| {
        let c = sandbox::lookup(ctx, name)?;
        super::stop::stop_container(&c, Some(2)).map(|_| ())
    }))
}

/// Run `f` on each name, printing it when done or the error when not;
/// the exit code as Podman's for several containers.
fn each(names: &[String], f: impl Fn(&str) -> anyhow::Result<()>) -> i32 {
    let mut failed = false;
    for name in names {
        match f(name) {
            Ok(()) => println!("{name}"),
            Err(e) => {
                eprintln!("Error: {}", crate::error::describe(&e));
                failed = true;
            }
        }
    }
    if failed {
        EXIT_COVE
    } else {
        0
    }
}

fn rm(ctx: &Ctx, args: &DevRmArgs) -> anyhow::Result<i32> {
    Ok(each(&args.names, |name| {
        let c = sandbox::lookup(ctx, name)?;
        if c.running_pid()?.is_some() && !args.force {
            return Err(exit_error(
                EXIT_COVE,
                format!(
                    "sandbox \"{name}\" is running: stop it first (cove dev stop {name}) or use -f"
                ),
            ));
        }
        drop(super::stop::stop_container(&c, Some(2))?);
        crate::container::start::remove_with_volumes(ctx, &c)
    }))
}
