//! The slirp network without the monitor: each scenario forks a child that
//! makes its own network namespace (as root, and as an unprivileged user in
//! a user namespace of its own), creates the tap there with cove's own
//! code, sends the tap back, and runs a client or server inside; this
//! process runs the `Slirp` loop on the tap and the host-side peers on
//! loopback. Only loopback and namespaces made here are ever touched.
//!
//! A test without libtest's harness (`harness = false`): the namespace
//! calls need a process whose threads we control.

use cove::network::ports::{self, BoundPort};
use cove::network::slirp::{Slirp, SlirpConfig};
use cove::network::tap::{self, TapConfig};
use cove::sys::fd::{fd_socketpair as socketpair_for_console, recv_fd, send_fd};
use nix::poll::{PollFd, PollFlags, PollTimeout};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::{ForkResult, Pid};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::thread;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug)]
enum Mode {
    Root,
    User { uid: u32, gid: u32 },
}

impl Mode {
    fn label(self) -> &'static str {
        match self {
            Mode::Root => "root",
            Mode::User { .. } => "user",
        }
    }
}

const BIG: usize = 200 * 1024 * 1024;
const BLOCK: usize = 1024 * 1024;

fn main() {
    let mut modes = Vec::new();
    if nix::unistd::geteuid().is_root() {
        modes.push(Mode::Root);
        if let Ok(Some(u)) = nix::unistd::User::from_name("covetest") {
            modes.push(Mode::User {
                uid: u.uid.as_raw(),
                gid: u.gid.as_raw(),
            });
        }
    } else {
        modes.push(Mode::User {
            uid: nix::unistd::getuid().as_raw(),
            gid: nix::unistd::getgid().as_raw(),
        });
    }
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    type Scenario = fn(Mode) -> Result<(), String>;
    let all: &[(&str, Scenario, bool)] = &[
        ("host_loopback_only_when_allowed", host_loopback, true),
        ("published_tcp_port", published_tcp, true),
        ("udp_echo_and_published_udp", udp_echo, true),
        ("dns_forwarder", dns_forwarder, true),
        ("ping_relay", ping_relay, true),
        ("closed_port_refused", closed_port_refused, false),
        ("many_concurrent_connections", many_connections, false),
        ("large_transfer_out", large_out, false),
        ("large_transfer_in_published", large_in, false),
    ];
    let (mut passed, mut failed) = (0, 0);
    for &mode in &modes {
        for (name, scenario, in_every_mode) in all {
            if !matches!(mode, Mode::Root) && !in_every_mode {
                continue;
            }
            if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
                continue;
            }
            let start = Instant::now();
            match scenario(mode) {
                Ok(()) => {
                    passed += 1;
                    println!(
                        "test {name} ({}) ... ok ({:.2?})",
                        mode.label(),
                        start.elapsed()
                    );
                }
                Err(e) => {
                    failed += 1;
                    println!("test {name} ({}) ... FAILED: {e}", mode.label());
                }
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    std::process::exit(if failed == 0 { 0 } else { 1 });
}

/// A child in its own network namespace with cove's tap in it.
struct Namespace {
    pid: Pid,
    tap: OwnedFd,
}

/// Fork a child that enters a new network namespace (and user namespace
/// for `Mode::User`), creates the tap, sends it here, and runs `body`,
/// whose return value is its exit code.
fn spawn_in_namespace(mode: Mode, mtu: u32, body: impl FnOnce() -> i32) -> Namespace {
    let (parent_sock, child_sock) = socketpair_for_console().unwrap();
    // SAFETY: the child only runs this test's code and exits with _exit.
    match unsafe { nix::unistd::fork() }.unwrap() {
        ForkResult::Child => {
            drop(parent_sock);
            let code = match enter(mode, mtu, child_sock.as_fd()) {
                Ok(()) => {
                    drop(child_sock);
                    body()
                }
                Err(e) => {
                    eprintln!("namespace setup: {e:#}");
                    100
                }
            };
            // SAFETY: leave without running the parent's destructors.
            unsafe { libc::_exit(code) }
        }
        ForkResult::Parent { child } => {
            drop(child_sock);
            let tap = recv_fd(parent_sock.as_fd()).unwrap_or_else(|e| {
                let _ = waitpid(child, None);
                panic!("the namespace child sent no tap: {e}")
            });
            Namespace { pid: child, tap }
        }
    }
}

fn enter(mode: Mode, mtu: u32, sock: BorrowedFd<'_>) -> anyhow::Result<()> {
    // SAFETY: prctl with integer arguments: die with the test.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) };
    match mode {
        Mode::Root => nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET)?,
        Mode::User { uid, gid } => {
            if nix::unistd::geteuid().is_root() {
                nix::unistd::setgroups(&[])?;
                let g = nix::unistd::Gid::from_raw(gid);
                let u = nix::unistd::Uid::from_raw(uid);
                nix::unistd::setresgid(g, g, g)?;
                nix::unistd::setresuid(u, u, u)?;
                // Changing ids made us undumpable: /proc/self would stay
                // root's and the id maps unwritable.
                // SAFETY: prctl with integer arguments.
                unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 1 as libc::c_ulong) };
            }
            nix::sched::unshare(
                nix::sched::CloneFlags::CLONE_NEWUSER | nix::sched::CloneFlags::CLONE_NEWNET,
            )?;
            std::fs::write("/proc/self/setgroups", "deny")?;
            std::fs::write("/proc/self/uid_map", format!("0 {uid} 1\n"))?;
            std::fs::write("/proc/self/gid_map", format!("0 {gid} 1\n"))?;
            let root_g = nix::unistd::Gid::from_raw(0);
            let root_u = nix::unistd::Uid::from_raw(0);
            nix::unistd::setresgid(root_g, root_g, root_g)?;
            nix::unistd::setresuid(root_u, root_u, root_u)?;
        }
    }
    let tap = tap::create(&TapConfig::slirp(mtu))?;
    send_fd(sock, tap.as_fd())?;
    Ok(())
}

