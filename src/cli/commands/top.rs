//! `cove top`: the processes of a running container, with Podman's (psgo's)
//! format descriptors, read from /proc on the host rather than by running
//! `ps` in the container (which may not have one).

use crate::cli::TopArgs;
use crate::container::procs::{self, Proc};
use crate::container::record;
use crate::context::Ctx;
use crate::error::exit_error;

/// Podman's default columns.
const DEFAULT: &[&str] = &[
    "user", "pid", "ppid", "pcpu", "etime", "tty", "time", "args",
];

/// What a row needs besides the process: the container's passwd and
/// group files (to name ids) and the clock.
pub(super) struct Env {
    passwd: String,
    group: String,
    host_passwd: String,
    host_group: String,
    boot_time: i64,
    ticks: u64,
    page_size: u64,
    now: std::time::SystemTime,
}

pub(super) type Column = fn(&Proc, &Env) -> String;

/// Descriptor names (ps style and AIX), their header, and the value.
const DESCRIPTORS: &[(&str, &str, &str, Column)] = &[
    ("args", "%a", "COMMAND", |p, _| args(p)),
    ("comm", "%c", "COMMAND", |p, _| p.comm.clone()),
    ("etime", "%t", "ELAPSED", |p, e| {
        procs::go_duration(elapsed(p, e).as_nanos())
    }),
    ("group", "%G", "GROUP", |p, e| name(&e.group, p.gids[1])),
    ("nice", "%n", "NI", |p, _| p.stat.nice.to_string()),
    ("pcpu", "%C", "%CPU", |p, e| pcpu(p, e)),
    ("pgid", "%r", "PGID", |p, _| p.pgid.to_string()),
    ("pid", "%p", "PID", |p, _| p.pid.to_string()),
    ("ppid", "%P", "PPID", |p, _| p.ppid.to_string()),
    ("rgroup", "%g", "RGROUP", |p, e| name(&e.group, p.gids[0])),
    ("ruser", "%u", "RUSER", |p, e| name(&e.passwd, p.uids[0])),
    ("time", "%x", "TIME", |p, e| {
        procs::go_duration(u128::from(cpu_seconds(p, e)) * 1_000_000_000)
    }),
    ("tty", "%y", "TTY", |p, _| tty_name(p.stat.tty_nr)),
    ("user", "%U", "USER", |p, e| name(&e.passwd, p.uids[1])),
    ("vsz", "%z", "VSZ", |p, _| (p.stat.vsize / 1024).to_string()),
    ("rss", "", "RSS", |p, e| {
        (p.stat.rss * e.page_size / 1024).to_string()
    }),
    ("state", "", "STATE", |p, _| p.stat.state.to_string()),
    ("stime", "", "STIME", |p, e| start_time(p, e)),
    ("hpid", "", "HPID", |p, _| p.host_pid.to_string()),
    ("huser", "", "HUSER", |p, e| {
        name(&e.host_passwd, p.host_uid)
    }),
    ("hgroup", "", "HGROUP", |p, e| {
        name(&e.host_group, p.host_gid)
    }),
];

pub fn top(ctx: &Ctx, args: &TopArgs) -> anyhow::Result<i32> {
    let mut words: Vec<String> = args.descriptors.clone();
    let container = if args.latest {
        if let Some(c) = &args.container {
            words.insert(0, c.clone());
        }
        latest(ctx)?
    } else {
        let name = args.container.as_deref().ok_or_else(|| {
            exit_error(
                125,
                "you must provide the name or id of a running container",
            )
        })?;
        record::lookup(&ctx.paths.root, name)?
    };
    let columns = parse_descriptors(&words)?;
    let Some(pid1) = container.running_pid()? else {
        return Err(exit_error(
            125,
            "top can only be used on running containers",
        ));
    };
    let mut text = columns
        .iter()
        .map(|(header, _)| *header)
        .collect::<Vec<_>>()
        .join("\t");
    text.push('\n');
    for (_, row) in rows(&container, pid1, &columns)? {
        text.push_str(&row.join("\t"));
        text.push('\n');
    }
    print!("{}", crate::cli::template::align_columns(&text));
    Ok(0)
}

