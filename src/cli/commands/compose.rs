//! `cove compose`: the command side of `crate::compose`. Loads the
//! project, lends the domain code what belongs to the CLI (stopping a
//! container, progress lines), and prints Docker Compose v2's output.

use crate::cli::{
    ComposeArgs, ComposeCommand, ComposeConfigArgs, ComposeDownArgs, ComposeExecArgs,
    ComposeKillArgs, ComposeLogsArgs, ComposeLsArgs, ComposePortArgs, ComposeProjectOpts,
    ComposePsArgs, ComposePullArgs, ComposeRmArgs, ComposeRunArgs, ComposeServicesArgs,
    ComposeStopArgs, ComposeUpArgs, ComposeVersionArgs, ExecArgs,
};
use crate::compose::apply::{self, DownOptions, Hooks, UpOptions};
use crate::compose::load::{self, LoadOptions};
use crate::compose::{plan, translate, Project};
use crate::container::record::ContainerDir;
use crate::context::Ctx;
use crate::error::{exit_error, silent_exit};
use serde_json::json;
use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

pub fn dispatch(ctx: &Ctx, args: &ComposeArgs) -> anyhow::Result<i32> {
    let o = &args.project;
    match &args.command {
        ComposeCommand::Up(a) => up(ctx, o, a),
        ComposeCommand::Down(a) => down(ctx, o, a),
        ComposeCommand::Build(a) => build(ctx, o, a),
        ComposeCommand::Ps(a) => ps(ctx, o, a),
        ComposeCommand::Logs(a) => logs(ctx, o, a),
        ComposeCommand::Config(a) => config(o, a),
        ComposeCommand::Ls(a) => ls(ctx, a),
        ComposeCommand::Start(a) => start(ctx, o, a),
        ComposeCommand::Stop(a) => stop(ctx, o, a, false),
        ComposeCommand::Restart(a) => stop(ctx, o, a, true),
        ComposeCommand::Kill(a) => kill(ctx, o, a),
        ComposeCommand::Pause(a) => pause(ctx, o, a, true),
        ComposeCommand::Unpause(a) => pause(ctx, o, a, false),
        ComposeCommand::Top(a) => top(ctx, o, a),
        ComposeCommand::Rm(a) => rm(ctx, o, a),
        ComposeCommand::Exec(a) => exec(ctx, o, a),
        ComposeCommand::Run(a) => run(ctx, o, a),
        ComposeCommand::Pull(a) => pull(ctx, o, a),
        ComposeCommand::Images(a) => images(ctx, o, a),
        ComposeCommand::Port(a) => port(ctx, o, a),
        ComposeCommand::Version(a) => version(a),
    }
}

fn load_options(o: &ComposeProjectOpts) -> anyhow::Result<LoadOptions> {
    let cwd = match &o.project_directory {
        Some(d) => std::path::absolute(d)?,
        None => std::env::current_dir()?,
    };
    Ok(LoadOptions {
        files: o.files.clone(),
        project_name: o.project_name.clone(),
        env_files: o.env_file.clone(),
        profiles: o.profile.clone(),
        cwd,
        environ: std::env::vars().collect(),
    })
}

/// The project, with its warnings printed once.
fn project(o: &ComposeProjectOpts) -> anyhow::Result<Project> {
    let p = load::load(&load_options(o)?)?;
    for w in &p.warnings {
        crate::log::warn(w);
    }
    Ok(p)
}

/// The project if its file is there; commands that act on existing
/// containers also work from `-p NAME` alone, as Docker Compose's do.
fn project_or_name(o: &ComposeProjectOpts) -> anyhow::Result<(String, Option<Project>)> {
    match project(o) {
        Ok(p) => Ok((p.name.clone(), Some(p))),
        Err(e)
            if o.files.is_empty()
                && o.project_name.is_some()
                && crate::error::describe(&e).starts_with("no configuration file") =>
        {
            Ok((
                load::normalize_name(o.project_name.as_deref().unwrap_or_default()),
                None,
            ))
        }
        Err(e) => Err(e),
    }
}

