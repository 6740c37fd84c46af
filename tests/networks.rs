//! User-defined networks: `network create|ls|inspect|exists|rm|prune`,
//! their records, output and exit codes, as root and as an unprivileged
//! user.

mod common;

use common::{modes, stdout, Env};

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// The records in the network directory (no staging leftovers).
fn records(env: &Env) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(env.store_root().join("networks"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n != ".lock")
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn create_list_inspect_exists_remove() {
    for mode in modes() {
        let env = Env::new(&mode);
        // The default network is there before anything is created.
        assert_eq!(env.ok(&["network", "ls", "-q"]), "podman\n");
        assert_eq!(
            env.ok(&["network", "ls"]),
            "NETWORK ID    NAME        DRIVER\n2f259bab93aa  podman      bridge\n"
        );
        let def = json(&env.ok(&["network", "inspect", "podman"]));
        assert_eq!(def[0]["subnets"][0]["subnet"], "10.88.0.0/16");
        assert_eq!(def[0]["dns_enabled"], false);

        // Automatic names and subnets, no overlap.
        assert_eq!(env.ok(&["network", "create"]), "podman1\n");
        assert_eq!(
            env.ok(&["network", "create", "--label", "app=web", "web"]),
            "web\n"
        );
        let n = json(&env.ok(&["network", "inspect", "web"]));
        let web = &n[0];
        assert_eq!(web["name"], "web");
        assert_eq!(web["driver"], "bridge");
        assert_eq!(web["network_interface"], "podman2");
        assert_eq!(web["subnets"][0]["subnet"], "10.89.1.0/24");
        assert_eq!(web["subnets"][0]["gateway"], "10.89.1.1");
        assert_eq!(web["dns_enabled"], true);
        assert_eq!(web["internal"], false);
        assert_eq!(web["labels"]["app"], "web");
        assert_eq!(web["ipam_options"]["driver"], "host-local");
        assert_eq!(web["containers"], serde_json::json!({}));
        let id = web["id"].as_str().unwrap().to_string();
        assert_eq!(id.len(), 64);

        // Explicit subnet, gateway, range, options, internal, no DNS, IPv6.
        env.ok(&[
            "network",
            "create",
            "--subnet",
            "192.168.77.0/24",
            "--gateway",
            "192.168.77.254",
            "--ip-range",
            "192.168.77.128/25",
            "--internal",
            "--disable-dns",
            "--ipv6",
            "-o",
            "mtu=1400",
            "back",
        ]);
        let back = &json(&env.ok(&["network", "inspect", "back"]))[0];
        assert_eq!(back["subnets"][0]["gateway"], "192.168.77.254");
        assert_eq!(
            back["subnets"][0]["lease_range"]["start_ip"],
            "192.168.77.129"
        );
        assert!(back["subnets"][1]["subnet"]
            .as_str()
            .unwrap()
            .starts_with("fd"));
        assert_eq!(back["internal"], true);
        assert_eq!(back["dns_enabled"], false);
        assert_eq!(back["ipv6_enabled"], true);
        assert_eq!(back["options"]["mtu"], "1400");

        // ls: quiet, filters, templates, json; inspect by id prefix.
        assert_eq!(
            env.ok(&["network", "ls", "-q"]),
            "back\npodman\npodman1\nweb\n"
        );
        assert_eq!(
            env.ok(&[
                "network",
                "ls",
                "--filter",
                "label=app=web",
                "--format",
                "{{.Name}} {{.ID}}"
            ]),
            format!("web {}\n", &id[..12])
        );
        assert_eq!(
            env.ok(&["network", "ls", "--filter", "name=^po", "-q"]),
            "podman\npodman1\n"
        );
        assert_eq!(
            env.ok(&["network", "ls", "--filter", "driver=macvlan", "-q"]),
            ""
        );
        let all = json(&env.ok(&["network", "ls", "--format", "json"]));
        assert_eq!(all.as_array().unwrap().len(), 4);
        assert_eq!(
            env.ok(&[
                "network",
                "inspect",
                "--format",
                "{{.Name}} {{.Internal}}",
                &id[..10]
            ]),
            "web false\n"
        );
        env.ok(&["network", "exists", "web"]);
        env.ok(&["network", "exists", "podman"]);
        env.fails(&["network", "exists", "nope"], 1);

        // Bad input: one message, exit 125, nothing written.
        let before = records(&env);
        for (args, message) in [
            (
                vec!["web"],
                "Error: network name web already used: network already exists",
            ),
            (
                vec!["--subnet", "10.89.1.0/25", "x"],
                "Error: subnet 10.89.1.0/25 is already used on the host or by another config",
            ),
            (
                vec!["--subnet", "10.88.1.0/24", "x"],
                "Error: subnet 10.88.1.0/24 is already used on the host or by another config",
            ),
            (
                vec!["--subnet", "10.99.0/24", "x"],
                "Error: invalid CIDR address: 10.99.0/24",
            ),
            (
                vec!["--subnet", "10.99.0.0/24", "--gateway", "10.98.0.1", "x"],
                "Error: gateway 10.98.0.1 not in subnet 10.99.0.0/24",
            ),
            (
                vec!["-o", "vlan=2", "x"],
                "Error: unsupported bridge network option vlan",
            ),
            (
                vec!["bad/name"],
                "Error: network name bad/name invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument",
            ),
        ] {
            let mut full = vec!["network", "create"];
            full.extend(args);
            assert_eq!(env.fails(&full, 125).trim(), message, "{full:?}");
        }
        assert_eq!(records(&env), before);
        assert_eq!(env.ok(&["network", "create", "--ignore", "web"]), "web\n");
        let err = env.fails(&["network", "inspect", "nope"], 125);
        assert_eq!(
            err.trim(),
            "Error: unable to find network with name or ID nope: network not found"
        );

        // rm: names printed, 1 for a missing network, 125 for the default.
        assert_eq!(env.ok(&["network", "rm", "podman1"]), "podman1\n");
        let err = env.fails(&["network", "rm", "podman1"], 1);
        assert!(err.contains("network not found"), "{err}");
        let err = env.fails(&["network", "rm", "podman"], 125);
        assert!(
            err.contains("default network podman cannot be removed"),
            "{err}"
        );

        // prune: asks, keeps the default and what the filter excludes.
        let out = env.run_with_stdin(&["network", "prune"], b"n\n");
        assert!(stdout(&out).contains("WARNING!"));
        assert_eq!(env.ok(&["network", "ls", "-q"]), "back\npodman\nweb\n");
        assert_eq!(
            env.ok(&["network", "prune", "-f", "--filter", "label!=app=web"]),
            "back\n"
        );
        assert_eq!(env.ok(&["network", "prune", "-f"]), "web\n");
        assert_eq!(env.ok(&["network", "ls", "-q"]), "podman\n");
        assert!(records(&env).is_empty(), "{:?}", records(&env));
    }
}

#[test]
fn concurrent_creates_get_distinct_subnets() {
    for mode in modes() {
        let env = Env::new(&mode);
        let children: Vec<_> = (0..8)
            .map(|i| {
                env.cove(&["network", "create", &format!("n{i}")])
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert!(out.status.success(), "{out:?}");
        }
        let subnets = env.ok(&[
            "network",
            "ls",
            "--filter",
            "name=^n",
            "--format",
            "{{range .Subnets}}{{.Subnet}}{{end}}",
        ]);
        let mut list: Vec<&str> = subnets.lines().collect();
        assert_eq!(list.len(), 8, "{subnets}");
        list.sort();
        list.dedup();
        assert_eq!(list.len(), 8, "{subnets}");
    }
}

/// busybox with the network applets, a shell as its command.
fn net_image() -> common::fixtures::Image {
    use common::fixtures::{Compression, Image, Layer, TarBuilder};
    let mut t = TarBuilder::new().busybox_full();
    for applet in ["ip", "nc", "nslookup", "ping", "wget", "httpd", "timeout"] {
        t = t.symlink(&format!("bin/{applet}"), "busybox");
    }
    Image::for_platform(
        vec![Layer::new(t.finish(), Compression::Gzip)],
        false,
        "amd64",
        None,
        serde_json::json!({ "Cmd": ["sh"], "Env": ["PATH=/bin"] }),
    )
}

/// An env with the image pulled as `app`.
fn setup(mode: &common::Mode) -> (Env, common::registry::Registry) {
    let registry = common::registry::Registry::start();
    common::fixtures::push(&registry, "app", "latest", &net_image());
    let env = Env::new(mode);
    let reference = format!("{}/app:latest", registry.host());
    env.ok(&["pull", "-q", &reference]);
    env.ok(&["tag", &reference, "app"]);
    (env, registry)
}

/// A web server answering with its own name, on port 80.
fn serve(env: &Env, name: &str, extra: &[&str]) {
    let mut args = vec!["run", "-d", "--name", name];
    args.extend_from_slice(extra);
    let script =
        format!("mkdir -p /www && echo {name} > /www/index.html && exec httpd -f -p 80 -h /www");
    args.extend_from_slice(&["app", "sh", "-c", &script]);
    env.ok(&args);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !env
        .run(&[
            "exec",
            name,
            "wget",
            "-q",
            "-O",
            "/dev/null",
            "http://127.0.0.1/",
        ])
        .status
        .success()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "{name} does not serve"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The IPv4 address of `name` on its eth`n`.
fn address(env: &Env, name: &str, n: u32) -> String {
    let out = env.ok(&[
        "exec",
        name,
        "ip",
        "-4",
        "-o",
        "addr",
        "show",
        &format!("eth{n}"),
    ]);
    let word = out
        .split_whitespace()
        .skip_while(|w| *w != "inet")
        .nth(1)
        .unwrap_or_else(|| panic!("no address in {out:?}"));
    word.split('/').next().unwrap().to_string()
}

/// What `wget` fetches from `url` inside a new container on `network`.
fn fetch(env: &Env, network: &str, url: &str) -> std::process::Output {
    env.run(&[
        "run",
        "--rm",
        "--network",
        network,
        "app",
        "timeout",
        "5",
        "wget",
        "-q",
        "-O",
        "-",
        url,
    ])
}

#[test]
fn containers_on_a_network_reach_each_other() {
    for mode in modes() {
        let (env, _registry) = setup(&mode);
        env.ok(&["network", "create", "--subnet", "10.89.40.0/24", "front"]);
        serve(&env, "web", &["--network", "front", "--ip", "10.89.40.9"]);
        serve(&env, "api", &["--network", "front"]);
        assert_eq!(address(&env, "web", 0), "10.89.40.9");
        let api = address(&env, "api", 0);
        assert_eq!(api, "10.89.40.2");
        let out = fetch(&env, "front", "http://10.89.40.9/");
        assert_eq!(stdout(&out), "web\n", "{out:?}");
        let out = env.ok(&[
            "exec",
            "web",
            "wget",
            "-q",
            "-O",
            "-",
            &format!("http://{api}/"),
        ]);
        assert_eq!(out, "api\n");
        // The address is taken while web runs.
        let err = env.fails(
            &[
                "run",
                "--rm",
                "--network",
                "front",
                "--ip",
                "10.89.40.9",
                "app",
                "true",
            ],
            125,
        );
        assert!(err.contains("already allocated"), "{err}");
        // inspect shows the addresses, network inspect the containers.
        assert_eq!(
            env.ok(&[
                "inspect",
                "--format",
                "{{.NetworkSettings.Networks.front.IPAddress}}",
                "web"
            ]),
            "10.89.40.9\n"
        );
        let n = json(&env.ok(&["network", "inspect", "front"]));
        let names: Vec<&str> = n[0]["containers"]
            .as_object()
            .unwrap()
            .values()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names.len(), 2, "{n}");
        // Bad input: nothing is made.
        for (args, message) in [
            (
                vec!["--network", "nope"],
                "unable to find network with name or ID nope: network not found",
            ),
            (
                vec!["--network", "front", "--ip", "10.1.1.1"],
                "requested static ip 10.1.1.1 not in any subnet on network front",
            ),
            (
                vec!["--network", "front:alias=-bad"],
                "invalid network alias",
            ),
        ] {
            let mut full = vec!["create"];
            full.extend(args);
            full.push("app");
            let err = env.fails(&full, 125);
            assert!(err.contains(message), "{full:?}: {err}");
        }
        // In use: rm refuses (Podman's exit 2), -f takes the containers.
        let err = env.fails(&["network", "rm", "front"], 2);
        assert!(err.contains("network is being used"), "{err}");
        assert_eq!(env.ok(&["network", "rm", "-f", "front"]), "front\n");
        assert_eq!(env.ok(&["ps", "-aq"]), "");
        // The last container gone, the network host goes too.
        let runroot = env.runtime.to_string_lossy().into_owned();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while host_processes(&runroot) > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the network host stays"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

/// How many network hosts of this run root live.
fn host_processes(runroot: &str) -> usize {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|raw| String::from_utf8_lossy(&raw).replace('\0', " "))
        .filter(|c| c.contains("__netns") && c.contains(runroot))
        .count()
}

/// The addresses `nslookup NAME` prints from a container (after the
/// server's own lines).
fn lookup(env: &Env, from: &str, name: &str) -> Vec<String> {
    let out = env.run(&["exec", from, "nslookup", "-type=a", name]);
    stdout(&out)
        .split("Name:")
        .skip(1)
        .flat_map(|block| {
            block
                .lines()
                .filter_map(|l| l.strip_prefix("Address:"))
                .map(|a| a.trim().to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn names_resolve_on_their_network() {
    for mode in modes() {
        let (env, _registry) = setup(&mode);
        env.ok(&["network", "create", "--subnet", "10.89.50.0/24", "back"]);
        serve(&env, "db1", &["--network", "back:alias=db"]);
        serve(&env, "db2", &["--network", "back", "--network-alias", "db"]);
        serve(
            &env,
            "db3",
            &["--network", "back:alias=db", "--hostname", "third"],
        );
        serve(&env, "client", &["--network", "back"]);
        let resolv = env.ok(&["exec", "client", "cat", "/etc/resolv.conf"]);
        assert!(resolv.starts_with("search dns.podman"), "{resolv}");
        assert!(resolv.contains("nameserver 10.89.50.1\n"), "{resolv}");
        // By name, hostname, short id, FQDN; wget by name too.
        assert_eq!(lookup(&env, "client", "db1"), ["10.89.50.2"]);
        assert_eq!(lookup(&env, "client", "third"), ["10.89.50.4"]);
        let id = env.ok(&["inspect", "--format", "{{.Id}}", "db2"]);
        assert_eq!(lookup(&env, "client", &id[..12]), ["10.89.50.3"]);
        assert_eq!(lookup(&env, "client", "db1.dns.podman"), ["10.89.50.2"]);
        let page = env.ok(&["exec", "client", "wget", "-q", "-O", "-", "http://db3/"]);
        assert_eq!(page, "db3\n");
        // An alias: every record, in turns.
        let mut firsts = std::collections::BTreeSet::new();
        for _ in 0..6 {
            let mut all = lookup(&env, "client", "db");
            assert_eq!(all.len(), 3, "{all:?}");
            firsts.insert(all[0].clone());
            all.sort();
            assert_eq!(all, ["10.89.50.2", "10.89.50.3", "10.89.50.4"]);
        }
        assert!(firsts.len() > 1, "no round robin: {firsts:?}");
        // A stopped container's name goes at once.
        env.ok(&["stop", "-t", "0", "db1"]);
        assert!(lookup(&env, "client", "db1").is_empty());
        let left = lookup(&env, "client", "db");
        assert_eq!(
            left.len(),
            2,
            "{left:?} {:?}",
            env.run(&["exec", "client", "nslookup", "-type=a", "db"])
        );
        // Unknown bare names are not sent anywhere: a name error.
        let out = env.run(&["exec", "client", "nslookup", "nosuch"]);
        assert!(
            !out.status.success() || stdout(&out).contains("NXDOMAIN"),
            "{out:?}"
        );
        // Other networks' names are not answered.
        env.ok(&["network", "create", "--subnet", "10.89.51.0/24", "other"]);
        serve(&env, "stranger", &["--network", "other"]);
        assert!(lookup(&env, "client", "stranger").is_empty());
        assert!(lookup(&env, "stranger", "db2").is_empty());
        env.ok(&["rm", "-af", "-t", "0"]);
    }
}

#[test]
fn networks_are_isolated_and_internal_has_no_way_out() {
    for mode in modes() {
        let (env, _registry) = setup(&mode);
        env.ok(&["network", "create", "--subnet", "10.89.60.0/24", "a"]);
        env.ok(&["network", "create", "--subnet", "10.89.61.0/24", "b"]);
        env.ok(&[
            "network",
            "create",
            "--internal",
            "--subnet",
            "10.89.62.0/24",
            "inside",
        ]);
        serve(&env, "on-a", &["--network", "a"]);
        serve(&env, "on-b", &["--network", "b"]);
        serve(&env, "on-both", &["--network", "a", "--network", "b"]);
        let a = address(&env, "on-a", 0);
        let b = address(&env, "on-b", 0);
        assert_eq!(address(&env, "on-both", 1), "10.89.61.3");
        // The one on both reaches each, by address and by name.
        for (ip, name) in [(&a, "on-a"), (&b, "on-b")] {
            let page = env.ok(&[
                "exec",
                "on-both",
                "wget",
                "-q",
                "-O",
                "-",
                &format!("http://{ip}/"),
            ]);
            assert_eq!(page, format!("{name}\n"));
            let page = env.ok(&[
                "exec",
                "on-both",
                "wget",
                "-q",
                "-O",
                "-",
                &format!("http://{name}/"),
            ]);
            assert_eq!(page, format!("{name}\n"));
        }
        // Across networks: nothing, not even the other network's DNS.
        let out = env.run(&[
            "exec",
            "on-a",
            "timeout",
            "3",
            "wget",
            "-q",
            "-O",
            "-",
            &format!("http://{b}/"),
        ]);
        assert!(!out.status.success(), "a reached b: {out:?}");
        let out = env.run(&[
            "exec",
            "on-a",
            "timeout",
            "3",
            "nslookup",
            "on-b",
            "10.89.61.1",
        ]);
        assert!(!stdout(&out).contains(&b), "a asked b's DNS: {out:?}");
        // Internal: no route out at all.
        serve(&env, "shut-in", &["--network", "inside"]);
        let routes = env.ok(&["exec", "shut-in", "ip", "route"]);
        assert!(!routes.contains("default"), "{routes}");
        let routes = env.ok(&["exec", "on-a", "ip", "route"]);
        assert!(routes.contains("default via 10.89.60.1"), "{routes}");
        env.ok(&["rm", "-af", "-t", "0"]);
    }
}

/// "Outside" for the uplink: a network namespace of the test's own,
/// joined to this machine's by a veth pair with addresses from the
/// benchmarking range (198.18.0.0/15), so that no traffic leaves the
/// machine or reaches any address but the test's own. Removed on drop.
struct Outside {
    netns: String,
    link: String,
    /// The address inside the namespace.
    address: String,
}

impl Outside {
    fn new() -> Outside {
        let tag = std::process::id() % 60000;
        let netns = format!("cove-outside-{tag}");
        let link = format!("cvo{tag}");
        let peer = format!("cvi{tag}");
        let (third, fourth) = ((tag / 64) % 256, (tag % 64) * 4);
        let host_side = format!("198.18.{third}.{}/30", fourth + 1);
        let address = format!("198.18.{third}.{}", fourth + 2);
        let outside = Outside {
            netns: netns.clone(),
            link: link.clone(),
            address: address.clone(),
        };
        let ip = |args: &[&str]| {
            let out = std::process::Command::new("ip")
                .args(args)
                .output()
                .unwrap();
            assert!(out.status.success(), "ip {args:?}: {out:?}");
        };
        ip(&["netns", "add", &netns]);
        ip(&["link", "add", &link, "type", "veth", "peer", "name", &peer]);
        ip(&["link", "set", &peer, "netns", &netns]);
        ip(&["addr", "add", &host_side, "dev", &link]);
        ip(&["link", "set", &link, "up"]);
        let inside = format!("{address}/30");
        ip(&["-n", &netns, "addr", "add", &inside, "dev", &peer]);
        ip(&["-n", &netns, "link", "set", &peer, "up"]);
        outside
    }

    /// A one-line HTTP server on the namespace's address.
    fn http_server(&self, body: &'static str) -> u16 {
        let (tx, rx) = std::sync::mpsc::channel();
        let netns = format!("/run/netns/{}", self.netns);
        let address = self.address.clone();
        std::thread::spawn(move || {
            // setns(CLONE_NEWNET) moves only this thread.
            let ns = std::fs::File::open(&netns).unwrap();
            nix::sched::setns(ns, nix::sched::CloneFlags::CLONE_NEWNET).unwrap();
            let listener = std::net::TcpListener::bind((address.as_str(), 0)).unwrap();
            tx.send(listener.local_addr().unwrap().port()).unwrap();
            for conn in listener.incoming().flatten() {
                use std::io::{Read, Write};
                let mut conn = conn;
                let mut buf = [0u8; 1024];
                let _ = conn.read(&mut buf);
                let _ = write!(
                    conn,
                    "HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        rx.recv().unwrap()
    }
}

impl Drop for Outside {
    fn drop(&mut self) {
        let _ = std::process::Command::new("ip")
            .args(["link", "del", &self.link])
            .output();
        let _ = std::process::Command::new("ip")
            .args(["netns", "del", &self.netns])
            .output();
    }
}

#[test]
fn the_uplink_goes_out_except_from_internal_networks() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("making a namespace to stand for the outside needs root: skipped");
        return;
    }
    let outside = Outside::new();
    let port = outside.http_server("outside\n");
    let url = format!("http://{}:{port}/", outside.address);
    for mode in modes() {
        let (env, _registry) = setup(&mode);
        env.ok(&["network", "create", "--subnet", "10.89.70.0/24", "open"]);
        env.ok(&[
            "network",
            "create",
            "--internal",
            "--subnet",
            "10.89.71.0/24",
            "closed",
        ]);
        let out = fetch(&env, "open", &url);
        assert_eq!(stdout(&out), "outside\n", "{out:?}");
        let out = fetch(&env, "closed", &url);
        assert!(
            !out.status.success(),
            "an internal network got out: {out:?}"
        );
    }
}

#[test]
fn connect_and_disconnect_a_running_container() {
    for mode in modes() {
        let (env, _registry) = setup(&mode);
        env.ok(&["network", "create", "--subnet", "10.89.80.0/24", "left"]);
        env.ok(&["network", "create", "--subnet", "10.89.81.0/24", "right"]);
        serve(&env, "l", &["--network", "left"]);
        serve(&env, "r", &["--network", "right"]);
        let r = address(&env, "r", 0);
        let url = format!("http://{r}/");
        let get =
            |name: &str| env.run(&["exec", "l", "timeout", "3", "wget", "-q", "-O", "-", name]);
        assert!(!get(&url).status.success());
        assert!(lookup(&env, "l", "r").is_empty());
        // Connected: it reaches r, and r's name resolves, at once.
        env.ok(&[
            "network",
            "connect",
            "--alias",
            "lefty",
            "--ip",
            "10.89.81.50",
            "right",
            "l",
        ]);
        assert_eq!(address(&env, "l", 1), "10.89.81.50");
        assert_eq!(stdout(&get(&url)), "r\n");
        assert_eq!(stdout(&get("http://r/")), "r\n");
        assert_eq!(lookup(&env, "r", "lefty"), ["10.89.81.50"]);
        let err = env.fails(&["network", "connect", "right", "l"], 125);
        assert!(err.contains("already connected"), "{err}");
        // The record keeps it: inspect lists both networks.
        let nets = env.ok(&[
            "inspect",
            "--format",
            "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}",
            "l",
        ]);
        assert_eq!(nets.trim(), "left right");
        // Disconnected: gone at once.
        env.ok(&["network", "disconnect", "right", "l"]);
        assert!(!get(&url).status.success());
        assert!(lookup(&env, "r", "lefty").is_empty());
        let err = env.fails(&["network", "disconnect", "right", "l"], 125);
        assert!(err.contains("not connected"), "{err}");
        env.ok(&["rm", "-af", "-t", "0"]);
    }
}

#[test]
fn published_ports_reach_a_container_on_a_network() {
    for mode in modes() {
        let (env, _registry) = setup(&mode);
        env.ok(&["network", "create", "--subnet", "10.89.90.0/24", "pub"]);
        let port = common::free_port();
        serve(
            &env,
            "site",
            &["--network", "pub", "-p", &format!("127.0.0.1:{port}:80")],
        );
        let get = || {
            use std::io::{Read, Write};
            let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
            c.set_read_timeout(Some(std::time::Duration::from_secs(5)))
                .unwrap();
            c.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
            let mut body = String::new();
            c.read_to_string(&mut body).unwrap();
            body
        };
        for _ in 0..3 {
            let body = get();
            assert!(body.ends_with("\r\n\r\nsite\n"), "{body:?}");
        }
        assert_eq!(
            env.ok(&["port", "site"]).trim(),
            format!("80/tcp -> 127.0.0.1:{port}")
        );
        // The port stays the container's: a second one cannot have it.
        let err = env.fails(
            &[
                "run",
                "--rm",
                "--network",
                "pub",
                "-p",
                &format!("127.0.0.1:{port}:80"),
                "app",
                "true",
            ],
            125,
        );
        assert!(err.contains("in use"), "{err}");
        let err = env.fails(
            &["create", "--network", "pub", "-p", "53:53/udp", "app"],
            125,
        );
        assert!(err.contains("UDP"), "{err}");
        // After a restart the port still leads to it.
        env.ok(&["restart", "-t", "0", "site"]);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let ok = std::panic::catch_unwind(get).is_ok_and(|b| b.ends_with("site\n"));
            if ok {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no answer after restart"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        env.ok(&["rm", "-af", "-t", "0"]);
    }
}

/// The pid of the monitor of container `name` (its command line names the
/// container's id).
fn monitor_pid(env: &Env, name: &str) -> i32 {
    let id = env
        .ok(&["inspect", "--format", "{{.Id}}", name])
        .trim()
        .to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let pid: i32 = e.file_name().to_string_lossy().parse().ok()?;
            let raw = std::fs::read(e.path().join("cmdline")).ok()?;
            let cmd = String::from_utf8_lossy(&raw).replace('\0', " ");
            (cmd.contains("container-monitor") || cmd.contains("monitor"))
                .then_some(())
                .filter(|_| cmd.contains(&id) && !cmd.contains("__netns"))
                .map(|_| pid)
        })
        .min()
        .unwrap_or_else(|| panic!("no monitor for {name}"))
}

#[test]
fn many_at_once_and_a_killed_monitor() {
    for mode in modes() {
        let (env, _registry) = setup(&mode);
        env.ok(&["network", "create", "--subnet", "10.89.100.0/24", "crowd"]);
        // 20 containers started at once, one network host for all.
        let children: Vec<_> = (0..20)
            .map(|i| {
                env.cove(&[
                    "run",
                    "-d",
                    "--name",
                    &format!("c{i}"),
                    "--network",
                    "crowd",
                    "app",
                    "sleep",
                    "60",
                ])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert!(out.status.success(), "{out:?}");
        }
        let runroot = env.runtime.to_string_lossy().into_owned();
        assert_eq!(host_processes(&runroot), 2, "one host and its uplink");
        // Everyone resolves everyone.
        let script = (0..20)
            .map(|i| format!("nslookup -type=a c{i} >/dev/null || echo miss c{i}; "))
            .collect::<String>();
        for from in ["c0", "c19"] {
            let out = env.ok(&["exec", from, "sh", "-c", &script]);
            assert_eq!(out, "", "{from}: {out}");
        }
        // kill -9 of one monitor: its container goes, the others keep
        // their network.
        serve(&env, "web", &["--network", "crowd"]);
        let victim = monitor_pid(&env, "c5");
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(victim),
            nix::sys::signal::Signal::SIGKILL,
        )
        .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !lookup(&env, "c0", "c5").is_empty() {
            assert!(std::time::Instant::now() < deadline, "c5 still resolves");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let page = env.ok(&["exec", "c0", "wget", "-q", "-O", "-", "http://web/"]);
        assert_eq!(page, "web\n");
        env.ok(&["rm", "-af", "-t", "0"]);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while host_processes(&runroot) > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the network host stays"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}