/// Run the stack until the child exits and its connections are done (its
/// kernel still sends what it had queued after it exits); returns its exit
/// code.
fn pump(slirp: &mut Slirp, ns: &Namespace, limit: Duration) -> Result<i32, String> {
    let start = Instant::now();
    let mut exited: Option<(i32, Instant)> = None;
    loop {
        if exited.is_none() {
            match waitpid(ns.pid, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::Exited(_, code)) => exited = Some((code, Instant::now())),
                Ok(WaitStatus::Signaled(_, sig, _)) => {
                    return Err(format!("child killed by {sig}"))
                }
                _ => {}
            }
        }
        if let Some((code, at)) = exited {
            if slirp.tcp_connections() == 0 || at.elapsed() > Duration::from_secs(5) {
                return Ok(code);
            }
        }
        if start.elapsed() > limit {
            let _ = nix::sys::signal::kill(ns.pid, nix::sys::signal::Signal::SIGKILL);
            let _ = waitpid(ns.pid, None);
            return Err(format!("timed out after {limit:?}"));
        }
        let wanted = slirp.poll_fds();
        let mut fds: Vec<PollFd> = wanted
            .iter()
            // SAFETY: the descriptors belong to `slirp`, alive for this call.
            .map(|(fd, ev)| PollFd::new(unsafe { BorrowedFd::borrow_raw(*fd) }, *ev))
            .collect();
        let cap = Duration::from_millis(20);
        let timeout = slirp.next_timeout().map_or(cap, |t| t.min(cap));
        let ms = timeout.as_millis() as u16;
        match nix::poll::poll(&mut fds, PollTimeout::from(ms)) {
            Ok(_) | Err(nix::errno::Errno::EINTR) => {}
            Err(e) => return Err(format!("poll: {e}")),
        }
        let ready: Vec<_> = wanted
            .iter()
            .zip(&fds)
            .map(|((fd, _), p)| (*fd, p.revents().unwrap_or(PollFlags::empty())))
            .collect();
        slirp.process(&ready);
    }
}

fn config(allow_host_loopback: bool, dns: Vec<SocketAddr>) -> SlirpConfig {
    SlirpConfig {
        mtu: cove::network::DEFAULT_MTU,
        allow_host_loopback,
        dns_upstreams: dns,
        routed: Vec::new(),
    }
}

fn run(
    mode: Mode,
    cfg: SlirpConfig,
    published: Vec<BoundPort>,
    limit: Duration,
    body: impl FnOnce() -> i32,
) -> Result<(), String> {
    run_then(mode, cfg, published, limit, body, |_| Ok(()))
}

/// [`run`], then `after` looks at the stack the namespace side used.
fn run_then(
    mode: Mode,
    cfg: SlirpConfig,
    published: Vec<BoundPort>,
    limit: Duration,
    body: impl FnOnce() -> i32,
    after: impl FnOnce(&Slirp) -> Result<(), String>,
) -> Result<(), String> {
    let ns = spawn_in_namespace(mode, cfg.mtu, body);
    let mut slirp =
        Slirp::new(ns.tap.try_clone().unwrap(), cfg, published).map_err(|e| e.to_string())?;
    let code = pump(&mut slirp, &ns, limit)?;
    if code != 0 {
        return Err(format!("the namespace side failed (exit {code})"));
    }
    after(&slirp)
}

/// A child-side check: exit 0 when `f` succeeds, else print why.
fn check(f: impl FnOnce() -> Result<(), String>) -> i32 {
    match f() {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("  in the namespace: {e}");
            1
        }
    }
}

fn io<T>(what: &str, r: std::io::Result<T>) -> Result<T, String> {
    r.map_err(|e| format!("{what}: {e}"))
}

