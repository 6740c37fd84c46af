//! The processes of a running container, read from /proc (for `top` and
//! `stats`): every process whose pid namespace is that of the container's
//! first process. Pids are translated into the container's pid namespace
//! (the last `NSpid` field) and ids into its user namespace (its uid_map
//! and gid_map as this process sees them).
//!
//! Reading another user's /proc entries needs ptrace access; unprivileged,
//! the container's processes are in a user namespace this user owns, which
//! grants it. Entries that cannot be read (processes that exit meanwhile)
//! are skipped.

use std::path::Path;

/// One process, as /proc shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Proc {
    /// The pid as this process (on the host) sees it.
    pub host_pid: i32,
    /// The pid inside the container.
    pub pid: i32,
    /// The parent's pid inside the container; 0 for the container's first
    /// process (its parent is outside).
    pub ppid: i32,
    pub host_ppid: i32,
    /// The process group inside the container (0 when its leader is
    /// outside).
    pub pgid: i32,
    pub comm: String,
    /// The command line split at NUL bytes, as `ps` joins it: a trailing
    /// empty element when the command line ends with NUL.
    pub args: Vec<String>,
    pub stat: Stat,
    /// Real, effective, saved and filesystem uids, in the container.
    pub uids: [u32; 4],
    pub gids: [u32; 4],
    /// The effective uid and gid on the host.
    pub host_uid: u32,
    pub host_gid: u32,
}

/// The fields of /proc/PID/stat that cove reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stat {
    pub comm: String,
    pub state: char,
    pub ppid: i32,
    pub pgrp: i32,
    pub tty_nr: i32,
    /// Clock ticks in user and kernel mode, and of waited-for children.
    pub utime: u64,
    pub stime: u64,
    pub cutime: u64,
    pub cstime: u64,
    pub nice: i64,
    pub num_threads: u64,
    /// Clock ticks after boot when the process started.
    pub starttime: u64,
    /// Virtual memory size in bytes.
    pub vsize: u64,
    /// Resident set size in pages.
    pub rss: u64,
}

/// Parse /proc/PID/stat. The command name is between the first '(' and
/// the last ')' and may itself hold spaces and parentheses.
pub fn parse_stat(text: &str) -> Option<Stat> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text.get(open + 1..close)?.to_string();
    // Fields after the name, numbered from 3 (state) as in proc(5).
    let rest: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
    let field = |n: usize| rest.get(n - 3).copied();
    let num = |n: usize| field(n).and_then(|f| f.parse::<u64>().ok());
    Some(Stat {
        comm,
        state: field(3)?.chars().next()?,
        ppid: field(4)?.parse().ok()?,
        pgrp: field(5)?.parse().ok()?,
        tty_nr: field(7)?.parse().ok()?,
        utime: num(14)?,
        stime: num(15)?,
        cutime: field(16)?.parse::<i64>().ok()?.max(0) as u64,
        cstime: field(17)?.parse::<i64>().ok()?.max(0) as u64,
        nice: field(19)?.parse().ok()?,
        num_threads: num(20)?,
        starttime: num(22)?,
        vsize: num(23)?,
        rss: field(24)?.parse::<i64>().ok()?.max(0) as u64,
    })
}

/// What cove reads from /proc/PID/status: the pid in the innermost pid
/// namespace (last of `NSpid`) and the four uids and gids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    pub ns_pid: Option<i32>,
    pub uids: [u32; 4],
    pub gids: [u32; 4],
}

pub fn parse_status(text: &str) -> Status {
    let mut status = Status::default();
    let four = |v: &str| {
        let mut out = [0u32; 4];
        for (slot, f) in out.iter_mut().zip(v.split_whitespace()) {
            *slot = f.parse().unwrap_or(0);
        }
        out
    };
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        match key {
            "NSpid" => status.ns_pid = value.split_whitespace().last().and_then(|p| p.parse().ok()),
            "Uid" => status.uids = four(value),
            "Gid" => status.gids = four(value),
            _ => {}
        }
    }
    status
}

/// An id map as /proc/PID/uid_map shows it to this process: (inside,
/// outside, count) lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdMap(Vec<(u32, u32, u32)>);

impl IdMap {
    pub fn parse(text: &str) -> IdMap {
        IdMap(
            text.lines()
                .filter_map(|l| {
                    let f: Vec<u32> = l
                        .split_whitespace()
                        .filter_map(|x| x.parse().ok())
                        .collect();
                    (f.len() == 3).then(|| (f[0], f[1], f[2]))
                })
                .collect(),
        )
    }

    /// The id inside the namespace for a host id; unmapped ids are the
    /// overflow id, as the kernel shows them.
    pub fn to_inside(&self, outside: u32) -> u32 {
        self.0
            .iter()
            .find(|(_, o, n)| outside >= *o && u64::from(outside) < u64::from(*o) + u64::from(*n))
            .map(|(i, o, _)| i + (outside - o))
            .unwrap_or(65534)
    }
}

