//! Containers on the network: cove's user-mode stack (the default),
//! published ports, the host's loopback only when allowed, the DNS
//! forwarder, pasta, none and host, and the flags that shape /etc/hosts and
//! /etc/resolv.conf. Everything on loopback, as root and as an unprivileged
//! user.

mod common;

use common::fixtures::{push, sha256, Compression, Image, Layer, TarBuilder};
use common::registry::Registry;
use common::{free_port, modes, stderr, stdout, Env, Mode};
use serde_json::json;
use sha2::Digest;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A static UDP echo server (busybox has no UDP server), built once.
fn udpecho() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| build_fixture("udpecho"))
}

/// A static ping through ping sockets (Debian's busybox ping needs a raw
/// socket, so CAP_NET_RAW), built once.
fn dgramping() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| build_fixture("dgramping"))
}

/// tests/fixtures/NAME.c, built static.
fn build_fixture(name: &str) -> PathBuf {
    {
        let out = std::env::temp_dir().join(format!("cove-{name}-{}", std::process::id()));
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/{name}.c"));
        let status = Command::new("cc")
            .args(["-static", "-O2", "-o"])
            .arg(&out)
            .arg(&src)
            .status()
            .expect("running cc (apt-get install gcc libc6-dev)");
        assert!(status.success(), "building {}", src.display());
        out
    }
}

fn app_image() -> Image {
    let echo = std::fs::read(udpecho()).unwrap();
    let ping = std::fs::read(dgramping()).unwrap();
    let mut base = TarBuilder::new().busybox_full();
    for applet in ["nc", "httpd", "ip", "nslookup", "sha256sum", "wget"] {
        base = base.symlink(&format!("bin/{applet}"), "busybox");
    }
    let base = base
        .file("bin/udpecho", &echo, 0o755, 0, 0)
        .file("bin/dgramping", &ping, 0o755, 0, 0)
        .file("www/index.html", b"hello from the container\n", 0o644, 0, 0)
        .finish();
    Image::for_platform(
        vec![Layer::new(base, Compression::Gzip)],
        false,
        "amd64",
        None,
        json!({ "Cmd": ["sh"], "Env": ["PATH=/bin"], "ExposedPorts": {"80/tcp": {}, "7/udp": {}} }),
    )
}

fn setup(mode: &Mode) -> (Env, Registry) {
    let registry = Registry::start();
    push(&registry, "app", "latest", &app_image());
    let env = Env::new(mode);
    let reference = format!("{}/app:latest", registry.host());
    env.ok(&["pull", "-q", &reference]);
    env.ok(&["tag", &reference, "app"]);
    (env, registry)
}

fn each_mode(f: impl Fn(&Env)) {
    for mode in modes() {
        let (env, _registry) = setup(&mode);
        let guard = Cleanup(&env);
        f(&env);
        drop(guard);
    }
}

/// Each mode with each storage driver: for what touches how the
/// container's process and root filesystem are set up.
fn each_mode_and_driver(f: impl Fn(&Env)) {
    for mode in modes() {
        for driver in common::drivers() {
            let (mut env, _registry) = setup(&mode);
            env.driver = Some(driver);
            let guard = Cleanup(&env);
            f(&env);
            drop(guard);
        }
    }
}

struct Cleanup<'a>(&'a Env);

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        let _ = self.0.run(&["rm", "-af", "-t", "0"]);
    }
}

/// busybox httpd serving /www on `port`, in the foreground.
const HTTPD: &[&str] = &["httpd", "-f", "-p", "80", "-h", "/www"];

/// GET / on 127.0.0.1:`port`, retried while the server comes up.
fn http_get(port: u16) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match try_http_get(port) {
            Ok(body) if !body.is_empty() => return body,
            other if Instant::now() > deadline => panic!("GET :{port}: {other:?}"),
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

fn try_http_get(port: u16) -> std::io::Result<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    // A correctness bound, not a speed one: 100 requests at once to busybox
    // httpd on a loaded 2-core machine have taken over 10 s.
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    s.write_all(b"GET /index.html HTTP/1.0\r\nHost: x\r\n\r\n")?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out)
}

fn host_port(env: &Env, container: &str, port: &str) -> u16 {
    let out = env.ok(&["port", container, port]);
    out.trim()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("port {container} {port}: {out:?}"))
}