fn progress(kind: &str, name: &str, state: &str) {
    if kind == "Warning" {
        crate::log::warn(state);
    } else {
        eprintln!(" {kind} {name}  {state}");
    }
}

fn stopper(timeout: Option<u64>) -> impl Fn(&ContainerDir) -> anyhow::Result<()> + Sync {
    move |c: &ContainerDir| super::stop::stop_container(c, timeout).map(|_| ())
}

fn parse_scale(items: &[String]) -> anyhow::Result<BTreeMap<String, u32>> {
    items
        .iter()
        .map(|s| {
            let (k, v) = s
                .split_once('=')
                .ok_or_else(|| exit_error(125, format!("--scale {s}: expected SERVICE=N")))?;
            let n = v
                .parse()
                .map_err(|_| exit_error(125, format!("--scale {s}: {v} is not a number")))?;
            Ok((k.to_string(), n))
        })
        .collect()
}

fn up(ctx: &Ctx, o: &ComposeProjectOpts, a: &ComposeUpArgs) -> anyhow::Result<i32> {
    let attach = !a.detach && !a.no_start;
    if attach {
        catch_interrupts()?;
    }
    let p = project(o)?;
    let opts = UpOptions {
        services: a.services.clone(),
        no_deps: a.no_deps,
        force_recreate: a.force_recreate,
        no_recreate: a.no_recreate,
        remove_orphans: a.remove_orphans,
        scale: parse_scale(&a.scale)?,
        wait: a.wait,
        wait_timeout: a.wait_timeout.map(Duration::from_secs),
        no_start: a.no_start,
        build: a.build,
    };
    let stop = stopper(None);
    let hooks = Hooks {
        stop: &stop,
        progress: &progress,
    };
    apply::up(ctx, &p, &opts, &hooks)?;
    if !attach {
        return Ok(0);
    }
    // The foreground: follow the output until every container has exited,
    // or stop them all on Ctrl-C.
    let list = selected(ctx, &p.name, Some(&p), &a.services)?;
    let names: Vec<String> = list
        .iter()
        .map(|c| format!("{}-{}", apply::service_of(c), apply::number_of(c)))
        .collect();
    println!("Attaching to {}", names.join(", "));
    let mut logs = Logs::new(list.clone(), false, false);
    logs.print_existing(None, true)?;
    let interrupted = || INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst);
    logs.follow(&interrupted, true)?;
    if !interrupted() {
        return Ok(0);
    }
    // A second Ctrl-C ends this process at once.
    // SAFETY: restoring the default disposition installs no handler code.
    unsafe { libc::signal(libc::SIGINT, libc::SIG_DFL) };
    eprintln!("Gracefully stopping... (press Ctrl+C again to force)");
    std::thread::scope(|scope| {
        for c in list.iter().filter(|c| c.monitor_alive()) {
            scope.spawn(move || {
                if super::stop::stop_container(c, None).is_ok() {
                    progress("Container", &c.config.name, "Stopped");
                }
            });
        }
    });
    Err(silent_exit(130))
}

static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