/// The processes of the container whose first process is `pid1` (a host
/// pid), in pid order.
pub fn container_processes(pid1: i32) -> anyhow::Result<Vec<Proc>> {
    let ns = std::fs::read_link(format!("/proc/{pid1}/ns/pid")).map_err(|e| {
        anyhow::anyhow!("reading the pid namespace of the container's process {pid1}: {e}")
    })?;
    let uid_map = IdMap::parse(&std::fs::read_to_string(format!("/proc/{pid1}/uid_map"))?);
    let gid_map = IdMap::parse(&std::fs::read_to_string(format!("/proc/{pid1}/gid_map"))?);
    let mut procs = Vec::new();
    for entry in std::fs::read_dir("/proc")?.flatten() {
        let Some(host_pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        // Others' processes are not readable; they are not ours anyway.
        if std::fs::read_link(entry.path().join("ns/pid"))
            .ok()
            .as_ref()
            != Some(&ns)
        {
            continue;
        }
        if let Some(p) = read_process(&entry.path(), host_pid, &uid_map, &gid_map) {
            procs.push(p);
        }
    }
    let inside: std::collections::HashMap<i32, i32> =
        procs.iter().map(|p| (p.host_pid, p.pid)).collect();
    for p in &mut procs {
        p.ppid = inside.get(&p.host_ppid).copied().unwrap_or(0);
        p.pgid = inside.get(&p.stat.pgrp).copied().unwrap_or(0);
    }
    procs.sort_by_key(|p| p.pid);
    Ok(procs)
}

fn read_process(dir: &Path, host_pid: i32, uid_map: &IdMap, gid_map: &IdMap) -> Option<Proc> {
    let stat = parse_stat(&std::fs::read_to_string(dir.join("stat")).ok()?)?;
    let status = parse_status(&std::fs::read_to_string(dir.join("status")).ok()?);
    let cmdline = std::fs::read(dir.join("cmdline")).unwrap_or_default();
    let args = if cmdline.is_empty() {
        Vec::new()
    } else {
        cmdline
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect()
    };
    Some(Proc {
        host_pid,
        pid: status.ns_pid.unwrap_or(host_pid),
        ppid: 0,
        pgid: 0,
        host_ppid: stat.ppid,
        comm: stat.comm.clone(),
        args,
        host_uid: status.uids[1],
        host_gid: status.gids[1],
        uids: status.uids.map(|u| uid_map.to_inside(u)),
        gids: status.gids.map(|g| gid_map.to_inside(g)),
        stat,
    })
}

/// Bytes read from and written to storage by a process (/proc/PID/io);
/// zero when not readable.
pub fn block_io(host_pid: i32) -> (u64, u64) {
    let text = std::fs::read_to_string(format!("/proc/{host_pid}/io")).unwrap_or_default();
    let mut read = 0;
    let mut written = 0;
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("read_bytes:") {
            read = v.trim().parse().unwrap_or(0);
        } else if let Some(v) = line.strip_prefix("write_bytes:") {
            written = v.trim().parse().unwrap_or(0);
        }
    }
    (read, written)
}

/// Bytes received and sent on the interfaces of /proc/PID/net/dev, the
/// loopback excepted.
pub fn parse_net_dev(text: &str) -> (u64, u64) {
    let mut rx = 0;
    let mut tx = 0;
    for line in text.lines().skip(2) {
        let Some((name, counters)) = line.split_once(':') else {
            continue;
        };
        if name.trim() == "lo" {
            continue;
        }
        let f: Vec<u64> = counters
            .split_whitespace()
            .map(|x| x.parse().unwrap_or(0))
            .collect();
        if f.len() >= 9 {
            rx += f[0];
            tx += f[8];
        }
    }
    (rx, tx)
}

/// Clock ticks per second (USER_HZ).
pub fn clock_ticks() -> u64 {
    // SAFETY: sysconf only reads a constant.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as u64
    } else {
        100
    }
}

pub fn page_size() -> u64 {
    // SAFETY: sysconf only reads a constant.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if p > 0 {
        p as u64
    } else {
        4096
    }
}

/// Boot time in unix seconds (`btime` of /proc/stat).
pub fn boot_time() -> i64 {
    std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("btime "))
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Total memory in bytes (`MemTotal` of /proc/meminfo).
pub fn mem_total() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}

/// The name of `id` in a passwd or group file (first field, third field
/// the id), if it has one.
pub fn name_for_id(file: &str, id: u32) -> Option<String> {
    file.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let _password = f.next()?;
        (f.next()?.trim().parse::<u32>().ok()? == id && !name.is_empty()).then(|| name.to_string())
    })
}