fn refused(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_err()
}

#[test]
fn published_tcp_ports_ranges_random_and_two_containers() {
    each_mode(|env| {
        let (p1, p2) = (free_port(), free_port());
        let p3 = loop {
            let p = free_port();
            if TcpListener::bind(("0.0.0.0", p + 1)).is_ok() && p + 1 != p1 && p + 1 != p2 {
                break p;
            }
        };
        let mut args = vec!["run", "-d", "--name", "one", "-p"];
        let map1 = format!("{p1}:80");
        args.push(&map1);
        args.push("app");
        args.extend(HTTPD);
        env.ok(&args);
        let range = format!("{p3}-{}:80-81", p3 + 1);
        env.ok(&[
            "run",
            "-d",
            "--name",
            "two",
            "-p",
            &range,
            "app",
            "sh",
            "-c",
            "httpd -p 81 -h /www; exec httpd -f -p 80 -h /www",
        ]);
        let mut args = vec!["run", "-d", "--name", "three", "-P", "-p", "127.0.0.1::81"];
        args.push("app");
        args.extend(HTTPD);
        env.ok(&args);
        let label = env.mode.label();
        for port in [p1, p3, p3 + 1] {
            assert!(
                http_get(port).contains("hello from the container"),
                "[{label}] :{port}"
            );
        }
        let random = host_port(env, "three", "80");
        assert!(http_get(random).contains("hello from the container"));
        let local = env.ok(&["port", "three", "81"]);
        assert!(local.starts_with("127.0.0.1:"), "[{label}] {local}");
        let listed = env.ok(&["port", "two"]);
        assert_eq!(
            listed,
            format!("80/tcp -> 0.0.0.0:{p3}\n81/tcp -> 0.0.0.0:{}\n", p3 + 1)
        );
        let ps = env.ok(&["ps", "--format", "{{.Names}} {{.Ports}}"]);
        assert!(
            ps.contains(&format!("two 0.0.0.0:{p3}-{}->80-81/tcp", p3 + 1)),
            "[{label}] {ps}"
        );
        let inspect = env.ok(&[
            "inspect", "--format", "{{.HostConfig.NetworkMode}} {{.NetworkSettings.IPAddress}} {{json .NetworkSettings.Ports}}", "one",
        ]);
        assert_eq!(
            inspect.trim(),
            format!("slirp 10.0.2.100 {{\"80/tcp\":[{{\"HostIp\":\"\",\"HostPort\":\"{p1}\"}}]}}")
        );
        // A stopped container's ports are closed and free again.
        env.ok(&["stop", "-t", "0", "one"]);
        assert!(refused(p1), "[{label}] port {p1} still open");
        TcpListener::bind(("0.0.0.0", p1)).expect("the port is free again");
        // The other containers are untouched.
        assert!(http_get(p3).contains("hello"));
        env.fails(&["port", "one"], 125);
        let err = env.fails(&["port", "two", "90"], 125);
        assert!(
            err.contains("failed to find published port \"90/tcp\""),
            "{err}"
        );
    });
}

#[test]
fn published_udp_port() {
    each_mode(|env| {
        let port = {
            let s = UdpSocket::bind("127.0.0.1:0").unwrap();
            s.local_addr().unwrap().port()
        };
        let map = format!("127.0.0.1:{port}:7/udp");
        env.ok(&[
            "run", "-d", "--name", "echo", "-p", &map, "app", "udpecho", "7",
        ]);
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        sock.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let mut buf = [0u8; 64];
        let deadline = Instant::now() + Duration::from_secs(10);
        let got = loop {
            sock.send_to(b"ping over udp", ("127.0.0.1", port)).unwrap();
            if let Ok((n, _)) = sock.recv_from(&mut buf) {
                break buf[..n].to_vec();
            }
            assert!(
                Instant::now() < deadline,
                "[{}] no UDP echo",
                env.mode.label()
            );
        };
        assert_eq!(got, b"ping over udp");
    });
}

/// A server on the host's loopback that answers every connection with
/// `greeting`.
fn loopback_server(greeting: &'static [u8]) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            let _ = s.write_all(greeting);
        }
    });
    port
}