/// The columns' headers (for `pod top`, which shows several containers).
pub(super) fn headers(columns: &[(&'static str, Column)]) -> Vec<&'static str> {
    columns.iter().map(|(header, _)| *header).collect()
}

/// One row of `columns` per process of the container whose pid 1 is
/// `pid1`, with the process's host pid.
pub(super) fn rows(
    container: &record::ContainerDir,
    pid1: i32,
    columns: &[(&'static str, Column)],
) -> anyhow::Result<Vec<(i32, Vec<String>)>> {
    let processes = procs::container_processes(pid1)?;
    let fuse = container.config.driver == crate::storage::Driver::Fuse;
    let read_etc = |file: &str| {
        // A FUSE root mounted in the container's user namespace refuses
        // processes outside it: read from inside.
        if fuse {
            return read_inside(container, file).unwrap_or_default();
        }
        crate::container::user::read_rootfs_file(
            std::path::Path::new(&format!("/proc/{pid1}/root")),
            file,
            16 << 20,
        )
        .ok()
        .flatten()
        .unwrap_or_default()
    };
    let env = Env {
        passwd: read_etc("/etc/passwd"),
        group: read_etc("/etc/group"),
        host_passwd: std::fs::read_to_string("/etc/passwd").unwrap_or_default(),
        host_group: std::fs::read_to_string("/etc/group").unwrap_or_default(),
        boot_time: procs::boot_time(),
        ticks: procs::clock_ticks(),
        page_size: procs::page_size(),
        now: std::time::SystemTime::now(),
    };
    Ok(processes
        .iter()
        .map(|p| {
            (
                p.host_pid,
                columns.iter().map(|(_, f)| f(p, &env)).collect(),
            )
        })
        .collect())
}

/// The most recently created container (`--latest`).
pub fn latest(ctx: &Ctx) -> anyhow::Result<record::ContainerDir> {
    record::list(&ctx.paths.root)
        .into_iter()
        .max_by(|a, b| a.config.created.cmp(&b.config.created))
        .ok_or_else(|| exit_error(125, "no containers to show: create one first"))
}

/// Columns for the descriptors given (each argument may hold several,
/// separated by commas or blanks); Podman's default without any.
pub(super) fn parse_descriptors(words: &[String]) -> anyhow::Result<Vec<(&'static str, Column)>> {
    let names: Vec<String> = if words.is_empty() {
        DEFAULT.iter().map(|s| s.to_string()).collect()
    } else {
        words
            .iter()
            .flat_map(|w| {
                w.split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    names
        .iter()
        .map(|n| {
            DESCRIPTORS
                .iter()
                .find(|(name, aix, _, _)| n == name || (!aix.is_empty() && n == aix))
                .map(|(_, _, header, f)| (*header, *f))
                .ok_or_else(|| {
                    let known: Vec<&str> = DESCRIPTORS.iter().map(|d| d.0).collect();
                    exit_error(
                        125,
                        format!(
                            "{n:?}: unknown descriptor; cove's top reads /proc and knows {} (and the AIX forms %C %G %P %U %a %c %g %n %p %r %t %u %x %y %z); ps options such as -ef are not supported",
                            known.join(", ")
                        ),
                    )
                })
        })
        .collect()
}

/// The command line as psgo joins it (a trailing NUL gives a trailing
/// blank), or the name in brackets when there is none.
fn args(p: &Proc) -> String {
    if p.args.is_empty() {
        format!("[{}]", p.comm)
    } else {
        p.args.join(" ")
    }
}

/// A user or group name from the container's file, else the number.
fn name(file: &str, id: u32) -> String {
    procs::name_for_id(file, id).unwrap_or_else(|| id.to_string())
}

/// When the process started, at second resolution as psgo computes it.
fn started(p: &Proc, e: &Env) -> std::time::SystemTime {
    let secs = e.boot_time + (p.stat.starttime / e.ticks) as i64;
    std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs.max(0) as u64)
}

fn elapsed(p: &Proc, e: &Env) -> std::time::Duration {
    e.now.duration_since(started(p, e)).unwrap_or_default()
}

/// CPU time in whole seconds, as psgo counts it.
fn cpu_seconds(p: &Proc, e: &Env) -> u64 {
    (p.stat.utime + p.stat.stime) / e.ticks
}

fn pcpu(p: &Proc, e: &Env) -> String {
    let elapsed = elapsed(p, e).as_secs_f64();
    let pcpu = if elapsed > 0.0 {
        100.0 * cpu_seconds(p, e) as f64 / elapsed
    } else {
        0.0
    };
    format!("{pcpu:.3}")
}

fn start_time(p: &Proc, e: &Env) -> String {
    let t: chrono::DateTime<chrono::Local> = started(p, e).into();
    crate::storage::volume::go_time_string(&t.to_rfc3339())
}

/// The terminal of a `tty_nr` (stat field 7): "?" without one.
fn tty_name(tty_nr: i32) -> String {
    let n = tty_nr as u32;
    let major = (n >> 8) & 0xfff;
    let minor = (n & 0xff) | ((n >> 12) & 0xfff00);
    match major {
        0 => "?".into(),
        136..=143 => format!("pts/{}", minor + (major - 136) * 256),
        4 if minor < 64 => format!("tty{minor}"),
        4 => format!("ttyS{}", minor - 64),
        5 if minor == 0 => "tty".into(),
        5 if minor == 1 => "console".into(),
        _ => "?".into(),
    }
}

/// A file of a running container's root filesystem, read by a worker that
/// joined its namespaces.
fn read_inside(container: &record::ContainerDir, file: &str) -> anyhow::Result<String> {
    use crate::container::access::{self, Access, View};
    use std::io::{Read, Write};
    let access = Access::open(container.clone())?;
    let (mut r, mut w) = access::pipe()?;
    let file = file.to_string();
    let worker = access.spawn(View::RootOnly, move || {
        let data =
            crate::container::user::read_rootfs_file(std::path::Path::new("/"), &file, 16 << 20)?
                .unwrap_or_default();
        w.write_all(data.as_bytes())?;
        Ok(())
    })?;
    let mut text = String::new();
    let read = r.read_to_string(&mut text);
    worker.wait_after(read.map_err(anyhow::Error::from))?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_parse() {
        let cols = parse_descriptors(&[]).unwrap();
        let headers: Vec<&str> = cols.iter().map(|c| c.0).collect();
        assert_eq!(
            headers,
            ["USER", "PID", "PPID", "%CPU", "ELAPSED", "TTY", "TIME", "COMMAND"]
        );
        let cols = parse_descriptors(&["pid,user".into(), "%C".into(), "rss vsz".into()]).unwrap();
        let headers: Vec<&str> = cols.iter().map(|c| c.0).collect();
        assert_eq!(headers, ["PID", "USER", "%CPU", "RSS", "VSZ"]);
        let err = parse_descriptors(&["-ef".into()]).unwrap_err();
        assert_eq!(crate::error::exit_code(&err), 125);
    }

    #[test]
    fn ttys() {
        assert_eq!(tty_name(0), "?");
        assert_eq!(tty_name(34816), "pts/0");
        assert_eq!(tty_name((136 << 8) | 3), "pts/3");
        assert_eq!(tty_name((4 << 8) | 1), "tty1");
    }

    #[test]
    fn command_lines() {
        let mut p = Proc {
            comm: "kworker".into(),
            ..Proc::default()
        };
        assert_eq!(args(&p), "[kworker]");
        p.args = vec!["sleep".into(), "1000".into(), String::new()];
        assert_eq!(args(&p), "sleep 1000 ");
    }
}