/// Go's `time.Duration.String()`: "0s", "1.5ms", "2m3.000456s", "1h0m0s".
pub fn go_duration(nanos: u128) -> String {
    if nanos == 0 {
        return "0s".into();
    }
    // Below a second: one unit, with the fraction trimmed of zeros.
    let fraction = |value: u128, scale: u128, unit: &str| {
        let whole = value / scale;
        let frac = value % scale;
        let digits = scale.to_string().len() - 1;
        let mut text = format!("{whole}");
        if frac > 0 {
            let f = format!("{frac:0digits$}");
            text.push('.');
            text.push_str(f.trim_end_matches('0'));
        }
        text.push_str(unit);
        text
    };
    if nanos < 1_000 {
        return format!("{nanos}ns");
    }
    if nanos < 1_000_000 {
        return fraction(nanos, 1_000, "µs");
    }
    if nanos < 1_000_000_000 {
        return fraction(nanos, 1_000_000, "ms");
    }
    let secs = nanos / 1_000_000_000;
    let rest = nanos % 1_000_000_000;
    let seconds = fraction((secs % 60) * 1_000_000_000 + rest, 1_000_000_000, "s");
    let minutes = (secs / 60) % 60;
    let hours = secs / 3600;
    if hours > 0 {
        format!("{hours}h{minutes}m{seconds}")
    } else if minutes > 0 {
        format!("{minutes}m{seconds}")
    } else {
        seconds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_odd_names() {
        let text = "42 (a (b) c) S 1 42 42 34816 42 4194560 100 0 0 0 7 3 2 1 20 0 1 0 12345 2322432 345 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0";
        let s = parse_stat(text).unwrap();
        assert_eq!(s.comm, "a (b) c");
        assert_eq!(s.state, 'S');
        assert_eq!(s.ppid, 1);
        assert_eq!(s.pgrp, 42);
        assert_eq!(s.tty_nr, 34816);
        assert_eq!((s.utime, s.stime, s.cutime, s.cstime), (7, 3, 2, 1));
        assert_eq!(s.nice, 0);
        assert_eq!(s.num_threads, 1);
        assert_eq!(s.starttime, 12345);
        assert_eq!(s.vsize, 2322432);
        assert_eq!(s.rss, 345);
        assert!(parse_stat("garbage").is_none());
    }

    #[test]
    fn status_fields() {
        let s = parse_status(
            "Name:\tsleep\nUid:\t1000\t1001\t1002\t1003\nGid:\t5\t6\t7\t8\nNSpid:\t3456\t7\n",
        );
        assert_eq!(s.ns_pid, Some(7));
        assert_eq!(s.uids, [1000, 1001, 1002, 1003]);
        assert_eq!(s.gids, [5, 6, 7, 8]);
    }

    #[test]
    fn id_maps_translate() {
        let m =
            IdMap::parse("         0       1001          1\n         1     200000      65536\n");
        assert_eq!(m.to_inside(1001), 0);
        assert_eq!(m.to_inside(200000), 1);
        assert_eq!(m.to_inside(265533), 65534);
        assert_eq!(m.to_inside(5), 65534);
        assert_eq!(IdMap::parse("0 0 4294967295").to_inside(1234), 1234);
    }

    #[test]
    fn net_dev_skips_loopback() {
        let text = "Inter-|   Receive                                                |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n    lo:    1000      10    0    0    0     0          0         0     1000      10    0    0    0     0       0          0\n  eth0:    5000      20    0    0    0     0          0         0     700      7    0    0    0     0       0          0\n";
        assert_eq!(parse_net_dev(text), (5000, 700));
    }

    #[test]
    fn names_for_ids() {
        let passwd = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n";
        assert_eq!(name_for_id(passwd, 0).as_deref(), Some("root"));
        assert_eq!(name_for_id(passwd, 65534).as_deref(), Some("nobody"));
        assert_eq!(name_for_id(passwd, 5), None);
        assert_eq!(
            name_for_id("wheel:x:10:a,b\n", 10).as_deref(),
            Some("wheel")
        );
    }

    #[test]
    fn go_durations() {
        assert_eq!(go_duration(0), "0s");
        assert_eq!(go_duration(999), "999ns");
        assert_eq!(go_duration(4_933_000), "4.933ms");
        assert_eq!(go_duration(1_500), "1.5µs");
        assert_eq!(go_duration(1_897_061_371), "1.897061371s");
        assert_eq!(go_duration(3_000_000_000), "3s");
        assert_eq!(go_duration(279_028_579_000), "4m39.028579s");
        assert_eq!(go_duration(3_600_000_000_000), "1h0m0s");
        assert_eq!(go_duration(3_723_500_000_000), "1h2m3.5s");
    }
}