extern "C" fn on_interrupt(_: libc::c_int) {
    INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Ctrl-C (and SIGTERM) during a foreground `up` stop the project
/// instead of leaving it running behind a dead command.
fn catch_interrupts() -> anyhow::Result<()> {
    use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
    let action = SigAction::new(
        SigHandler::Handler(on_interrupt),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    for sig in [Signal::SIGINT, Signal::SIGTERM] {
        // SAFETY: the handler only stores to an atomic (async-signal-safe).
        unsafe { sigaction(sig, &action) }?;
    }
    Ok(())
}

fn build(ctx: &Ctx, o: &ComposeProjectOpts, a: &ComposeServicesArgs) -> anyhow::Result<i32> {
    let p = project(o)?;
    let services: Vec<String> = if a.services.is_empty() {
        p.services.keys().cloned().collect()
    } else {
        for s in &a.services {
            if !p.services.contains_key(s) {
                return Err(exit_error(1, format!("no such service: {s}")));
            }
        }
        a.services.clone()
    };
    let stop = stopper(None);
    let hooks = Hooks {
        stop: &stop,
        progress: &progress,
    };
    apply::build_images(ctx, &p, &services, true, &hooks)?;
    Ok(0)
}

fn down(ctx: &Ctx, o: &ComposeProjectOpts, a: &ComposeDownArgs) -> anyhow::Result<i32> {
    let (name, p) = project_or_name(o)?;
    let stop = stopper(a.timeout);
    let hooks = Hooks {
        stop: &stop,
        progress: &progress,
    };
    let opts = DownOptions {
        volumes: a.volumes,
        remove_orphans: a.remove_orphans,
    };
    apply::down(ctx, &name, p.as_ref(), &opts, &hooks)?;
    Ok(0)
}

/// The project's containers of `services` (all when empty); an unknown
/// service is an error when the file is known.
fn selected(
    ctx: &Ctx,
    name: &str,
    p: Option<&Project>,
    services: &[String],
) -> anyhow::Result<Vec<ContainerDir>> {
    if let Some(p) = p {
        for s in services {
            if !p.services.contains_key(s) {
                return Err(exit_error(1, format!("no such service: {s}")));
            }
        }
    }
    let mut out: Vec<ContainerDir> = apply::containers(ctx, name)
        .into_iter()
        .filter(|c| services.is_empty() || services.iter().any(|s| s == apply::service_of(c)))
        .collect();
    // Dependencies first, as `up` made them.
    if let Some(p) = p {
        let all = p.services.keys().cloned().collect();
        let order = plan::order(&p.services, &all).unwrap_or_default();
        out.sort_by_key(|c| {
            (
                order
                    .iter()
                    .position(|s| s == apply::service_of(c))
                    .unwrap_or(usize::MAX),
                apply::number_of(c),
            )
        });
    }
    Ok(out)
}

fn ps(ctx: &Ctx, o: &ComposeProjectOpts, a: &ComposePsArgs) -> anyhow::Result<i32> {
    let (name, p) = project_or_name(o)?;
    let list = selected(ctx, &name, p.as_ref(), &a.service)?;
    let now = chrono::Local::now().timestamp();
    let items: Vec<(ContainerDir, crate::container::inspect::Live)> = list
        .into_iter()
        .map(|c| {
            let live = crate::container::inspect::live(&c);
            (c, live)
        })
        .filter(|(_, l)| a.all || l.running())
        .collect();
    let mut out = std::io::stdout().lock();
    if a.services {
        let mut seen = Vec::new();
        for (c, _) in &items {
            let s = apply::service_of(c).to_string();
            if !seen.contains(&s) {
                writeln!(out, "{s}")?;
                seen.push(s);
            }
        }
        return Ok(0);
    }
    if a.quiet {
        for (c, _) in &items {
            writeln!(out, "{}", c.config.id)?;
        }
        return Ok(0);
    }
    let rows: Vec<serde_json::Value> = items
        .iter()
        .map(|(c, live)| {
            let cmd = c
                .config
                .create_info
                .entrypoint
                .iter()
                .chain(&c.config.create_info.cmd)
                .cloned()
                .collect::<Vec<_>>()
                .join(" ");
            let ports: Vec<String> = c
                .state()
                .ports
                .iter()
                .map(|p| {
                    let ip = p
                        .host_ip
                        .map(|i| i.to_string())
                        .unwrap_or_else(|| "0.0.0.0".into());
                    format!(
                        "{ip}:{}->{}/{}",
                        p.host_port,
                        p.container_port,
                        p.protocol.as_str()
                    )
                })
                .collect();
            json!({
                "ID": c.config.id,
                "Name": c.config.name,
                "Image": c.config.image_name.clone().unwrap_or(c.config.image.clone()),
                "Command": format!("\"{cmd}\""),
                "Project": name,
                "Service": apply::service_of(c),
                "Created": crate::container::inspect::unix_time(Some(&c.config.created)),
                "CreatedAt": c.config.created,
                "State": live.state_name(),
                "Status": super::ps::status_text(live, now),
                "Health": live.health.as_ref().map(|h| h.status.clone()).unwrap_or_default(),
                "ExitCode": live.exit_code,
                "Ports": ports.join(", "),
                "Labels": c.config.labels,
            })
        })
        .collect();
    match a.format.as_deref() {
        Some("json") => {
            for r in &rows {
                writeln!(out, "{r}")?;
            }
        }
        None | Some("table") => {
            let cols = [
                "NAME", "IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS", "PORTS",
            ];
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    let created = super::super::output::time_ago(r["CreatedAt"].as_str());
                    vec![
                        r["Name"].as_str().unwrap_or_default().to_string(),
                        r["Image"].as_str().unwrap_or_default().to_string(),
                        r["Command"].as_str().unwrap_or_default().to_string(),
                        r["Service"].as_str().unwrap_or_default().to_string(),
                        created,
                        r["Status"].as_str().unwrap_or_default().to_string(),
                        r["Ports"].as_str().unwrap_or_default().to_string(),
                    ]
                })
                .collect();
            table(&mut out, &cols, &cells)?;
        }
        Some(other) => {
            return Err(exit_error(
                125,
                format!("--format {other}: use table or json"),
            ));
        }
    }
    Ok(0)
}