/// An echo server on the host's loopback: answers "pong:" + what it got,
/// for each connection, until the test ends.
fn loopback_echo_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            thread::spawn(move || {
                let mut buf = [0u8; 1024];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let mut reply = b"pong:".to_vec();
                    reply.extend_from_slice(&buf[..n]);
                    if stream.write_all(&reply).is_err() {
                        break;
                    }
                }
            });
        }
    });
    port
}

fn ping_pong(addr: &str) -> Result<(), String> {
    let mut s = io("connect", TcpStream::connect(addr))?;
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    io("write", s.write_all(b"ping"))?;
    let mut buf = [0u8; 9];
    io("read", s.read_exact(&mut buf))?;
    if &buf != b"pong:ping" {
        return Err(format!(
            "unexpected reply {:?}",
            String::from_utf8_lossy(&buf)
        ));
    }
    Ok(())
}

fn host_loopback(mode: Mode) -> Result<(), String> {
    let port = loopback_echo_server();
    run(
        mode,
        config(true, vec![]),
        vec![],
        Duration::from_secs(30),
        || check(|| ping_pong(&format!("10.0.2.2:{port}"))),
    )?;
    run(
        mode,
        config(false, vec![]),
        vec![],
        Duration::from_secs(30),
        || {
            check(|| match TcpStream::connect(format!("10.0.2.2:{port}")) {
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => Ok(()),
                Err(e) => Err(format!("expected connection refused, got {e}")),
                Ok(_) => Err("host loopback reachable without allow_host_loopback".into()),
            })
        },
    )
}

fn closed_port_refused(mode: Mode) -> Result<(), String> {
    // A port nothing listens on: the host's RST becomes the container's.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    run(
        mode,
        config(true, vec![]),
        vec![],
        Duration::from_secs(30),
        || {
            check(|| match TcpStream::connect(format!("10.0.2.2:{port}")) {
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => Ok(()),
                Err(e) => Err(format!("expected connection refused, got {e}")),
                Ok(_) => Err("connected to a closed port".into()),
            })
        },
    )
}

/// A pipe the namespace side writes one byte to once its server listens.
fn ready_pipe() -> (OwnedFd, OwnedFd) {
    nix::unistd::pipe().unwrap()
}

fn wait_ready(fd: OwnedFd) -> Result<(), String> {
    let mut f = std::fs::File::from(fd);
    let mut b = [0u8; 1];
    match f.read(&mut b) {
        Ok(1) => Ok(()),
        _ => Err("the namespace server never became ready".into()),
    }
}

fn signal_ready(fd: &OwnedFd) {
    let _ = nix::unistd::write(fd, b"r");
}

fn published_tcp(mode: Mode) -> Result<(), String> {
    // A range with random host ports: two container ports, two host ports.
    let bound = ports::bind_all(&[ports::parse("127.0.0.1::8080-8081").unwrap()])
        .map_err(|e| e.to_string())?;
    let host_ports: Vec<u16> = bound.iter().map(|b| b.port.host_port).collect();
    if host_ports.len() != 2 || host_ports.contains(&0) {
        return Err(format!("bad host ports {host_ports:?}"));
    }
    let (ready_r, ready_w) = ready_pipe();
    let client_ports = host_ports.clone();
    let client = thread::spawn(move || -> Result<(), String> {
        wait_ready(ready_r)?;
        for port in client_ports {
            ping_pong(&format!("127.0.0.1:{port}"))?;
        }
        Ok(())
    });
    let result = run(
        mode,
        config(false, vec![]),
        bound,
        Duration::from_secs(30),
        move || {
            check(|| {
                let listeners = [
                    io("listen", TcpListener::bind("0.0.0.0:8080"))?,
                    io("listen", TcpListener::bind("0.0.0.0:8081"))?,
                ];
                signal_ready(&ready_w);
                for l in &listeners {
                    let (mut s, peer) = io("accept", l.accept())?;
                    if peer.ip().to_string() != "10.0.2.2" {
                        return Err(format!("connection from {peer}, expected 10.0.2.2"));
                    }
                    let mut buf = [0u8; 4];
                    io("read", s.read_exact(&mut buf))?;
                    io("write", s.write_all(b"pong:ping"))?;
                    // Wait for the client to finish (its FIN).
                    let _ = s.read(&mut buf);
                }
                Ok(())
            })
        },
    );
    let client = client.join().unwrap();
    result?;
    client?;
    // The network is gone with its container: so are its host ports.
    for port in host_ports {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Err(format!("host port {port} still open after the container"));
        }
    }
    Ok(())
}

