//! `cove stats`: CPU, memory, network, block I/O and pids of containers,
//! with Podman's columns, JSON and templates.
//!
//! cove does not put containers in cgroups of their own (yet), so the
//! figures come from /proc: the CPU time and resident memory of the
//! processes in the container's pid namespace (`container::procs`), its
//! network namespace's /proc/PID/net/dev, and /proc/PID/io. The memory
//! limit is the host's memory. Counters of processes that have exited and
//! were not waited for by another of the container's processes are lost,
//! which a cgroup would keep.

use crate::cli::StatsArgs;
use crate::container::procs;
use crate::container::record::{self, ContainerDir};
use crate::context::Ctx;
use crate::error::exit_error;
use serde_json::{json, Value};
use std::collections::HashMap;

const TABLE: &str = "{{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDS}}\t{{.UpTime}}\t{{.AVGCPU}}";

const HEADERS: &[(&str, &str)] = &[
    ("ID", "ID"),
    ("UpTime", "CPU TIME"),
    ("CPUPerc", "CPU %"),
    ("AVGCPU", "AVG CPU %"),
    ("MemUsage", "MEM USAGE / LIMIT"),
    ("MemUsageBytes", "MEM USAGE / LIMIT"),
    ("MemPerc", "MEM %"),
    ("NetIO", "NET IO"),
    ("BlockIO", "BLOCK IO"),
    ("PIDS", "PIDS"),
];

/// One reading of a container's counters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sample {
    /// CPU time of its processes (and of the children they waited for).
    pub cpu_nanos: u64,
    /// When the reading was taken, and when the container started, in
    /// unix nanoseconds.
    pub system_nanos: u64,
    pub mem_usage: u64,
    pub mem_limit: u64,
    pub net_input: u64,
    pub net_output: u64,
    pub block_input: u64,
    pub block_output: u64,
    pub pids: u64,
}

/// A container's figures: the reading and the percentages derived from
/// the previous one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    pub sample: Sample,
    pub cpu: f64,
    pub avg_cpu: f64,
    pub data_points: u64,
}

impl Stats {
    /// Podman's computation: CPU % over the time since the previous
    /// reading (since the start for the first), and the running mean of
    /// those percentages.
    pub fn next(previous: Option<&Stats>, started_nanos: u64, sample: Sample) -> Stats {
        let (prev_cpu, prev_system, prev_avg, points) = match previous {
            Some(p) => (
                p.sample.cpu_nanos,
                p.sample.system_nanos,
                p.avg_cpu,
                p.data_points,
            ),
            None => (0, started_nanos, 0.0, 0),
        };
        let cpu_delta = sample.cpu_nanos.saturating_sub(prev_cpu) as f64;
        let system_delta = sample.system_nanos.saturating_sub(prev_system) as f64;
        let cpu = if cpu_delta > 0.0 && system_delta > 0.0 {
            cpu_delta / system_delta * 100.0
        } else {
            0.0
        };
        let avg_cpu = (prev_avg * points as f64 + cpu) / (points + 1) as f64;
        Stats {
            sample,
            cpu,
            avg_cpu,
            data_points: points + 1,
        }
    }

    fn mem_perc(&self) -> f64 {
        if self.sample.mem_limit == 0 {
            0.0
        } else {
            self.sample.mem_usage as f64 / self.sample.mem_limit as f64 * 100.0
        }
    }