/// Columns padded to their widest cell plus three spaces, as Docker's
/// tabwriter.
fn table(out: &mut impl Write, cols: &[&str], rows: &[Vec<String>]) -> anyhow::Result<()> {
    let mut widths: Vec<usize> = cols.iter().map(|c| c.len()).collect();
    for r in rows {
        for (i, cell) in r.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:<w$}   ", w = widths[i]));
            }
        }
        s.trim_end().to_string()
    };
    writeln!(out, "{}", line(cols.to_vec()))?;
    for r in rows {
        writeln!(out, "{}", line(r.iter().map(String::as_str).collect()))?;
    }
    Ok(())
}

fn logs(ctx: &Ctx, o: &ComposeProjectOpts, a: &ComposeLogsArgs) -> anyhow::Result<i32> {
    let (name, p) = project_or_name(o)?;
    let list = selected(ctx, &name, p.as_ref(), &a.services)?;
    let tail: Option<usize> = match a.tail.as_deref() {
        None | Some("all") => None,
        Some(n) => match n.parse::<i64>() {
            Ok(n) if n < 0 => None,
            Ok(n) => Some(n as usize),
            Err(_) => return Err(exit_error(125, format!("--tail {n}: not a number"))),
        },
    };
    let mut logs = Logs::new(list, a.no_log_prefix, a.timestamps);
    logs.print_existing(tail, a.follow)?;
    if a.follow {
        logs.follow(&|| false, false)?;
    }
    Ok(0)
}

/// The logs of several containers, each line prefixed `service-N  | `
/// (padded to the longest, as Docker Compose prints them).
struct Logs {
    readers: Vec<(ContainerDir, crate::monitor::log::LogReader, String)>,
    no_prefix: bool,
    timestamps: bool,
}

impl Logs {
    fn new(list: Vec<ContainerDir>, no_prefix: bool, timestamps: bool) -> Logs {
        let labels: Vec<String> = list
            .iter()
            .map(|c| format!("{}-{}", apply::service_of(c), apply::number_of(c)))
            .collect();
        let width = labels.iter().map(String::len).max().unwrap_or(0);
        let readers = list
            .into_iter()
            .zip(labels)
            .map(|(c, l)| {
                let r = crate::monitor::log::LogReader::new(&c.log_path());
                (c, r, format!("{l:<width$}  | "))
            })
            .collect();
        Logs {
            readers,
            no_prefix,
            timestamps,
        }
    }