fn udp_echo(mode: Mode) -> Result<(), String> {
    // Outbound: container → host loopback UDP echo.
    let echo = UdpSocket::bind("127.0.0.1:0").unwrap();
    let echo_port = echo.local_addr().unwrap().port();
    thread::spawn(move || {
        let mut buf = [0u8; 2048];
        while let Ok((n, peer)) = echo.recv_from(&mut buf) {
            let _ = echo.send_to(&buf[..n], peer);
        }
    });
    // Inbound: host → published UDP port → container echo.
    let bound = ports::bind_all(&[ports::parse("127.0.0.1::5000/udp").unwrap()])
        .map_err(|e| e.to_string())?;
    let host_port = bound[0].port.host_port;
    let (ready_r, ready_w) = ready_pipe();
    let client = thread::spawn(move || -> Result<(), String> {
        wait_ready(ready_r)?;
        let s = UdpSocket::bind("127.0.0.1:0").unwrap();
        s.set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        let mut buf = [0u8; 64];
        for _ in 0..30 {
            s.send_to(b"in-ping", ("127.0.0.1", host_port)).unwrap();
            if let Ok(n) = s.recv(&mut buf) {
                return if &buf[..n] == b"in-ping" {
                    Ok(())
                } else {
                    Err("bad inbound echo".into())
                };
            }
        }
        Err("no echo through the published UDP port".into())
    });
    let result = run(
        mode,
        config(true, vec![]),
        bound,
        Duration::from_secs(30),
        move || {
            check(|| {
                let s = io("bind", UdpSocket::bind("0.0.0.0:0"))?;
                s.set_read_timeout(Some(Duration::from_millis(300)))
                    .unwrap();
                let mut buf = [0u8; 64];
                let mut ok = false;
                for _ in 0..20 {
                    io("send", s.send_to(b"out-ping", ("10.0.2.2", echo_port)))?;
                    if let Ok((n, from)) = s.recv_from(&mut buf) {
                        if &buf[..n] != b"out-ping"
                            || from.to_string() != format!("10.0.2.2:{echo_port}")
                        {
                            return Err(format!("bad echo from {from}"));
                        }
                        ok = true;
                        break;
                    }
                }
                if !ok {
                    return Err("no UDP echo from the host".into());
                }
                let server = io("bind 5000", UdpSocket::bind("0.0.0.0:5000"))?;
                server
                    .set_read_timeout(Some(Duration::from_secs(10)))
                    .unwrap();
                signal_ready(&ready_w);
                let (n, peer) = io("recv", server.recv_from(&mut buf))?;
                // Answer every retry until the client is satisfied.
                io("send", server.send_to(&buf[..n], peer))?;
                server
                    .set_read_timeout(Some(Duration::from_millis(500)))
                    .unwrap();
                while let Ok((n, peer)) = server.recv_from(&mut buf) {
                    let _ = server.send_to(&buf[..n], peer);
                }
                Ok(())
            })
        },
    );
    let client = client.join().unwrap();
    result?;
    client
}

/// A tiny DNS responder: answers every A query with 192.0.2.7.
fn dns_responder() -> SocketAddr {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = sock.local_addr().unwrap();
    thread::spawn(move || {
        let mut buf = [0u8; 512];
        while let Ok((n, peer)) = sock.recv_from(&mut buf) {
            if n < 12 {
                continue;
            }
            let mut reply = buf[..n].to_vec();
            reply[2] = 0x81; // response, recursion desired
            reply[3] = 0x80; // recursion available, no error
            reply[6] = 0;
            reply[7] = 1; // one answer
            reply.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 7]);
            let _ = sock.send_to(&reply, peer);
        }
    });
    addr
}