#[test]
fn host_loopback_only_when_allowed() {
    let port = loopback_server(b"from the host\n").to_string();
    each_mode(|env| {
        let label = env.mode.label();
        let denied = env.run(&["run", "--rm", "app", "nc", "-w", "2", "10.0.2.2", &port]);
        assert!(
            !stdout(&denied).contains("from the host"),
            "[{label}] the host's loopback answered without allow_host_loopback"
        );
        for target in ["10.0.2.2", "host.containers.internal"] {
            let out = env.ok(&[
                "run",
                "--rm",
                "--network",
                "slirp:allow_host_loopback=true",
                "app",
                "nc",
                "-w",
                "5",
                target,
                &port,
            ]);
            assert_eq!(out, "from the host\n", "[{label}] {target}");
        }
    });
}

/// Run cove (as `env`'s user) in a mount namespace of its own where the
/// host's /etc/resolv.conf is `resolv`.
fn with_resolv_conf(env: &Env, resolv: &Path, args: &[&str]) -> std::process::Output {
    with_file_over(env, resolv, "/etc/resolv.conf", args)
}

/// Run cove (as `env`'s user) in a mount namespace of its own where the
/// host's `target` is replaced by `file`.
fn with_file_over(env: &Env, file: &Path, target: &str, args: &[&str]) -> std::process::Output {
    let inner = env.cove(args);
    Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c"])
        .arg("mount --bind \"$1\" \"$2\" && shift 2 && exec \"$@\"")
        .arg("sh")
        .arg(file)
        .arg(target)
        .arg(inner.get_program())
        .args(inner.get_args())
        .env_clear()
        .envs(inner.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .current_dir(inner.get_current_dir().unwrap())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn dns_is_answered_through_the_forwarder() {
    // The upstream: dnsmasq on a loopback address of its own, port 53.
    let upstream = "127.0.0.153";
    let mut dnsmasq = Command::new("dnsmasq")
        .args([
            "--no-daemon",
            "--conf-file=/dev/null",
            "--port=53",
            &format!("--listen-address={upstream}"),
            "--bind-interfaces",
            "--no-resolv",
            "--no-hosts",
            "--address=/svc.cove.test/10.1.2.3",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running dnsmasq (apt-get install dnsmasq-base)");
    std::thread::sleep(Duration::from_millis(300));
    if let Ok(Some(status)) = dnsmasq.try_wait() {
        let mut err = String::new();
        dnsmasq
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        panic!("dnsmasq exited ({status}): {err}");
    }
    let result = std::panic::catch_unwind(|| {
        each_mode(|env| {
            let resolv =
                env.write_file("resolv.conf", format!("nameserver {upstream}\n").as_bytes());
            let out = with_resolv_conf(
                env,
                &resolv,
                &[
                    "run",
                    "--rm",
                    "app",
                    "sh",
                    "-c",
                    "cat /etc/resolv.conf; nslookup -type=a svc.cove.test",
                ],
            );
            let text = stdout(&out);
            assert!(
                out.status.success(),
                "[{}] {text} {}",
                env.mode.label(),
                stderr(&out)
            );
            assert!(text.contains("nameserver 10.0.2.3"), "{text}");
            assert!(
                text.contains("10.1.2.3"),
                "[{}] no answer: {text}",
                env.mode.label()
            );
        })
    });
    let _ = dnsmasq.kill();
    let _ = dnsmasq.wait();
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

/// "1\n2\n...n\n", as `seq 1 n` prints it.
fn seq_bytes(n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 1..=n {
        out.extend_from_slice(i.to_string().as_bytes());
        out.push(b'\n');
    }
    out
}

#[test]
fn large_transfers_arrive_intact_both_ways() {
    // About 200 MB each way: 25 million lines of `seq`.
    let lines = 25_000_000u64;
    let data = seq_bytes(lines);
    let expected = sha256(&data);
    each_mode(|env| {
        let label = env.mode.label();
        // Host to container, through a published port.
        let port = free_port();
        let map = format!("{port}:80");
        env.ok(&[
            "run",
            "-d",
            "--name",
            "sink",
            "-p",
            &map,
            "app",
            "sh",
            "-c",
            "nc -l -p 80 | sha256sum",
        ]);
        // The monitor accepts on the host at once and the container
        // resets the connection if nc does not listen yet (nc serves only
        // one connection, so no probing): wait for its listening socket.
        wait_for_listener(env, "sink", 80);
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.write_all(&data).unwrap();
        stream.shutdown(Shutdown::Write).unwrap();
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
        assert_eq!(env.ok(&["wait", "sink"]).trim(), "0");
        let logs = env.ok(&["logs", "sink"]);
        assert!(
            logs.starts_with(&expected["sha256:".len()..]),
            "[{label}] host to container: {logs} vs {expected}"
        );

        // Container to host's loopback.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port().to_string();
        let receiver = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut hasher = sha2::Sha256::new();
            let mut buf = vec![0u8; 1 << 16];
            let mut total = 0u64;
            loop {
                let n = match s.read(&mut buf) {
                    Ok(n) => n,
                    Err(e) => panic!("receiving after {total} bytes: {e}"),
                };
                if n == 0 {
                    break;
                }
                total += n as u64;
                hasher.update(&buf[..n]);
            }
            (total, format!("sha256:{}", hex(&hasher.finalize())))
        });
        let script = format!("seq 1 {lines} | nc 10.0.2.2 {port}");
        env.ok(&[
            "run",
            "--rm",
            "--network",
            "slirp:allow_host_loopback=true",
            "app",
            "sh",
            "-c",
            &script,
        ]);
        let (total, got) = receiver.join().unwrap();
        assert_eq!(
            total,
            data.len() as u64,
            "[{label}] container to host: length"
        );
        assert_eq!(got, expected, "[{label}] container to host: content");
    });
}

/// Wait until `container` has a TCP socket listening on `port`
/// (/proc/net/tcp and tcp6, state 0A).
fn wait_for_listener(env: &Env, container: &str, port: u16) {
    let needle = format!(":{port:04X} ");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !env
        .ok(&["exec", container, "cat", "/proc/net/tcp", "/proc/net/tcp6"])
        .lines()
        .any(|l| l.contains(&needle) && l.split_whitespace().nth(3) == Some("0A"))
    {
        assert!(
            Instant::now() < deadline,
            "[{}] nothing listens on {port} in {container}",
            env.mode.label()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn many_concurrent_connections() {
    each_mode(|env| {
        let port = free_port();
        let map = format!("{port}:80");
        let mut args = vec!["run", "-d", "--name", "web", "-p", &map, "app"];
        args.extend(HTTPD);
        env.ok(&args);
        http_get(port);
        let threads: Vec<_> = (0..100)
            .map(|_| std::thread::spawn(move || try_http_get(port)))
            .collect();
        let failed: Vec<String> = threads
            .into_iter()
            .map(|t| t.join().unwrap())
            .filter(|r| {
                !r.as_ref()
                    .is_ok_and(|b| b.contains("hello from the container"))
            })
            .map(|r| format!("{r:?}"))
            .collect();
        assert!(
            failed.is_empty(),
            "[{}] {} of 100 concurrent requests failed: {failed:?}",
            env.mode.label(),
            failed.len()
        );
    });
}

#[test]
fn dns_and_hosts_flags_shape_the_files() {
    each_mode(|env| {
        let out = env.ok(&[
            "run",
            "--rm",
            "--hostname",
            "box",
            "--dns",
            "10.9.9.9",
            "--dns-search",
            "a.test",
            "--dns-option",
            "ndots:3",
            "--add-host",
            "db:10.1.1.1",
            "--add-host",
            "gw:host-gateway",
            "app",
            "cat",
            "/etc/resolv.conf",
            "/etc/hosts",
        ]);
        assert!(
            out.starts_with("search a.test\nnameserver 10.9.9.9\noptions ndots:3\n"),
            "{out}"
        );
        assert!(out.contains("10.1.1.1\tdb\n"), "{out}");
        assert!(out.contains("10.0.2.2\tgw\n"), "{out}");
        assert!(out.contains("10.0.2.100\tbox\n"), "{out}");
        let err = env.fails(
            &["run", "--rm", "--dns", "resolver.example", "app", "true"],
            125,
        );
        assert!(err.contains("not an IP address"), "{err}");
        let err = env.fails(
            &["run", "--rm", "--add-host", "nocolon", "app", "true"],
            125,
        );
        assert!(err.contains("expected HOST:IP"), "{err}");
    });
}

/// Ping sockets: a container with its own network gets Podman's
/// `net.ipv4.ping_group_range=0 0`, so its root pings without CAP_NET_RAW;
/// the stack answers 10.0.2.3 itself; 10.0.2.2 with allow_host_loopback is
/// relayed to the host's 127.0.0.1 through the monitor's ping socket. The
/// relayed runs happen in a network namespace made here that plays the
/// host (its own loopback and ping_group_range): where it refuses ping
/// sockets no reply comes, so the reply above came through the relay.
#[test]
fn ping_through_ping_sockets() {
    each_mode(|env| {
        let label = env.mode.label();
        let range = env.ok(&[
            "run",
            "--rm",
            "app",
            "cat",
            "/proc/sys/net/ipv4/ping_group_range",
        ]);
        assert_eq!(
            range.split_whitespace().collect::<Vec<_>>(),
            ["0", "0"],
            "{label}"
        );
        let out = env.ok(&["run", "--rm", "app", "dgramping", "10.0.2.3"]);
        assert!(out.contains("reply from 10.0.2.3"), "{label}: {out}");
        let relayed = [
            "run",
            "--rm",
            "--network",
            "slirp4netns:allow_host_loopback=true",
        ];
        let ping = [&relayed[..], &["app", "dgramping", "10.0.2.2"]].concat();
        let out = on_own_host(env.cove(&ping), true).output().unwrap();
        assert!(
            out.status.success() && stdout(&out).contains("reply from 10.0.2.2"),
            "{label}: {} {}",
            stdout(&out),
            stderr(&out)
        );
        let out = on_own_host(env.cove(&ping), false).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{label}: a reply with ping sockets refused: {} {}",
            stdout(&out),
            stderr(&out)
        );
        assert!(
            stderr(&out).contains("no reply from 10.0.2.2"),
            "{label}: {}",
            stderr(&out)
        );
    });
}

/// Run `cmd` (cove, as root or through setpriv) in a new network namespace
/// with loopback up and ping sockets allowed for every group, or for none.
fn on_own_host(mut cmd: Command, pings_allowed: bool) -> Command {
    use std::os::unix::process::CommandExt;
    let range: &'static [u8] = if pings_allowed {
        b"0 2147483647"
    } else {
        b"1 0"
    };
    // SAFETY: only system calls on stack data between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            let fail = || Err(std::io::Error::last_os_error());
            if libc::unshare(libc::CLONE_NEWNET) < 0 {
                return fail();
            }
            let sock = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
            let mut req: libc::ifreq = std::mem::zeroed();
            req.ifr_name[0] = b'l' as libc::c_char;
            req.ifr_name[1] = b'o' as libc::c_char;
            if sock < 0 || libc::ioctl(sock, libc::SIOCGIFFLAGS, &mut req) < 0 {
                return fail();
            }
            req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
            if libc::ioctl(sock, libc::SIOCSIFFLAGS, &mut req) < 0 {
                return fail();
            }
            libc::close(sock);
            let path = c"/proc/sys/net/ipv4/ping_group_range";
            let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
            if fd < 0 || libc::write(fd, range.as_ptr().cast(), range.len()) < 0 {
                return fail();
            }
            libc::close(fd);
            Ok(())
        });
    }
    cmd.stdin(Stdio::null());
    cmd
}

#[test]
fn none_and_host_modes() {
    each_mode(|env| {
        let none = env.ok(&[
            "run",
            "--rm",
            "--network",
            "none",
            "app",
            "ip",
            "-o",
            "link",
        ]);
        assert_eq!(none.lines().count(), 1, "only lo: {none}");
        let slirp = env.ok(&["run", "--rm", "app", "ip", "-o", "-4", "addr"]);
        assert!(
            slirp.contains("tap0") && slirp.contains("10.0.2.100/24"),
            "{slirp}"
        );
        let host = env.ok(&[
            "run",
            "--rm",
            "--network",
            "host",
            "app",
            "ip",
            "-o",
            "link",
        ]);
        let ours = String::from_utf8(
            Command::new("ip")
                .args(["-o", "link"])
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap();
        assert_eq!(host.lines().count(), ours.lines().count(), "host: {host}");
        // Ports with a mode that cannot publish: Podman's warning.
        let out = env.run(&[
            "run",
            "--rm",
            "--network",
            "none",
            "-p",
            "8080:80",
            "app",
            "true",
        ]);
        assert!(out.status.success());
        assert!(
            stderr(&out).contains("Port mappings have been discarded"),
            "{}",
            stderr(&out)
        );
    });
}

#[test]
fn container_mode_shares_another_containers_network() {
    each_mode_and_driver(|env| {
        let label = format!("{} {:?}", env.mode.label(), env.driver);
        let port = free_port();
        let map = format!("{port}:8081");
        let mut args = vec!["run", "-d", "--name", "web", "-p", &map, "app"];
        args.extend(HTTPD);
        env.ok(&args);
        let web_id = env.ok(&["inspect", "--format", "{{.Id}}", "web"]);
        let web_id = web_id.trim();
        // The sidecar reaches the server on the shared loopback...
        let body = env.ok(&[
            "run",
            "--rm",
            "--network",
            "container:web",
            "app",
            "wget",
            "-q",
            "-O",
            "-",
            "http://127.0.0.1:80/index.html",
        ]);
        assert!(
            body.contains("hello from the container"),
            "[{label}] {body}"
        );
        // ...and serves through the ports web publishes.
        env.ok(&[
            "run",
            "-d",
            "--name",
            "side",
            "--network",
            "container:web",
            "app",
            "httpd",
            "-f",
            "-p",
            "8081",
            "-h",
            "/www",
        ]);
        assert!(
            http_get(port).contains("hello from the container"),
            "[{label}] through web's -p"
        );
        let addr = env.ok(&["exec", "side", "ip", "-o", "-4", "addr"]);
        assert!(
            addr.contains("tap0") && addr.contains("10.0.2.100/24"),
            "[{label}] {addr}"
        );
        let hosts = env.ok(&["exec", "side", "cat", "/etc/hosts"]);
        assert!(
            hosts.contains(" web\n") && hosts.contains(" side\n"),
            "[{label}] {hosts}"
        );
        let mode = env.ok(&["inspect", "--format", "{{.HostConfig.NetworkMode}}", "side"]);
        assert_eq!(mode.trim(), format!("container:{web_id}"));
        // Its own pid, mount and uts namespaces all the same.
        let ps = env.ok(&["exec", "side", "ps", "-o", "comm"]);
        assert!(
            !ps.contains("sleep") && ps.contains("httpd"),
            "[{label}] {ps}"
        );
        // web cannot go while side depends on it; together they can.
        let err = env.fails(&["rm", "-f", "web"], 125);
        assert!(err.contains("dependent containers"), "[{label}] {err}");
        assert!(
            http_get(port).contains("hello"),
            "[{label}] web still serves"
        );
        env.ok(&["rm", "-f", "web", "side"]);

        // A stopped or unknown container: a clear message and nothing left.
        env.ok(&["create", "--name", "idle", "app", "true"]);
        let err = env.fails(
            &["run", "--rm", "--network", "container:idle", "app", "true"],
            125,
        );
        assert!(err.contains("idle is not running"), "[{label}] {err}");
        let err = env.fails(
            &[
                "run",
                "--rm",
                "--network",
                "container:nothere",
                "app",
                "true",
            ],
            125,
        );
        assert!(err.contains("no such container"), "[{label}] {err}");
        let left = env.ok(&["ps", "-a", "--format", "{{.Names}}"]);
        assert_eq!(left.trim(), "idle", "[{label}]");
    });
}

#[test]
fn pasta_for_rootless_refused_for_root() {
    each_mode(|env| {
        if env.mode.is_root() {
            let err = env.fails(&["run", "--rm", "--network", "pasta", "app", "true"], 125);
            assert!(err.contains("only supported for rootless"), "{err}");
            return;
        }
        let port = free_port();
        let map = format!("{port}:80");
        let mut args = vec![
            "run",
            "-d",
            "--name",
            "pw",
            "--network",
            "pasta",
            "-p",
            &map,
            "app",
        ];
        args.extend(HTTPD);
        env.ok(&args);
        assert!(http_get(port).contains("hello from the container"));
        assert_eq!(
            env.ok(&["port", "pw", "80"]).trim(),
            format!("0.0.0.0:{port}")
        );
        env.ok(&["rm", "-f", "pw"]);
        // Without the binary: a clear error and nothing running.
        let bin = env.dir.join("bin-without-pasta");
        std::fs::create_dir_all(&bin).unwrap();
        let _ = std::os::unix::fs::symlink("/usr/bin/setpriv", bin.join("setpriv"));
        let out = env
            .cove(&[
                "run",
                "--name",
                "nopasta",
                "--network",
                "pasta",
                "app",
                "true",
            ])
            .env("PATH", &bin)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("install the passt package"),
            "{}",
            stderr(&out)
        );
        assert!(env.ok(&["ps", "-q"]).trim().is_empty());
    });
}

#[test]
fn bad_network_input() {
    each_mode(|env| {
        let label = env.mode.label();
        for (flag, needle) in [
            ("80:80:80:80", "invalid"),
            ("70000:80", "between 1 and 65535"),
            ("8000-8010:80-81", "range"),
        ] {
            let err = env.fails(&["run", "--rm", "-p", flag, "app", "true"], 125);
            assert!(
                err.to_lowercase().contains(needle),
                "[{label}] -p {flag}: {err}"
            );
        }
        // `bridge` is Podman's default network now (tests/networks.rs);
        // any other unknown word names a network that does not exist.
        let err = env.fails(
            &["run", "--rm", "--network", "nonsense", "app", "true"],
            125,
        );
        assert!(err.contains("network not found"), "{err}");
        let err = env.fails(
            &["run", "--rm", "--network", "slirp:mtu=10", "app", "true"],
            125,
        );
        assert!(err.contains("mtu"), "{err}");

        // A port in use fails the start; nothing is left running.
        let taken = TcpListener::bind("0.0.0.0:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        let map = format!("{port}:80");
        let err = env.fails(
            &[
                "run", "-d", "--name", "busy", "-p", &map, "app", "sleep", "100",
            ],
            125,
        );
        assert!(err.contains("address already in use"), "[{label}] {err}");
        let running = env.ok(&["ps", "-q"]);
        assert!(
            running.trim().is_empty(),
            "[{label}] left running: {running}"
        );
        let err = env.fails(&["run", "--rm", "-p", &map, "app", "true"], 125);
        assert!(err.contains("address already in use"), "{err}");

        if !env.mode.is_root() {
            let err = env.fails(&["run", "--rm", "-p", "80:80", "app", "true"], 125);
            assert!(err.contains("privileged"), "[{label}] {err}");
        }
    });
}

#[test]
fn tun_not_accessible_is_a_clear_error() {
    for mode in modes().into_iter().filter(|m| !m.is_root()) {
        let (env, _registry) = setup(&mode);
        // In a mount namespace of its own, /dev/net/tun is a file the user
        // cannot open.
        let blocked = env.write_file("tun", b"");
        std::fs::set_permissions(
            &blocked,
            std::os::unix::fs::PermissionsExt::from_mode(0o600),
        )
        .unwrap();
        let out = with_file_over(
            &env,
            &blocked,
            "/dev/net/tun",
            &["run", "--name", "notun", "app", "true"],
        );
        assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
        assert!(stderr(&out).contains("/dev/net/tun"), "{}", stderr(&out));
        assert!(env.ok(&["ps", "-q"]).trim().is_empty());
    }
}

#[test]
fn foreground_runs_have_the_network_too() {
    // Output passed straight through (`--log-driver none`: no pipes to
    // relay) and a relayed terminal (`-t`): the monitor's loop drives the
    // stack in both.
    each_mode(|env| {
        for stdio in [&["--log-driver", "none"][..], &["-t"][..]] {
            let port = free_port();
            let map = format!("{port}:80");
            let mut args = vec!["run", "--rm", "--name", "fg"];
            args.extend(stdio);
            args.extend(["-p", &map, "app"]);
            args.extend(HTTPD);
            let mut child = env
                .cove(&args)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .spawn()
                .unwrap();
            let body = http_get(port);
            env.ok(&["stop", "-t", "0", "fg"]);
            let _ = child.wait();
            assert!(
                body.contains("hello from the container"),
                "{stdio:?}: {body}"
            );
            assert!(refused(port), "{stdio:?}");
        }
    });
}