    fn print(&self, prefix: &str, lines: &[crate::monitor::log::Line]) -> anyhow::Result<()> {
        let mut out = std::io::stdout().lock();
        for line in lines {
            let mut text = Vec::new();
            if !self.no_prefix {
                text.extend_from_slice(prefix.as_bytes());
            }
            if self.timestamps {
                text.extend_from_slice(line.time.to_rfc3339().as_bytes());
                text.push(b' ');
            }
            // Both streams go to stdout, as Docker Compose prints them.
            text.extend_from_slice(&line.text);
            text.push(b'\n');
            if let Err(e) = out.write_all(&text) {
                if e.kind() == std::io::ErrorKind::BrokenPipe {
                    return Err(silent_exit(0));
                }
                return Err(e.into());
            }
        }
        out.flush()?;
        Ok(())
    }

    /// What the logs hold now, the last `tail` lines of each.
    fn print_existing(&mut self, tail: Option<usize>, follow: bool) -> anyhow::Result<()> {
        for i in 0..self.readers.len() {
            let running = follow && self.readers[i].0.monitor_alive();
            let mut lines = self.readers[i].1.read_new(!running);
            if let Some(n) = tail {
                let skip = lines.len().saturating_sub(n);
                lines.drain(..skip);
            }
            self.print(&self.readers[i].2, &lines)?;
        }
        Ok(())
    }

    /// New lines until every container has stopped or `interrupted`;
    /// with `report_exits`, Docker Compose's "web-1 exited with code 0".
    fn follow(&mut self, interrupted: &dyn Fn() -> bool, report_exits: bool) -> anyhow::Result<()> {
        let mut live = vec![true; self.readers.len()];
        while live.iter().any(|l| *l) && !interrupted() {
            std::thread::sleep(Duration::from_millis(50));
            for (i, alive) in live.iter_mut().enumerate() {
                if !*alive {
                    continue;
                }
                let stopped = !self.readers[i].0.monitor_alive();
                let lines = self.readers[i].1.read_new(stopped);
                self.print(&self.readers[i].2, &lines)?;
                if stopped {
                    *alive = false;
                    if report_exits {
                        let c = &self.readers[i].0;
                        let code = c.state().exit_code.unwrap_or(-1);
                        println!(
                            "{}-{} exited with code {code}",
                            apply::service_of(c),
                            apply::number_of(c)
                        );
                    }
                }
            }
        }
        Ok(())
    }
}

fn config(o: &ComposeProjectOpts, a: &ComposeConfigArgs) -> anyhow::Result<i32> {
    let p = project(o)?;
    plan::validate(&p)?;
    let mut out = std::io::stdout().lock();
    if a.quiet {
        return Ok(0);
    }
    if a.services {
        let all = p.services.keys().cloned().collect();
        for s in plan::order(&p.services, &all)? {
            writeln!(out, "{s}")?;
        }
        return Ok(0);
    }
    if a.volumes {
        for v in p.volumes.keys() {
            writeln!(out, "{v}")?;
        }
        return Ok(0);
    }
    if let Some(which) = &a.hash {
        for (n, s) in &p.services {
            if which == "*" || which.split(',').any(|w| w == n) {
                writeln!(out, "{n} {}", plan::config_hash(s))?;
            }
        }
        return Ok(0);
    }
    match a.format.as_deref() {
        None | Some("yaml") => write!(out, "{}", p.to_yaml()?)?,
        Some("json") => {
            let v: serde_json::Value = yaml_serde::from_str(&p.to_yaml()?)?;
            writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        }
        Some(other) => {
            return Err(exit_error(
                125,
                format!("--format {other}: use yaml or json"),
            ))
        }
    }
    Ok(0)
}