    /// The row for templates: Podman's field and method names.
    pub(super) fn row(&self, c: &ContainerDir, no_trunc: bool) -> Value {
        let s = &self.sample;
        let id = if no_trunc {
            c.config.id.clone()
        } else {
            c.config.id[..12].to_string()
        };
        let up = procs::go_duration(u128::from(s.cpu_nanos));
        json!({
            "ID": id,
            "ContainerID": c.config.id,
            "Name": c.config.name,
            "CPUPerc": percent(self.cpu),
            "CPU": self.cpu,
            "AVGCPU": percent(self.avg_cpu),
            "AvgCPU": self.avg_cpu,
            "CPUNano": s.cpu_nanos,
            "SystemNano": s.system_nanos,
            "MemUsage": pair(s.mem_usage, s.mem_limit, human),
            "MemUsageBytes": pair(s.mem_usage, s.mem_limit, binary),
            "MemLimit": s.mem_limit,
            "MemPerc": percent(self.mem_perc()),
            "NetIO": pair(s.net_input, s.net_output, human),
            "NetInput": s.net_input,
            "NetOutput": s.net_output,
            "BlockIO": pair(s.block_input, s.block_output, human),
            "BlockInput": s.block_input,
            "BlockOutput": s.block_output,
            "PIDS": s.pids.to_string(),
            "PIDs": s.pids,
            "UpTime": up,
            "Up": up,
            "Duration": s.cpu_nanos,
            "DataPoints": self.data_points,
        })
    }
}

/// `stats --format` fields: the row of a container with no readings yet.
pub(super) fn format_sample() -> Option<Value> {
    let container = super::ps::sample_container()?;
    Some(Stats::default().row(&container, false))
}

/// "12.34%", as Podman's `%.2f%%`.
fn percent(f: f64) -> String {
    if f.is_finite() {
        format!("{f:.2}%")
    } else {
        "--".into()
    }
}

fn pair(a: u64, b: u64, f: fn(u64) -> String) -> String {
    format!("{} / {}", f(a), f(b))
}

fn human(n: u64) -> String {
    crate::cli::output::go_units_size(n, false)
}

fn binary(n: u64) -> String {
    crate::cli::output::go_units_size(n, true)
}

fn unix_nanos(t: std::time::SystemTime) -> u64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// Read the counters of a running container whose first process is `pid1`.
pub fn sample(pid1: i32) -> anyhow::Result<Sample> {
    let processes = procs::container_processes(pid1)?;
    let ticks = procs::clock_ticks();
    let page = procs::page_size();
    let mut s = Sample {
        system_nanos: unix_nanos(std::time::SystemTime::now()),
        mem_limit: procs::mem_total(),
        ..Sample::default()
    };
    let mut cpu_ticks = 0;
    for p in &processes {
        cpu_ticks += p.stat.utime + p.stat.stime + p.stat.cutime + p.stat.cstime;
        s.mem_usage += p.stat.rss * page;
        s.pids += p.stat.num_threads.max(1);
        let (r, w) = procs::block_io(p.host_pid);
        s.block_input += r;
        s.block_output += w;
    }
    s.cpu_nanos = cpu_ticks * (1_000_000_000 / ticks);
    let net = std::fs::read_to_string(format!("/proc/{pid1}/net/dev")).unwrap_or_default();
    (s.net_input, s.net_output) = procs::parse_net_dev(&net);
    Ok(s)
}

pub fn stats(ctx: &Ctx, args: &StatsArgs) -> anyhow::Result<i32> {
    let given =
        usize::from(args.all) + usize::from(args.latest) + usize::from(!args.containers.is_empty());
    if given > 1 {
        return Err(exit_error(
            125,
            "--all, --latest and containers cannot be used together",
        ));
    }
    if args.interval < 1 {
        return Err(exit_error(
            125,
            "stats requires an interval of at least 1 second",
        ));
    }
    let format = args.format.as_deref().filter(|f| !f.is_empty());
    let json = format.is_some_and(super::inspect::is_json);
    let clear =
        !args.no_stream && !args.no_reset && std::io::IsTerminal::is_terminal(&std::io::stdout());
    let mut previous: HashMap<String, Stats> = HashMap::new();
    loop {
        let containers = targets(ctx, args)?;
        let mut current = HashMap::new();
        let mut rows = Vec::new();
        for c in &containers {
            let stats = match c.running_pid()? {
                Some(pid1) => match sample(pid1) {
                    Ok(sample) => {
                        let started = c
                            .state()
                            .started_at
                            .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
                            .and_then(|t| t.timestamp_nanos_opt())
                            .unwrap_or(0);
                        Stats::next(previous.get(&c.config.id), started.max(0) as u64, sample)
                    }
                    // It stopped while being read.
                    Err(_) => Stats::default(),
                },
                None => Stats::default(),
            };
            rows.push((c, stats.clone()));
            current.insert(c.config.id.clone(), stats);
        }
        previous = current;
        if clear {
            print!("\x1b[2J\x1b[1;1H");
        }
        if json {
            print_json(&rows, args.no_trunc)?;
        } else {
            let values: Vec<Value> = rows.iter().map(|(c, s)| s.row(c, args.no_trunc)).collect();
            crate::cli::output::print_rows(&values, format, TABLE, HEADERS, false)?;
        }
        if args.no_stream {
            return Ok(0);
        }
        std::thread::sleep(std::time::Duration::from_secs(args.interval));
    }
}