fn dns_query(name: &str, id: u16) -> Vec<u8> {
    let mut q = vec![(id >> 8) as u8, id as u8, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in name.split('.') {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.extend_from_slice(&[0, 0, 1, 0, 1]);
    q
}

fn dns_forwarder(mode: Mode) -> Result<(), String> {
    let upstream = dns_responder();
    run(
        mode,
        config(false, vec![upstream]),
        vec![],
        Duration::from_secs(30),
        || {
            check(|| {
                let s = io("bind", UdpSocket::bind("0.0.0.0:0"))?;
                s.set_read_timeout(Some(Duration::from_millis(500)))
                    .unwrap();
                let q = dns_query("example.test", 0x1234);
                let mut buf = [0u8; 512];
                for _ in 0..10 {
                    io("send", s.send_to(&q, "10.0.2.3:53"))?;
                    if let Ok((n, from)) = s.recv_from(&mut buf) {
                        if from.to_string() != "10.0.2.3:53" {
                            return Err(format!("answer from {from}"));
                        }
                        if n < 4
                            || buf[0] != 0x12
                            || buf[1] != 0x34
                            || buf[n - 4..n] != [192, 0, 2, 7]
                        {
                            return Err(format!("bad answer {:?}", &buf[..n]));
                        }
                        return Ok(());
                    }
                }
                Err("no answer from 10.0.2.3".into())
            })
        },
    )
}

fn many_connections(mode: Mode) -> Result<(), String> {
    const N: usize = 200;
    let port = loopback_echo_server();
    run(
        mode,
        config(true, vec![]),
        vec![],
        Duration::from_secs(60),
        move || {
            check(|| {
                let mut streams = Vec::new();
                for i in 0..N {
                    let s = io(
                        &format!("connect {i}"),
                        TcpStream::connect(format!("10.0.2.2:{port}")),
                    )?;
                    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                    streams.push(s);
                }
                for (i, s) in streams.iter_mut().enumerate() {
                    io("write", s.write_all(format!("{i:05}").as_bytes()))?;
                }
                for (i, s) in streams.iter_mut().enumerate() {
                    let mut buf = [0u8; 10];
                    io("read", s.read_exact(&mut buf))?;
                    if buf != *format!("pong:{i:05}").as_bytes() {
                        return Err(format!("connection {i}: wrong reply"));
                    }
                }
                Ok(())
            })
        },
    )
}

/// Deterministic test data: a pseudo-random block, each copy stamped with
/// its index so that lost, repeated or reordered blocks change the sum.
fn block(index: u64, base: &[u8]) -> Vec<u8> {
    let mut b = base.to_vec();
    b[..8].copy_from_slice(&index.to_le_bytes());
    b
}

fn base_block() -> Vec<u8> {
    let mut x: u64 = 0x9e3779b97f4a7c15;
    let mut out = Vec::with_capacity(BLOCK);
    while out.len() < BLOCK {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out
}

/// A running checksum (FNV-style over 8-byte words), cheap in debug builds.
#[derive(Default)]
struct Sum {
    h: u64,
    pending: Vec<u8>,
    total: usize,
}

impl Sum {
    fn update(&mut self, data: &[u8]) {
        self.total += data.len();
        self.pending.extend_from_slice(data);
        let whole = self.pending.len() / 8 * 8;
        for w in self.pending[..whole].chunks_exact(8) {
            let v = u64::from_le_bytes(w.try_into().unwrap());
            self.h = (self.h ^ v).wrapping_mul(0x100000001b3).rotate_left(5);
        }
        self.pending.drain(..whole);
    }
    fn finish(&self) -> (u64, usize) {
        (self.h, self.total)
    }
}

fn expected_sum() -> (u64, usize) {
    let base = base_block();
    let mut sum = Sum::default();
    for i in 0..(BIG / BLOCK) as u64 {
        sum.update(&block(i, &base));
    }
    sum.finish()
}

fn send_big(s: &mut TcpStream) -> std::io::Result<()> {
    let base = base_block();
    for i in 0..(BIG / BLOCK) as u64 {
        s.write_all(&block(i, &base))?;
    }
    s.shutdown(std::net::Shutdown::Write)
}

fn recv_sum(s: &mut TcpStream) -> std::io::Result<(u64, usize)> {
    let mut sum = Sum::default();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = s.read(&mut buf)?;
        if n == 0 {
            return Ok(sum.finish());
        }
        sum.update(&buf[..n]);
    }
}

/// Container → host: 200 MB to a server on the host's loopback.
fn large_out(mode: Mode) -> Result<(), String> {
    let expected = expected_sum();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = thread::spawn(move || -> std::io::Result<((u64, usize), Duration)> {
        let (mut s, _) = listener.accept()?;
        let start = Instant::now();
        let sum = recv_sum(&mut s)?;
        Ok((sum, start.elapsed()))
    });
    run(
        mode,
        config(true, vec![]),
        vec![],
        Duration::from_secs(300),
        move || {
            check(|| {
                let mut s = io("connect", TcpStream::connect(format!("10.0.2.2:{port}")))?;
                io("send", send_big(&mut s))
            })
        },
    )?;
    let (sum, took) = server.join().unwrap().map_err(|e| e.to_string())?;
    if sum != expected {
        return Err(format!("checksum mismatch: got {sum:?}, want {expected:?}"));
    }
    println!(
        "  container -> host: {} MiB in {took:.2?} = {:.0} MiB/s",
        BIG >> 20,
        (BIG >> 20) as f64 / took.as_secs_f64()
    );
    Ok(())
}

/// Host → container through a published port: 200 MB, the container
/// answers with its checksum.
fn large_in(mode: Mode) -> Result<(), String> {
    let expected = expected_sum();
    let bound =
        ports::bind_all(&[ports::parse("127.0.0.1::9000").unwrap()]).map_err(|e| e.to_string())?;
    let host_port = bound[0].port.host_port;
    let (ready_r, ready_w) = ready_pipe();
    let client = thread::spawn(move || -> Result<(String, Duration), String> {
        wait_ready(ready_r)?;
        let mut s = io("connect", TcpStream::connect(("127.0.0.1", host_port)))?;
        let start = Instant::now();
        io("send", send_big(&mut s))?;
        let mut answer = String::new();
        io("read", s.read_to_string(&mut answer))?;
        Ok((answer, start.elapsed()))
    });
    run(
        mode,
        config(false, vec![]),
        bound,
        Duration::from_secs(300),
        move || {
            check(|| {
                let l = io("listen", TcpListener::bind("0.0.0.0:9000"))?;
                signal_ready(&ready_w);
                let (mut s, _) = io("accept", l.accept())?;
                let (h, n) = io("receive", recv_sum(&mut s))?;
                io("answer", s.write_all(format!("{h}:{n}").as_bytes()))?;
                Ok(())
            })
        },
    )?;
    let (answer, took) = client.join().unwrap()?;
    if answer != format!("{}:{}", expected.0, expected.1) {
        return Err(format!(
            "checksum mismatch: got {answer}, want {expected:?}"
        ));
    }
    println!(
        "  host -> container: {} MiB in {took:.2?} = {:.0} MiB/s",
        BIG >> 20,
        (BIG >> 20) as f64 / took.as_secs_f64()
    );
    Ok(())
}

/// Run `f` in a forked process that plays the host in a network namespace
/// of its own: loopback up, ping sockets allowed for every group or (a new
/// namespace's default, "1 0") for none, and as covetest for `Mode::User`,
/// as a rootless monitor would be. The real host's network and sysctls are
/// never touched.
fn on_own_host(
    mode: Mode,
    pings_allowed: bool,
    f: impl FnOnce() -> Result<(), String>,
) -> Result<(), String> {
    let (err_r, err_w) = nix::unistd::pipe().unwrap();
    // SAFETY: the child only runs this test's code and exits with _exit.
    match unsafe { nix::unistd::fork() }.unwrap() {
        ForkResult::Child => {
            drop(err_r);
            let result = own_host(mode, pings_allowed).and_then(|()| f());
            let code = match result {
                Ok(()) => 0,
                Err(e) => {
                    let _ = nix::unistd::write(&err_w, e.as_bytes());
                    1
                }
            };
            // SAFETY: leave without running the parent's destructors.
            unsafe { libc::_exit(code) }
        }
        ForkResult::Parent { child } => {
            drop(err_w);
            let mut why = String::new();
            let _ = std::fs::File::from(err_r).read_to_string(&mut why);
            match waitpid(child, None) {
                Ok(WaitStatus::Exited(_, 0)) => Ok(()),
                status if why.is_empty() => Err(format!("the host side ended with {status:?}")),
                _ => Err(why),
            }
        }
    }
}

fn own_host(mode: Mode, pings_allowed: bool) -> Result<(), String> {
    // SAFETY: prctl with integer arguments: die with the test.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) };
    let e = |what: &'static str| move |e: nix::Error| format!("{what}: {e}");
    nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).map_err(e("unshare"))?;
    loopback_up()?;
    // /proc/sys/net is the opening process's network namespace.
    let range = "/proc/sys/net/ipv4/ping_group_range";
    if pings_allowed {
        io(range, std::fs::write(range, "0 2147483647"))?;
    } else {
        let current = io(range, std::fs::read_to_string(range))?;
        if current.split_whitespace().collect::<Vec<_>>() != ["1", "0"] {
            return Err(format!("a new namespace's {range} is {current:?}, not 1 0"));
        }
    }
    if let Mode::User { uid, gid } = mode {
        nix::unistd::setgroups(&[]).map_err(e("setgroups"))?;
        let g = nix::unistd::Gid::from_raw(gid);
        let u = nix::unistd::Uid::from_raw(uid);
        nix::unistd::setresgid(g, g, g).map_err(e("setresgid"))?;
        nix::unistd::setresuid(u, u, u).map_err(e("setresuid"))?;
        // SAFETY: prctl with integer arguments (see `enter`).
        unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 1 as libc::c_ulong) };
    }
    Ok(())
}