fn ls(ctx: &Ctx, a: &ComposeLsArgs) -> anyhow::Result<i32> {
    // name -> (running, total per state, config files)
    let mut projects: BTreeMap<String, (BTreeMap<&'static str, usize>, String)> = BTreeMap::new();
    for c in crate::container::record::list(&ctx.paths.root) {
        let Some(name) = c.config.labels.get(translate::LABEL_PROJECT) else {
            continue;
        };
        let live = crate::container::inspect::live(&c);
        let entry = projects.entry(name.clone()).or_default();
        *entry.0.entry(live.state_name()).or_default() += 1;
        if let Some(f) = c.config.labels.get(translate::LABEL_CONFIG_FILES) {
            entry.1 = f.clone();
        }
    }
    let rows: Vec<(String, String, String)> = projects
        .into_iter()
        .filter(|(_, (states, _))| a.all || states.contains_key("running"))
        .map(|(n, (states, files))| {
            let status = states
                .iter()
                .map(|(s, k)| format!("{s}({k})"))
                .collect::<Vec<_>>()
                .join(", ");
            (n, status, files)
        })
        .collect();
    let mut out = std::io::stdout().lock();
    if a.quiet {
        for (n, _, _) in &rows {
            writeln!(out, "{n}")?;
        }
        return Ok(0);
    }
    match a.format.as_deref() {
        Some("json") => {
            let v: Vec<_> = rows
                .iter()
                .map(|(n, s, f)| json!({"Name": n, "Status": s, "ConfigFiles": f}))
                .collect();
            writeln!(out, "{}", serde_json::to_string(&v)?)?;
        }
        None | Some("table") => {
            let cells: Vec<Vec<String>> = rows.into_iter().map(|(n, s, f)| vec![n, s, f]).collect();
            table(&mut out, &["NAME", "STATUS", "CONFIG FILES"], &cells)?;
        }
        Some(other) => {
            return Err(exit_error(
                125,
                format!("--format {other}: use table or json"),
            ))
        }
    }
    Ok(0)
}

fn start(ctx: &Ctx, o: &ComposeProjectOpts, a: &ComposeServicesArgs) -> anyhow::Result<i32> {
    let (name, p) = project_or_name(o)?;
    let stop = stopper(None);
    let hooks = Hooks {
        stop: &stop,
        progress: &progress,
    };
    for c in selected(ctx, &name, p.as_ref(), &a.services)? {
        apply::start_existing(ctx, &c, &hooks)?;
    }
    Ok(0)
}

fn stop(
    ctx: &Ctx,
    o: &ComposeProjectOpts,
    a: &ComposeStopArgs,
    restart: bool,
) -> anyhow::Result<i32> {
    let (name, p) = project_or_name(o)?;
    let list = selected(ctx, &name, p.as_ref(), &a.services)?;
    // Dependents stop first.
    for c in list.iter().rev() {
        if c.monitor_alive() {
            super::stop::stop_container(c, a.timeout)?;
            progress("Container", &c.config.name, "Stopped");
        }
    }
    if restart {
        let stop = stopper(None);
        let hooks = Hooks {
            stop: &stop,
            progress: &progress,
        };
        for c in &list {
            apply::start_existing(ctx, c, &hooks)?;
        }
    }
    Ok(0)
}

fn kill(ctx: &Ctx, o: &ComposeProjectOpts, a: &ComposeKillArgs) -> anyhow::Result<i32> {
    let (name, p) = project_or_name(o)?;
    let signal = crate::container::options::parse_signal(&a.signal)?;
    for c in selected(ctx, &name, p.as_ref(), &a.services)? {
        if let Some(pid) = c.running_pid()? {
            crate::container::remove::mark_stopped_by_user(&c);
            // SAFETY: kill with plain integers.
            unsafe { libc::kill(pid, signal) };
            crate::container::pause::resume_if_paused(&c);
            progress("Container", &c.config.name, "Killed");
        }
    }
    Ok(0)
}

fn pause(
    ctx: &Ctx,
    o: &ComposeProjectOpts,
    a: &ComposeServicesArgs,
    pause: bool,
) -> anyhow::Result<i32> {
    use crate::container::pause as p;
    let (name, project) = project_or_name(o)?;
    for c in selected(ctx, &name, project.as_ref(), &a.services)? {
        if c.running_pid()?.is_none() || p::is_paused(&c) == pause {
            continue;
        }
        if pause {
            p::pause(&c)?;
            progress("Container", &c.config.name, "Paused");
        } else {
            p::unpause(&c)?;
            progress("Container", &c.config.name, "Unpaused");
        }
    }
    Ok(0)
}

/// Each running container's name, then its processes as `cove top` shows them.
fn top(ctx: &Ctx, o: &ComposeProjectOpts, a: &ComposeServicesArgs) -> anyhow::Result<i32> {
    let (name, p) = project_or_name(o)?;
    for c in selected(ctx, &name, p.as_ref(), &a.services)? {
        if c.running_pid()?.is_none() {
            continue;
        }
        println!("{}", c.config.name);
        std::io::stdout().flush()?;
        let args = crate::cli::TopArgs {
            container: Some(c.config.id.clone()),
            descriptors: Vec::new(),
            latest: false,
        };
        super::top::top(ctx, &args)?;
        println!();
    }
    Ok(0)
}

fn rm(ctx: &Ctx, o: &ComposeProjectOpts, a: &ComposeRmArgs) -> anyhow::Result<i32> {
    let (name, p) = project_or_name(o)?;
    let stop = stopper(None);
    let hooks = Hooks {
        stop: &stop,
        progress: &progress,
    };
    let list = selected(ctx, &name, p.as_ref(), &a.services)?;
    for c in list.iter().rev() {
        if c.monitor_alive() && !(a.force || a.stop) {
            continue;
        }
        apply::remove(ctx, c, a.volumes, &hooks)?;
    }
    Ok(0)
}

fn exec(ctx: &Ctx, o: &ComposeProjectOpts, a: &ComposeExecArgs) -> anyhow::Result<i32> {
    let (name, p) = project_or_name(o)?;
    let service = &a.service_and_command[0];
    let c = selected(ctx, &name, p.as_ref(), std::slice::from_ref(service))?
        .into_iter()
        .find(|c| apply::number_of(c) == a.index)
        .ok_or_else(|| exit_error(1, format!("service {service:?} is not running")))?;
    let stdin_tty = nix::unistd::isatty(std::io::stdin()).unwrap_or(false);
    let args = ExecArgs {
        detach: a.detach,
        env: a.env.clone(),
        env_file: Vec::new(),
        interactive: !a.detach,
        privileged: a.privileged,
        tty: !a.no_tty && !a.detach && stdin_tty,
        user: a.user.clone(),
        workdir: a.workdir.clone(),
        container_and_command: std::iter::once(c.config.id.clone())
            .chain(a.service_and_command[1..].iter().cloned())
            .collect(),
    };
    super::exec::exec(ctx, &args)
}

fn run(ctx: &Ctx, o: &ComposeProjectOpts, a: &ComposeRunArgs) -> anyhow::Result<i32> {
    let p = project(o)?;
    let stdin_tty = nix::unistd::isatty(std::io::stdin()).unwrap_or(false);
    let opts = apply::RunOptions {
        service: a.service_and_command[0].clone(),
        command: a.service_and_command[1..].to_vec(),
        entrypoint: a.entrypoint.clone(),
        env: a.env.clone(),
        user: a.user.clone(),
        workdir: a.workdir.clone(),
        name: a.name.clone(),
        rm: a.rm,
        no_deps: a.no_deps,
        service_ports: a.service_ports,
        publish: a.publish.clone(),
        volumes: a.volume.clone(),
        labels: a.label.clone(),
        interactive: a.interactive && !a.detach,
        tty: !a.no_tty && !a.detach && stdin_tty,
    };
    let stop = stopper(None);
    let hooks = Hooks {
        stop: &stop,
        progress: &progress,
    };
    let (c, lock) = apply::run_container(ctx, &p, &opts, &hooks)?;
    if a.detach {
        if let Err(e) = crate::container::start::start_detached(ctx, &c, Some(lock)) {
            let _ = crate::container::start::remove_with_volumes(ctx, &c);
            return Err(e);
        }
        println!("{}", c.config.name);
        return Ok(0);
    }
    crate::container::start::start_attached(
        ctx,
        &c,
        Some(lock),
        opts.interactive,
        crate::container::start::OnFailure::Remove,
    )
}

fn pull(ctx: &Ctx, o: &ComposeProjectOpts, a: &ComposePullArgs) -> anyhow::Result<i32> {
    let p = project(o)?;
    let mut failed = false;
    for (n, s) in &p.services {
        if !a.services.is_empty() && !a.services.contains(n) {
            continue;
        }
        let Some(image) = &s.image else {
            continue;
        };
        let opts = crate::container::request::CreateOptions {
            image: image.clone(),
            pull: crate::image::registry::pull::PullPolicy::Always,
            quiet: true,
            ..Default::default()
        };
        match crate::container::image::ensure_image(ctx, &opts) {
            Ok(_) if !a.quiet => eprintln!(" {n} Pulled"),
            Ok(_) => {}
            Err(e) if a.ignore_pull_failures => {
                eprintln!(" {n} Error {}", crate::error::describe(&e));
            }
            Err(e) => {
                eprintln!(" {n} Error {}", crate::error::describe(&e));
                failed = true;
            }
        }
    }
    if failed {
        return Err(silent_exit(1));
    }
    Ok(0)
}

fn images(ctx: &Ctx, o: &ComposeProjectOpts, a: &ComposeServicesArgs) -> anyhow::Result<i32> {
    let (name, p) = project_or_name(o)?;
    let list = selected(ctx, &name, p.as_ref(), &a.services)?;
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|c| {
            let image = c
                .config
                .image_name
                .clone()
                .unwrap_or(c.config.image.clone());
            let (repo, tag) = match image.rsplit_once(':') {
                Some((r, t)) if !t.contains('/') => (r.to_string(), t.to_string()),
                _ => (image.clone(), "latest".to_string()),
            };
            let id = c.config.image_id.trim_start_matches("sha256:");
            vec![
                c.config.name.clone(),
                repo,
                tag,
                id[..id.len().min(12)].to_string(),
            ]
        })
        .collect();
    table(
        &mut std::io::stdout().lock(),
        &["CONTAINER", "REPOSITORY", "TAG", "IMAGE ID"],
        &rows,
    )?;
    Ok(0)
}

