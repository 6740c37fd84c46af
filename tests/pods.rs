//! Pods, as root and as an unprivileged user: members talk over the pod's
//! localhost and share its ipc and uts (and pid when asked) namespaces,
//! ports published at pod level reach a member, the pod's status follows
//! its containers', `--infra=false` pods are groups, `pod rm -f` leaves no
//! process behind, and bad input gets Podman's message and exit code with
//! nothing half made.

mod common;

use common::fixtures::{push, Compression, Image, Layer, TarBuilder};
use common::registry::Registry;
use common::{free_port, modes, stderr, Env, Mode};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn app_image() -> Image {
    let mut base = TarBuilder::new().busybox_full();
    for applet in [
        "nc", "httpd", "wget", "hostname", "readlink", "ps", "ipcmk", "ipcs",
    ] {
        base = base.symlink(&format!("bin/{applet}"), "busybox");
    }
    let base = base
        .file("www/index.html", b"hello from the pod\n", 0o644, 0, 0)
        .finish();
    Image::for_platform(
        vec![Layer::new(base, Compression::Gzip)],
        false,
        "amd64",
        None,
        json!({ "Cmd": ["sh"], "Env": ["PATH=/bin"] }),
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

struct Cleanup<'a>(&'a Env);

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        let _ = self.0.run(&["pod", "rm", "-af"]);
        let _ = self.0.run(&["rm", "-af", "-t", "0"]);
    }
}

const HTTPD: &[&str] = &["httpd", "-f", "-p", "80", "-h", "/www"];