fn loopback_up() -> Result<(), String> {
    // SAFETY: a plain socket for interface ioctls, owned at once.
    let sock = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if sock < 0 {
        return Err(format!("socket: {}", std::io::Error::last_os_error()));
    }
    // SAFETY: a fresh descriptor.
    let sock = unsafe { OwnedFd::from_raw_fd(sock) };
    // SAFETY: all-zero is a valid ifreq.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    req.ifr_name[0] = b'l' as libc::c_char;
    req.ifr_name[1] = b'o' as libc::c_char;
    // SAFETY: the flag ioctls take an ifreq.
    unsafe {
        if libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFFLAGS, &mut req) < 0 {
            return Err(format!("SIOCGIFFLAGS: {}", std::io::Error::last_os_error()));
        }
        req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
        if libc::ioctl(sock.as_raw_fd(), libc::SIOCSIFFLAGS, &mut req) < 0 {
            return Err(format!("SIOCSIFFLAGS: {}", std::io::Error::last_os_error()));
        }
    }
    Ok(())
}

/// The Internet checksum (RFC 1071).
fn inet_checksum(bytes: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for pair in bytes.chunks(2) {
        sum += u32::from(u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

fn echo_request(ident: u16, seq: u16, data: &[u8]) -> Vec<u8> {
    let mut m = vec![8, 0, 0, 0];
    m.extend_from_slice(&ident.to_be_bytes());
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend_from_slice(data);
    let sum = inet_checksum(&m);
    m[2..4].copy_from_slice(&sum.to_be_bytes());
    m
}

fn sockaddr_in(ip: Ipv4Addr) -> libc::sockaddr_in {
    libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: 0,
        sin_addr: libc::in_addr {
            s_addr: u32::from(ip).to_be(),
        },
        sin_zero: [0; 8],
    }
}

/// A raw ICMP socket in the container: it sends echo requests with the
/// identifier we choose and sees every reply with its IP header, so the
/// checks below see exactly what came back over the tap.
struct RawPing(OwnedFd);

impl RawPing {
    fn new() -> Result<RawPing, String> {
        // SAFETY: plain socket(2), owned at once.
        let fd = unsafe {
            libc::socket(
                libc::AF_INET,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                libc::IPPROTO_ICMP,
            )
        };
        if fd < 0 {
            return Err(format!("raw socket: {}", std::io::Error::last_os_error()));
        }
        // SAFETY: a fresh descriptor.
        Ok(RawPing(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    fn send(&self, dst: Ipv4Addr, message: &[u8]) -> Result<(), String> {
        let addr = sockaddr_in(dst);
        // SAFETY: sendto with a valid buffer and sockaddr_in.
        let n = unsafe {
            libc::sendto(
                self.0.as_raw_fd(),
                message.as_ptr().cast(),
                message.len(),
                0,
                (&addr as *const libc::sockaddr_in).cast(),
                std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
            )
        };
        if n < 0 {
            return Err(format!("ping {dst}: {}", std::io::Error::last_os_error()));
        }
        Ok(())
    }

    /// The next echo reply with identifier `ident` within `wait`: (its
    /// source, sequence number, data), after checking its checksums.
    fn reply(
        &self,
        ident: u16,
        wait: Duration,
    ) -> Result<Option<(Ipv4Addr, u16, Vec<u8>)>, String> {
        let end = Instant::now() + wait;
        let mut buf = [0u8; 2048];
        loop {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            let mut fds = [PollFd::new(self.0.as_fd(), PollFlags::POLLIN)];
            let ms = PollTimeout::from(left.as_millis().min(10_000) as u16);
            if nix::poll::poll(&mut fds, ms).unwrap_or(0) == 0 {
                continue;
            }
            // SAFETY: receive into our own buffer.
            let n = unsafe {
                libc::recv(
                    self.0.as_raw_fd(),
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    libc::MSG_DONTWAIT,
                )
            };
            if n <= 0 {
                continue;
            }
            let packet = &buf[..n as usize];
            let ihl = usize::from(packet[0] & 0x0f) * 4;
            if packet.len() < ihl + 8 {
                continue;
            }
            let icmp = &packet[ihl..];
            let id = u16::from_be_bytes([icmp[4], icmp[5]]);
            if icmp[0] != 0 || id != ident {
                continue;
            }
            if icmp[1] != 0 || inet_checksum(icmp) != 0 {
                return Err(format!("bad echo reply {icmp:?}"));
            }
            let src = Ipv4Addr::new(packet[12], packet[13], packet[14], packet[15]);
            let seq = u16::from_be_bytes([icmp[6], icmp[7]]);
            return Ok(Some((src, seq, icmp[8..].to_vec())));
        }
    }

    /// Ping `dst` `count` times with `ident`; every reply must come from
    /// `dst` with our identifier, sequence number and data.
    fn expect_replies(&self, dst: Ipv4Addr, ident: u16, count: u16) -> Result<(), String> {
        for seq in 1..=count {
            let data = format!("cove ping {seq} {}", "x".repeat(usize::from(seq) * 7));
            let mut answered = false;
            for _ in 0..10 {
                self.send(dst, &echo_request(ident, seq, data.as_bytes()))?;
                if let Some((src, got, payload)) = self.reply(ident, Duration::from_millis(500))? {
                    if src != dst || got != seq || payload != data.as_bytes() {
                        return Err(format!(
                            "ping {dst} seq {seq}: reply from {src} seq {got} with {} bytes",
                            payload.len()
                        ));
                    }
                    answered = true;
                    break;
                }
            }
            if !answered {
                return Err(format!("no reply from {dst} to seq {seq}"));
            }
        }
        Ok(())
    }

    fn expect_silence(&self, dst: Ipv4Addr, ident: u16) -> Result<(), String> {
        for seq in 1..=3 {
            self.send(dst, &echo_request(ident, seq, b"anyone?"))?;
            if let Some((src, ..)) = self.reply(ident, Duration::from_millis(500))? {
                return Err(format!(
                    "ping {dst}: a reply from {src} where none may come"
                ));
            }
        }
        Ok(())
    }
}

/// Send an echo request to `dst` straight onto the tap (a packet socket),
/// past the container's routing, which would never send a loopback
/// destination out of tap0.
fn inject_echo(dst: Ipv4Addr, ident: u16) -> Result<(), String> {
    let icmp = echo_request(ident, 1, b"to loopback");
    let mut ip = vec![0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 1, 0, 0];
    ip[2..4].copy_from_slice(&((20 + icmp.len()) as u16).to_be_bytes());
    ip.extend_from_slice(&cove::network::CONTAINER_IP.octets());
    ip.extend_from_slice(&dst.octets());
    let sum = inet_checksum(&ip);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    let mut frame = cove::network::GATEWAY_MAC.to_vec();
    frame.extend_from_slice(&cove::network::GUEST_MAC);
    frame.extend_from_slice(&[0x08, 0x00]);
    frame.extend_from_slice(&ip);
    frame.extend_from_slice(&icmp);
    // SAFETY: plain socket(2), owned at once.
    let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(format!(
            "packet socket: {}",
            std::io::Error::last_os_error()
        ));
    }
    // SAFETY: a fresh descriptor.
    let sock = unsafe { OwnedFd::from_raw_fd(fd) };
    let name = std::ffi::CString::new(cove::network::tap::TAP_NAME).unwrap();
    // SAFETY: a valid C string.
    let index = unsafe { libc::if_nametoindex(name.as_ptr()) };
    // SAFETY: all-zero is a valid sockaddr_ll.
    let mut addr: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    addr.sll_family = libc::AF_PACKET as u16;
    addr.sll_ifindex = index as i32;
    addr.sll_halen = 6;
    addr.sll_addr[..6].copy_from_slice(&cove::network::GATEWAY_MAC);
    // SAFETY: sendto with a valid buffer and sockaddr_ll.
    let n = unsafe {
        libc::sendto(
            sock.as_raw_fd(),
            frame.as_ptr().cast(),
            frame.len(),
            0,
            (&addr as *const libc::sockaddr_ll).cast(),
            std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
        )
    };
    if n < 0 {
        return Err(format!("inject: {}", std::io::Error::last_os_error()));
    }
    Ok(())
}

/// Pings through the relay. The stack answers pings of 10.0.2.2 itself
/// when it is not the host's loopback, so replies alone prove nothing: the
/// relay's count of replies that came back through the host's ping
/// sockets does, and so does silence where the host refuses ping sockets.
fn ping_relay(mode: Mode) -> Result<(), String> {
    if !nix::unistd::geteuid().is_root() {
        println!("  ping_relay needs root to make its own host namespace: skipped");
        return Ok(());
    }
    let gateway = cove::network::GATEWAY_IP;
    // Relayed: 10.0.2.2 is the host's 127.0.0.1, answered by its kernel.
    // Loopback destinations sent straight onto the tap are refused: no
    // socket is opened for them (their replies, being martians, would
    // never reach the container's sockets, so the count is the check).
    on_own_host(mode, true, || {
        run_then(
            mode,
            config(true, vec![]),
            vec![],
            Duration::from_secs(30),
            || {
                check(|| {
                    let ping = RawPing::new()?;
                    for dst in [Ipv4Addr::new(127, 0, 0, 1), Ipv4Addr::new(127, 0, 0, 2)] {
                        inject_echo(dst, 0xdead)?;
                    }
                    // The tap is a queue: these are read after the above.
                    ping.expect_replies(gateway, 0xbeef, 3)
                })
            },
            |slirp| {
                if slirp.pings_relayed() < 3 {
                    return Err(format!(
                        "{} replies came through ping sockets, 3 expected",
                        slirp.pings_relayed()
                    ));
                }
                if slirp.flow_count() != 1 {
                    return Err(format!(
                        "{} ping sockets, expected only 10.0.2.2's",
                        slirp.flow_count()
                    ));
                }
                Ok(())
            },
        )
    })
    .map_err(|e| format!("relayed to the host: {e}"))?;
    // The host refuses ping sockets: no reply at all, the stack does not
    // make one up.
    on_own_host(mode, false, || {
        run_then(
            mode,
            config(true, vec![]),
            vec![],
            Duration::from_secs(30),
            || check(|| RawPing::new()?.expect_silence(gateway, 0xbeef)),
            |slirp| match (slirp.pings_relayed(), slirp.flow_count()) {
                (0, 0) => Ok(()),
                other => Err(format!("relayed, sockets: {other:?}")),
            },
        )
    })
    .map_err(|e| format!("ping sockets refused: {e}"))?;
    // Without allow_host_loopback the stack answers 10.0.2.2 (and
    // 10.0.2.3) itself; the relay stays out of it.
    on_own_host(mode, true, || {
        run_then(
            mode,
            config(false, vec![]),
            vec![],
            Duration::from_secs(30),
            || {
                check(|| {
                    let ping = RawPing::new()?;
                    ping.expect_replies(gateway, 0xbeef, 2)?;
                    ping.expect_replies(cove::network::DNS_IP, 0xbeef, 1)
                })
            },
            |slirp| match (slirp.pings_relayed(), slirp.flow_count()) {
                (0, 0) => Ok(()),
                other => Err(format!("relayed, sockets: {other:?}")),
            },
        )
    })
    .map_err(|e| format!("gateway answered by the stack: {e}"))
}