/// The containers to show: those named, the latest, or the running ones
/// (all with `-a`). Named ones that are gone fail the command.
fn targets(ctx: &Ctx, args: &StatsArgs) -> anyhow::Result<Vec<ContainerDir>> {
    if args.latest {
        return Ok(vec![super::top::latest(ctx)?]);
    }
    if !args.containers.is_empty() {
        return args
            .containers
            .iter()
            .map(|n| record::lookup(&ctx.paths.root, n))
            .collect();
    }
    let mut all: Vec<ContainerDir> = record::list(&ctx.paths.root)
        .into_iter()
        .filter(|c| args.all || crate::container::inspect::live(c).running())
        .collect();
    all.sort_by(|a, b| a.config.created.cmp(&b.config.created));
    Ok(all)
}

/// Podman's `--format json`: strings as the table shows them, indented by
/// one space.
fn print_json(rows: &[(&ContainerDir, Stats)], no_trunc: bool) -> anyhow::Result<()> {
    // Podman's field order.
    #[derive(serde::Serialize)]
    struct Entry {
        id: Value,
        name: Value,
        cpu_time: Value,
        cpu_percent: Value,
        avg_cpu: Value,
        mem_usage: Value,
        mem_percent: Value,
        net_io: Value,
        block_io: Value,
        pids: Value,
    }
    let docs: Vec<Entry> = rows
        .iter()
        .map(|(c, s)| {
            let mut r = s.row(c, no_trunc);
            let mut take = |k: &str| r[k].take();
            Entry {
                id: take("ID"),
                name: take("Name"),
                cpu_time: take("UpTime"),
                cpu_percent: take("CPUPerc"),
                avg_cpu: take("AVGCPU"),
                mem_usage: take("MemUsage"),
                mem_percent: take("MemPerc"),
                net_io: take("NetIO"),
                block_io: take("BlockIO"),
                pids: take("PIDS"),
            }
        })
        .collect();
    let mut buf = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b" ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
    serde::Serialize::serialize(&docs, &mut ser)?;
    println!("{}", String::from_utf8(buf)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_percentages() {
        let first = Stats::next(
            None,
            0,
            Sample {
                cpu_nanos: 500,
                system_nanos: 1000,
                ..Sample::default()
            },
        );
        assert_eq!(first.cpu, 50.0);
        assert_eq!(first.avg_cpu, 50.0);
        let second = Stats::next(
            Some(&first),
            0,
            Sample {
                cpu_nanos: 600,
                system_nanos: 2000,
                ..Sample::default()
            },
        );
        assert_eq!(second.cpu, 10.0);
        assert_eq!(second.avg_cpu, 30.0);
        assert_eq!(second.data_points, 2);
    }

    #[test]
    fn percentages() {
        assert_eq!(percent(1.0 / 3.0), "0.33%");
        assert_eq!(percent(0.0), "0.00%");
    }
}