fn http_get(port: u16) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let attempt = (|| -> std::io::Result<String> {
            let mut s = TcpStream::connect(("127.0.0.1", port))?;
            s.set_read_timeout(Some(Duration::from_secs(30)))?;
            s.write_all(b"GET /index.html HTTP/1.0\r\nHost: x\r\n\r\n")?;
            let mut out = String::new();
            s.read_to_string(&mut out)?;
            Ok(out)
        })();
        match attempt {
            Ok(body) if !body.is_empty() => return body,
            other if Instant::now() > deadline => panic!("GET :{port}: {other:?}"),
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

fn pod_field(env: &Env, pod: &str, template: &str) -> String {
    env.ok(&["pod", "inspect", "--format", template, pod])
        .trim()
        .to_string()
}

/// Wait until the pod's status is `want` (containers exit on their own).
fn wait_status(env: &Env, pod: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = pod_field(env, pod, "{{.State}}");
        if now == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "[{}] pod {pod} is {now}, not {want}",
            env.mode.label()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Processes whose command line mentions any of `ids` (monitors name
/// their container's id): none should be left after `pod rm -f`.
fn processes_naming(ids: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if ids.iter().any(|id| text.contains(id.as_str())) {
            found.push(format!("{}: {text}", entry.file_name().to_string_lossy()));
        }
    }
    found
}

fn alive(pid: &str) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

#[test]
fn members_share_localhost_ports_ipc_and_uts_then_go_with_the_pod() {
    each_mode(|env| {
        let label = env.mode.label();
        let port = free_port();
        let publish = format!("{port}:80");
        let id = env.ok(&[
            "pod",
            "create",
            "--name",
            "web",
            "-p",
            &publish,
            "--label",
            "tier=front",
        ]);
        let id = id.trim().to_string();
        assert_eq!(id.len(), 64, "[{label}] {id}");
        assert_eq!(pod_field(env, "web", "{{.State}}"), "Created");

        let mut args = vec!["run", "-d", "--pod", "web", "--name", "server", "app"];
        args.extend(HTTPD);
        let server = env.ok(&args).trim().to_string();
        // Another member reaches it on the pod's localhost.
        let got = env.ok(&[
            "run",
            "--rm",
            "--pod",
            "web",
            "app",
            "wget",
            "-qO-",
            "http://127.0.0.1:80/",
        ]);
        assert_eq!(got, "hello from the pod\n", "[{label}]");
        // The pod's published port reaches it from the host.
        assert!(http_get(port).contains("hello from the pod"), "[{label}]");
        // uts: the pod's hostname; ipc and net: the same namespaces.
        assert_eq!(
            env.ok(&["run", "--rm", "--pod", "web", "app", "hostname"]),
            "web\n"
        );
        let ns = |args: &[&str]| env.ok(args).trim().to_string();
        for kind in ["ipc", "net", "uts"] {
            let link = format!("/proc/self/ns/{kind}");
            let theirs = ns(&["exec", "server", "readlink", &link]);
            let mine = ns(&["run", "--rm", "--pod", "web", "app", "readlink", &link]);
            assert_eq!(mine, theirs, "[{label}] {kind}");
        }
        let alone = ns(&["run", "--rm", "app", "readlink", "/proc/self/ns/net"]);
        assert_ne!(
            alone,
            ns(&["exec", "server", "readlink", "/proc/self/ns/net"])
        );
        // pid is not shared by default.
        assert_ne!(
            ns(&["exec", "server", "readlink", "/proc/self/ns/pid"]),
            ns(&[
                "run",
                "--rm",
                "--pod",
                "web",
                "app",
                "readlink",
                "/proc/self/ns/pid"
            ])
        );

        // Listing and inspecting.
        assert_eq!(
            env.ok(&[
                "pod",
                "ps",
                "--format",
                "{{.Name}} {{.Status}} {{.NumberOfContainers}} {{.Labels}}"
            ]),
            "web Running 2 map[tier:front]\n"
        );
        let table = env.ok(&["pod", "ps", "--ctr-names", "--ctr-status"]);
        let header = table.lines().next().unwrap();
        for column in ["POD ID", "NAME", "STATUS", "CREATED", "INFRA ID", "NAMES"] {
            assert!(header.contains(column), "[{label}] {table}");
        }
        assert!(table.contains("server"), "[{label}] {table}");
        assert_eq!(env.ok(&["pod", "ps", "-q"]).trim(), &id[..12]);
        assert_eq!(
            env.ok(&["pod", "ps", "-q", "--filter", "status=exited"]),
            ""
        );
        assert_eq!(
            env.ok(&["pod", "ps", "-q", "--filter", "name=^we", "--no-trunc"])
                .trim(),
            id
        );
        assert_eq!(
            env.ok(&["pod", "ps", "-q", "--filter", "ctr-names=nobody"]),
            ""
        );
        let listed: Value =
            serde_json::from_str(&env.ok(&["pod", "ps", "--format", "json"])).unwrap();
        assert_eq!(listed[0]["Name"], "web");
        assert_eq!(listed[0]["Containers"].as_array().unwrap().len(), 2);
        let doc: Value = serde_json::from_str(&env.ok(&["pod", "inspect", "web"])).unwrap();
        assert_eq!(doc["Id"], id.as_str());
        assert_eq!(doc["State"], "Running");
        assert_eq!(doc["SharedNamespaces"], json!(["ipc", "net", "uts"]));
        assert_eq!(doc["NumContainers"], 2);
        assert_eq!(
            doc["InfraConfig"]["PortBindings"]["80/tcp"][0]["HostPort"],
            port.to_string()
        );
        let infra = doc["InfraContainerID"].as_str().unwrap().to_string();
        assert_eq!(
            env.ok(&["inspect", "--format", "{{.Pod}}", "server"])
                .trim(),
            id
        );
        assert_eq!(
            env.ok(&[
                "ps",
                "--pod",
                "--filter",
                "pod=web",
                "--format",
                "{{.Names}} {{.PodName}}"
            ]),
            format!(
                "{} web\nserver web\n",
                env.ok(&["inspect", "--format", "{{.Name}}", &infra]).trim()
            )
        );
        assert_eq!(env.ok(&["ps", "-q", "--filter", "pod=nothere"]), "");

        // A member that exits makes the pod Degraded.
        env.ok(&[
            "run", "-d", "--pod", "web", "--name", "brief", "app", "true",
        ]);
        wait_status(env, "web", "Degraded");
        // top and logs cover the pod's containers.
        let top = env.ok(&["pod", "top", "web"]);
        assert!(top.contains("httpd"), "[{label}] {top}");
        env.ok(&[
            "run",
            "-d",
            "--pod",
            "web",
            "--name",
            "talker",
            "app",
            "echo",
            "said something",
        ]);
        wait_status(env, "web", "Degraded");
        std::thread::sleep(Duration::from_millis(100));
        let logs = env.ok(&["pod", "logs", "-c", "talker", "web"]);
        assert_eq!(logs, "said something\n", "[{label}]");
        env.ok(&["rm", "talker", "brief"]);

        // Stop, start, restart.
        env.ok(&["pod", "stop", "-t", "1", "web"]);
        assert_eq!(pod_field(env, "web", "{{.State}}"), "Exited");
        env.ok(&["pod", "start", "web"]);
        assert_eq!(pod_field(env, "web", "{{.State}}"), "Running");
        assert!(http_get(port).contains("hello from the pod"), "[{label}]");
        env.ok(&["pod", "restart", "web"]);
        assert!(http_get(port).contains("hello from the pod"), "[{label}]");

        // rm without -f refuses a pod with running containers, and keeps it.
        let err = env.fails(&["pod", "rm", "web"], 125);
        assert!(
            err.contains("running or paused containers cannot be removed without force"),
            "[{label}] {err}"
        );
        assert_eq!(pod_field(env, "web", "{{.State}}"), "Running");
        // The infra is not removed on its own.
        let err = env.fails(&["rm", "-f", &infra], 125);
        assert!(err.contains("infra container of pod"), "[{label}] {err}");

        let pids: Vec<String> = [&infra, &server]
            .iter()
            .map(|c| {
                env.ok(&["inspect", "--format", "{{.State.Pid}}", c])
                    .trim()
                    .to_string()
            })
            .collect();
        assert!(pids.iter().all(|p| alive(p)), "[{label}] {pids:?}");
        let pod_net = std::fs::read_link(format!("/proc/{}/ns/net", pids[0])).unwrap();
        assert_eq!(env.ok(&["pod", "rm", "-f", "web"]).trim(), id);
        for pid in &pids {
            assert!(!alive(pid), "[{label}] pid {pid} left after pod rm -f");
        }
        let left = processes_naming(&[infra.clone(), server.clone(), id.clone()]);
        assert!(left.is_empty(), "[{label}] {left:?}");
        // No process is left in the pod's network namespace.
        let inside: Vec<String> = std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter(|e| std::fs::read_link(e.path().join("ns/net")).ok().as_ref() == Some(&pod_net))
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect();
        assert!(inside.is_empty(), "[{label}] {pod_net:?}: {inside:?}");
        assert_eq!(env.ok(&["ps", "-aq"]), "");
        assert_eq!(env.ok(&["pod", "ps", "-q"]), "");
        assert_eq!(env.run(&["pod", "exists", "web"]).status.code(), Some(1));
        // The port is free again.
        assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
    });
}

#[test]
fn groups_without_infra_shared_pids_and_new_pods() {
    each_mode(|env| {
        let label = env.mode.label();
        env.ok(&["pod", "create", "--infra=false", "--name", "group"]);
        assert_eq!(pod_field(env, "group", "{{.CreateInfra}}"), "false");
        env.ok(&[
            "run", "-d", "--pod", "group", "--name", "g1", "app", "sleep", "1000",
        ]);
        env.ok(&[
            "run", "-d", "--pod", "group", "--name", "g2", "app", "sleep", "1000",
        ]);
        let net = |c: &str| env.ok(&["exec", c, "readlink", "/proc/self/ns/net"]);
        assert_ne!(net("g1"), net("g2"), "[{label}] no namespace is shared");
        assert_eq!(
            env.ok(&[
                "pod",
                "ps",
                "--format",
                "{{.Name}} {{.Status}} {{.NumberOfContainers}} [{{.InfraID}}]"
            ]),
            "group Running 2 []\n"
        );
        env.ok(&["stop", "-t", "0", "g2"]);
        assert_eq!(pod_field(env, "group", "{{.State}}"), "Degraded");
        env.ok(&["pod", "stop", "-t", "0", "group"]);
        assert_eq!(pod_field(env, "group", "{{.State}}"), "Exited");
        env.ok(&["pod", "rm", "group"]);
        assert_eq!(env.ok(&["ps", "-aq"]), "");

        // --share +pid: members see each other's processes and the infra.
        env.ok(&["pod", "create", "--share", "+pid", "--name", "pids"]);
        env.ok(&[
            "run", "-d", "--pod", "pids", "--name", "sleeper", "app", "sleep", "1000",
        ]);
        let ps = env.ok(&[
            "run", "--rm", "--pod", "pids", "app", "ps", "-o", "pid,args",
        ]);
        assert!(ps.contains("sleep 1000"), "[{label}] {ps}");
        assert!(ps.contains("__pod-infra"), "[{label}] {ps}");
        // --pod new:NAME makes the pod, ports and all.
        let port = free_port();
        let publish = format!("{port}:80");
        let mut args = vec!["run", "-d", "--pod", "new:fresh", "-p", &publish, "app"];
        args.extend(HTTPD);
        env.ok(&args);
        assert!(http_get(port).contains("hello from the pod"), "[{label}]");
        assert_eq!(pod_field(env, "fresh", "{{.NumContainers}}"), "2");
        // --pod-id-file on both sides.
        let file = env.dir.join("pod.id");
        let file = file.to_str().unwrap();
        let _ = std::fs::remove_file(file);
        env.ok(&["pod", "create", "--name", "byfile", "--pod-id-file", file]);
        std::fs::set_permissions(file, std::os::unix::fs::PermissionsExt::from_mode(0o644))
            .unwrap();
        env.ok(&[
            "create",
            "--pod-id-file",
            file,
            "--name",
            "filed",
            "app",
            "true",
        ]);
        assert_eq!(pod_field(env, "byfile", "{{.NumContainers}}"), "2");
        env.ok(&["pod", "rm", "-f", "--pod-id-file", file]);
        assert_eq!(env.run(&["pod", "exists", "byfile"]).status.code(), Some(1));
        let stats = env.ok(&[
            "pod",
            "stats",
            "--no-stream",
            "--format",
            "{{.Name}} {{.PIDS}}",
            "pids",
        ]);
        // A shared pid namespace: each counts every process in it (no cgroups).
        assert!(stats.contains("sleeper 2"), "[{label}] {stats}");
        // prune takes pods with nothing running.
        env.ok(&["pod", "kill", "pids"]);
        wait_status(env, "pids", "Exited");
        let pruned = env.ok(&["pod", "prune", "-f"]);
        assert_eq!(pruned.lines().count(), 1, "[{label}] {pruned}");
        assert_eq!(env.run(&["pod", "exists", "pids"]).status.code(), Some(1));
        assert_eq!(env.run(&["pod", "exists", "fresh"]).status.code(), Some(0));
    });
}

#[test]
fn bad_input_is_refused_with_nothing_half_made() {
    each_mode(|env| {
        let label = env.mode.label();
        env.ok(&["pod", "create", "--name", "taken"]);
        let before = (env.ok(&["ps", "-aq"]), env.ok(&["pod", "ps", "-q"]));
        let err = env.fails(&["pod", "create", "--name", "taken"], 125);
        assert!(
            err.contains("adding pod to state: name \"taken\" is in use: pod already exists"),
            "[{label}] {err}"
        );
        for (args, code, message) in [
            (&["pod", "inspect", "nope"][..], 125, "no such pod nope"),
            (&["pod", "stop", "nope"][..], 125, "no pod with name or ID nope found: no such pod"),
            (&["pod", "start", "nope"][..], 125, "no such pod"),
            (&["pod", "rm", "nope"][..], 1, "no pod with name or ID nope found: no such pod"),
            (&["pod", "top", "nope"][..], 125, "no such pod"),
            (&["run", "--pod", "nope", "app", "true"][..], 125, "no pod with name or ID nope found: no such pod"),
            (&["run", "--pod", "taken", "--network", "none", "app", "true"][..], 125,
             "invalid config provided: networks must be defined when the pod is created: network cannot be configured when it is shared with a pod"),
            (&["run", "--pod", "taken", "-p", "8080:80", "app", "true"][..], 125,
             "invalid config provided: published or exposed ports must be defined when the pod is created"),
            (&["run", "--pod", "taken", "--hostname", "h", "app", "true"][..], 125,
             "cannot set hostname when joining the pod UTS namespace"),
            (&["pod", "create", "--share", "mnt"][..], 125, "--share mnt: unknown namespace"),
            (&["pod", "create", "--infra=false", "--share", "net"][..], 125, "without an infra container"),
            (&["pod", "create", "--infra=false", "-p", "8080:80"][..], 125, "--infra=false"),
            (&["pod", "create", "--network", "container:x"][..], 125, "cannot be another container's"),
            (&["pod", "create", "--name", "bad/name"][..], 125, "invalid pod name"),
            (&["pod", "create", "-p", "notaport"][..], 125, "notaport"),
            (&["run", "--pull", "never", "--pod", "new:fresh", "nosuchimage:1", "true"][..], 125, "nosuchimage"),
        ] {
            let err = env.fails(args, code);
            assert!(err.contains(message), "[{label}] {args:?}: {err}");
            assert_eq!(err.lines().count(), 1, "[{label}] {args:?}: one line: {err}");
        }
        assert_eq!(env.run(&["pod", "exists", "nope"]).status.code(), Some(1));
        assert_eq!(env.run(&["pod", "rm", "-i", "nope"]).status.code(), Some(0));
        // Nothing made by the failures: no pod `fresh`, no container.
        assert_eq!(env.run(&["pod", "exists", "fresh"]).status.code(), Some(1));
        assert_eq!(
            (env.ok(&["ps", "-aq"]), env.ok(&["pod", "ps", "-q"])),
            before
        );
        let out = env.run(&["pod", "ps", "--filter", "status=sleepy"]);
        assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
    });
}

#[test]
fn a_pod_on_a_user_network_is_reached_by_name_and_port() {
    each_mode(|env| {
        let l = env.mode.label();
        env.ok(&["network", "create", "--subnet", "10.89.60.0/24", "podnet"]);
        let port = free_port();
        let publish = format!("127.0.0.1:{port}:80");
        env.ok(&[
            "pod",
            "create",
            "--name",
            "web",
            "--network",
            "podnet",
            "-p",
            &publish,
        ]);
        let nets = pod_field(env, "web", "{{.InfraConfig.Networks}}");
        assert_eq!(nets, "[podnet]", "[{l}]");
        let listed = env.ok(&["pod", "ps", "--format", "{{.Name}} {{.Networks}}"]);
        assert_eq!(listed, "web podnet\n", "[{l}]");
        let mut args = vec!["run", "-d", "--pod", "web", "app"];
        args.extend_from_slice(HTTPD);
        env.ok(&args);
        // Published at pod level, through the network host.
        assert!(http_get(port).contains("hello from the pod"), "[{l}]");
        // The member sees the network's DNS, and another container on the
        // network reaches the pod by its name.
        let members = env.ok(&["ps", "--filter", "pod=web", "--format", "{{.Names}}"]);
        let member = members.lines().find(|n| !n.ends_with("-infra")).unwrap();
        let resolv = env.ok(&["exec", member, "cat", "/etc/resolv.conf"]);
        assert!(resolv.contains("nameserver 10.89.60.1"), "[{l}] {resolv}");
        let page = env.ok(&[
            "run",
            "--rm",
            "--network",
            "podnet",
            "app",
            "wget",
            "-q",
            "-O",
            "-",
            "http://web/index.html",
        ]);
        assert_eq!(page, "hello from the pod\n", "[{l}]");
        // Members may not pick networks of their own.
        let err = env.fails(
            &["run", "--pod", "web", "--network", "podnet", "app", "true"],
            125,
        );
        assert!(
            err.contains("networks must be defined when the pod is created"),
            "{err}"
        );
        // The network is in use while the pod is; after pod rm it is not.
        let err = env.fails(&["network", "rm", "podnet"], 2);
        assert!(
            err.contains("in use") || err.contains("is being used"),
            "[{l}] {err}"
        );
        env.ok(&["pod", "rm", "-f", "web"]);
        env.ok(&["network", "rm", "podnet"]);
    });
}
