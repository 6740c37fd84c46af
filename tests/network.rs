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
use cove::runtime::tty::{recv_fd, send_fd, socketpair_for_console};
use nix::poll::{PollFd, PollFlags, PollTimeout};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::{ForkResult, Pid};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
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
    }
}

fn run(
    mode: Mode,
    cfg: SlirpConfig,
    published: Vec<BoundPort>,
    limit: Duration,
    body: impl FnOnce() -> i32,
) -> Result<(), String> {
    let ns = spawn_in_namespace(mode, cfg.mtu, body);
    let mut slirp =
        Slirp::new(ns.tap.try_clone().unwrap(), cfg, published).map_err(|e| e.to_string())?;
    let code = pump(&mut slirp, &ns, limit)?;
    if code != 0 {
        return Err(format!("the namespace side failed (exit {code})"));
    }
    Ok(())
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