fn port(ctx: &Ctx, o: &ComposeProjectOpts, a: &ComposePortArgs) -> anyhow::Result<i32> {
    let (name, p) = project_or_name(o)?;
    let c = selected(ctx, &name, p.as_ref(), std::slice::from_ref(&a.service))?
        .into_iter()
        .find(|c| apply::number_of(c) == a.index)
        .ok_or_else(|| exit_error(1, format!("service {:?} is not running", a.service)))?;
    let state = c.state();
    let found = state
        .ports
        .iter()
        .find(|p| p.container_port == a.port && p.protocol.as_str() == a.protocol);
    match found {
        Some(p) => {
            let ip = p
                .host_ip
                .map(|i| i.to_string())
                .unwrap_or_else(|| "0.0.0.0".into());
            println!("{ip}:{}", p.host_port);
            Ok(0)
        }
        None => Err(exit_error(
            1,
            format!(
                "no port {}/{} published for {}",
                a.port, a.protocol, a.service
            ),
        )),
    }
}

fn version(a: &ComposeVersionArgs) -> anyhow::Result<i32> {
    let v = env!("CARGO_PKG_VERSION");
    match (a.short, a.format.as_deref()) {
        (true, _) => println!("{v}"),
        (false, Some("json")) => println!("{}", json!({ "version": v })),
        _ => println!("cove compose version {v}"),
    }
    Ok(0)
}
