//! `cove ps` (`container ls`) and containers in `cove inspect` /
//! `container inspect`: real containers, as root and as an unprivileged
//! user, with Podman's output.

mod common;

use common::fixtures::{push, Compression, Image, Layer, TarBuilder};
use common::registry::Registry;
use common::{drivers, modes, stderr, stdout, Env, Mode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// busybox with a label and a default command.
fn image() -> Image {
    let layer = TarBuilder::new().busybox_full().finish();
    Image::for_platform(
        vec![Layer::new(layer, Compression::Gzip)],
        false,
        "amd64",
        None,
        json!({
            "Cmd": ["sh"],
            "Env": ["PATH=/bin"],
            "Labels": {"from": "image"},
        }),
    )
}

/// An env with the image pulled and tagged `app` (localhost/app:latest).
fn setup(mode: &Mode, driver: &str, registry: &Registry) -> Env {
    let env = Env::new(mode).with_driver(driver);
    let reference = format!("{}/psapp:latest", registry.host());
    env.ok(&["pull", "-q", &reference]);
    env.ok(&["tag", &reference, "app"]);
    env
}

fn registry() -> (Registry, Image) {
    let registry = Registry::start();
    let image = image();
    push(&registry, "psapp", "latest", &image);
    (registry, image)
}

fn out(env: &Env, args: &[&str]) -> String {
    env.ok(args).trim_end().to_string()
}

fn lines(env: &Env, args: &[&str]) -> Vec<String> {
    env.ok(args).lines().map(str::to_string).collect()
}

const HEADER: &str =
    "CONTAINER ID  IMAGE       COMMAND     CREATED     STATUS      PORTS       NAMES";

/// Start `cove run --name NAME app sleep 100` in the background and wait
/// until `ps -q` lists it.
fn start_sleeper(env: &Env, name: &str) -> std::process::Child {
    let child = env
        .cove(&["run", "--name", name, "app", "sleep", "100"])
        .stdin(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let listed = out(env, &["ps", "-q", "--filter", &format!("name=^{name}$")]);
        if !listed.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "[{}] {name} never showed up in ps",
            env.mode.label()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

#[test]
fn ps_lists_created_running_and_exited_containers() {
    let (registry, image) = registry();
    for mode in modes() {
        for driver in drivers() {
            let env = setup(&mode, &driver, &registry);
            let label = format!("[{} {driver}]", mode.label());
            // Nothing yet: the header alone, in both forms.
            assert_eq!(out(&env, &["ps"]), HEADER, "{label}");
            assert_eq!(out(&env, &["ps", "-a"]), HEADER, "{label}");
            assert_eq!(out(&env, &["ps", "-a", "--format", "json"]), "[]");

            let c1 = out(
                &env,
                &[
                    "create", "--name", "c1", "-l", "app=web", "app", "sleep", "5",
                ],
            );
            env.fails(&["run", "--name", "c2", "app", "sh", "-c", "exit 3"], 3);
            env.ok(&[
                "run",
                "--name",
                "c3",
                "app",
                "sh",
                "-c",
                "seq 1 30000 > /big",
            ]);
            let table = lines(&env, &["ps", "-a"]);
            assert_eq!(table.len(), 4, "{label} {table:?}");
            assert!(table[0].starts_with("CONTAINER ID  IMAGE"), "{table:?}");
            assert!(table[0].ends_with("NAMES"), "{table:?}");
            // Oldest first.
            assert!(table[1].starts_with(&c1[..12]), "{table:?}");
            assert!(table[1].contains("localhost/app:latest"), "{table:?}");
            assert!(table[1].contains("sleep 5"), "{table:?}");
            assert!(table[1].contains("Created"), "{table:?}");
            assert!(table[1].ends_with("c1"), "{table:?}");
            assert!(table[2].contains(" Exited (3) "), "{table:?}");
            assert!(table[3].contains("sh -c seq 1 30000..."), "{table:?}");
            // Not running: only the header without -a.
            assert_eq!(out(&env, &["ps"]), HEADER);

            // Go templates with Podman's field names.
            let rows = lines(
                &env,
                &[
                    "ps",
                    "-a",
                    "--format",
                    "{{.Names}}|{{.State}}|{{.Status}}|{{.ExitCode}}|{{.Exited}}|{{.Image}}|{{.Labels}}",
                ],
            );
            assert_eq!(rows.len(), 3, "{rows:?}");
            assert_eq!(
                rows[0],
                "c1|created|Created|0|false|localhost/app:latest|map[app:web from:image]"
            );
            assert!(rows[1].starts_with("c2|exited|Exited (3) "), "{rows:?}");
            assert!(rows[1].ends_with(" ago|3|true|localhost/app:latest|map[from:image]"));
            let t = out(
                &env,
                &[
                    "ps",
                    "-a",
                    "--format",
                    "table {{.ID}}\t{{.ImageID}}",
                    "--filter",
                    "name=c1",
                ],
            );
            let id = image.id();
            let image_hex = id.strip_prefix("sha256:").unwrap();
            assert_eq!(
                t.lines().collect::<Vec<_>>(),
                vec![
                    "CONTAINER ID  IMAGE ID".to_string(),
                    format!("{}  {}", &c1[..12], &image_hex[..12])
                ]
            );
            assert_eq!(
                out(
                    &env,
                    &["ps", "-a", "--noheading", "--format", "table {{.Names}}"]
                ),
                "c1\nc2\nc3"
            );
            assert_eq!(
                out(
                    &env,
                    &[
                        "ps",
                        "-a",
                        "--no-trunc",
                        "--format",
                        "{{.ID}} {{.ImageID}}",
                        "-f",
                        "name=c1"
                    ]
                ),
                format!("{c1} {image_hex}")
            );

            // -q, --no-trunc, --last, --latest.
            let q = lines(&env, &["ps", "-a", "-q"]);
            assert_eq!(q.len(), 3);
            assert_eq!(q[0], &c1[..12]);
            assert_eq!(lines(&env, &["ps", "-aq", "--no-trunc"])[0], c1);
            assert_eq!(
                out(&env, &["ps", "--last", "2", "--format", "{{.Names}}"]),
                "c3\nc2"
            );
            assert_eq!(out(&env, &["ps", "-l", "--format", "{{.Names}}"]), "c3");
            let e = env.fails(&["ps", "-l", "-n", "1"], 125);
            assert!(e.contains("last and latest are mutually exclusive"), "{e}");
            let e = env.fails(&["ps", "-q", "-s"], 125);
            assert!(e.contains("quiet conflicts with size"), "{e}");
            assert_eq!(
                out(
                    &env,
                    &["ps", "-a", "--sort", "names", "--format", "{{.Names}}"]
                ),
                "c1\nc2\nc3"
            );

            // Filters: one key's values are alternatives, keys combine.
            let names = |filters: &[&str]| {
                let mut args = vec!["ps", "-a", "--format", "{{.Names}}"];
                for f in filters {
                    args.push("--filter");
                    args.push(f);
                }
                out(&env, &args)
            };
            assert_eq!(names(&["name=c1"]), "c1");
            assert_eq!(names(&["name=c1", "name=c2"]), "c1\nc2");
            assert_eq!(names(&["status=exited"]), "c2\nc3");
            assert_eq!(names(&["status=exited", "name=c2"]), "c2");
            assert_eq!(names(&["status=created"]), "c1");
            assert_eq!(names(&["exited=3"]), "c2");
            assert_eq!(names(&["exited=0"]), "c3");
            assert_eq!(names(&["label=app=web"]), "c1");
            assert_eq!(names(&["label=from=image", "label=app"]), "c1");
            assert_eq!(names(&["label!=app"]), "c2\nc3");
            assert_eq!(names(&["ancestor=app"]), "c1\nc2\nc3");
            assert_eq!(
                names(&[&format!("ancestor={}", &image_hex[..12])]),
                "c1\nc2\nc3"
            );
            assert_eq!(names(&["ancestor=nosuchimage"]), "");
            assert_eq!(names(&[&format!("id={}", &c1[..10])]), "c1");
            assert_eq!(names(&["since=c1"]), "c2\nc3");
            assert_eq!(names(&["before=c2"]), "c1");
            // status= looks at every container even without -a.
            assert_eq!(
                out(
                    &env,
                    &["ps", "--filter", "status=created", "--format", "{{.Names}}"]
                ),
                "c1"
            );
            let e = env.fails(&["ps", "--filter", "colour=red"], 125);
            assert!(e.contains("colour is an invalid filter"), "{e}");
            let e = env.fails(&["ps", "--filter", "status=sleeping"], 125);
            assert!(e.contains("unknown container state: sleeping"), "{e}");
            let e = env.fails(&["ps", "--filter", "name"], 125);
            assert!(e.contains("invalid filter \"name\""), "{e}");

            // JSON, as `podman ps --format json`.
            let text = out(&env, &["ps", "-a", "--format", "json"]);
            assert!(
                text.starts_with("[\n  {\n    \"AutoRemove\": false,"),
                "{text}"
            );
            // Go's rendering of a struct whose fields are all omitted.
            assert!(text.contains("\"Namespaces\": {\n      \n    },"), "{text}");
            let docs: Vec<Value> = serde_json::from_str(&text).unwrap();
            assert_eq!(docs.len(), 3);
            let c2 = &docs[1];
            assert_eq!(c2["Names"], json!(["c2"]));
            assert_eq!(c2["State"], "exited");
            assert_eq!(c2["Exited"], true);
            assert_eq!(c2["ExitCode"], 3);
            assert_eq!(c2["Command"], json!(["sh", "-c", "exit 3"]));
            assert_eq!(c2["Image"], "localhost/app:latest");
            assert_eq!(c2["ImageID"], image_hex);
            assert_eq!(c2["Id"].as_str().unwrap().len(), 64);
            assert!(c2["Created"].as_i64().unwrap() > 1_600_000_000);
            assert!(c2["ExitedAt"].as_i64().unwrap() >= c2["StartedAt"].as_i64().unwrap());
            assert!(c2["CreatedAt"].as_str().unwrap().ends_with(" ago"));
            assert!(c2["Status"].as_str().unwrap().starts_with("Exited (3) "));
            assert_eq!(c2["Size"], Value::Null);
            assert_eq!(docs[0]["Labels"], json!({"app": "web", "from": "image"}));
            assert_eq!(docs[0]["StartedAt"], -62135596800i64);
            assert_eq!(docs[0]["Pid"], 0);

            // Sizes: what c3 wrote (about 170 kB), on top of the image.
            let sized: Vec<Value> =
                serde_json::from_str(&out(&env, &["ps", "-a", "-s", "--format", "json"])).unwrap();
            let rw = sized[2]["Size"]["rwSize"].as_u64().unwrap();
            let root = sized[2]["Size"]["rootFsSize"].as_u64().unwrap();
            assert!(rw >= 168_894, "{label} rw {rw}");
            assert!(root >= rw, "{label} {root} < {rw}");
            let table = lines(&env, &["ps", "-a", "-s"]);
            assert!(table[0].ends_with("SIZE"), "{table:?}");
            assert!(table[3].contains(" (virtual "), "{table:?}");

            // A running container: listed without -a, until removed.
            let mut busy = start_sleeper(&env, "busy");
            let running = out(
                &env,
                &["ps", "--format", "{{.Names}} {{.State}} {{.Status}}"],
            );
            assert!(running.starts_with("busy running Up "), "{label} {running}");
            let table = lines(&env, &["ps"]);
            assert_eq!(table.len(), 2, "{table:?}");
            assert!(table[1].contains("sleep 100"), "{table:?}");
            assert!(table[1].ends_with("busy"), "{table:?}");
            let pid: i64 = out(&env, &["ps", "--format", "{{.Pid}}"]).parse().unwrap();
            assert!(pid > 0);
            assert_eq!(
                out(
                    &env,
                    &[
                        "ps",
                        "-a",
                        "--filter",
                        "status=running",
                        "--format",
                        "{{.Names}}"
                    ]
                ),
                "busy"
            );
            env.ok(&["rm", "-f", "busy"]);
            assert_eq!(busy.wait().unwrap().code(), Some(137));
            assert_eq!(out(&env, &["ps", "-q"]), "");
            env.ok(&["rm", "-a"]);
            assert_eq!(out(&env, &["ps", "-a", "-q"]), "");
        }
    }
}

#[test]
fn a_killed_monitor_shows_as_exited() {
    let (registry, _) = registry();
    for mode in modes() {
        let env = setup(&mode, &drivers()[0], &registry);
        let mut child = start_sleeper(&env, "k");
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(child.id() as i32),
            nix::sys::signal::Signal::SIGKILL,
        )
        .unwrap();
        child.wait().unwrap();
        // The container dies with its monitor (PR_SET_PDEATHSIG), and the
        // lock with the last process that held it.
        let deadline = Instant::now() + Duration::from_secs(10);
        while !out(&env, &["ps", "-q"]).is_empty() {
            assert!(
                Instant::now() < deadline,
                "[{}] still running",
                mode.label()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        // The record still says running; ps and inspect know better, and
        // leave it as it is.
        let dir = env.store_root().join("containers");
        let id = out(&env, &["ps", "-aq", "--no-trunc"]);
        let state = std::fs::read_to_string(dir.join(&id).join("state.json")).unwrap();
        assert!(state.contains("running"), "{state}");
        assert_eq!(out(&env, &["ps", "-q"]), "", "[{}]", mode.label());
        assert_eq!(
            out(
                &env,
                &[
                    "ps",
                    "-a",
                    "--format",
                    "{{.Names}} {{.State}} {{.ExitCode}} {{.Pid}}"
                ]
            ),
            "k exited 137 0"
        );
        assert!(out(&env, &["ps", "-a"]).contains("Exited (137) "));
        assert_eq!(
            out(
                &env,
                &[
                    "inspect",
                    "-f",
                    "{{.State.Status}} {{.State.Running}} {{.State.ExitCode}}",
                    "k"
                ]
            ),
            "exited false 137"
        );
        assert_eq!(
            out(&env, &["ps", "-a", "--filter", "exited=137", "-q"]),
            &id[..12]
        );
        let state = std::fs::read_to_string(dir.join(&id).join("state.json")).unwrap();
        assert!(state.contains("running"), "ps rewrote the state: {state}");
        // Nothing holds it: rm needs no -f.
        env.ok(&["rm", "k"]);
    }
}

#[test]
fn inspect_containers_images_and_volumes() {
    let (registry, image) = registry();
    let image_hex = image.id().strip_prefix("sha256:").unwrap().to_string();
    for mode in modes() {
        let driver = drivers()[0].clone();
        let env = setup(&mode, &driver, &registry);
        let label = format!("[{}]", mode.label());
        let host_dir = env.dir.join("shared");
        std::fs::create_dir(&host_dir).unwrap();
        let bind = format!("{}:/host:ro", host_dir.display());
        let id = out(
            &env,
            &[
                "create",
                "--name",
                "insp",
                "-e",
                "FOO=bar",
                "-l",
                "x=y",
                "-v",
                "/anon",
                "-v",
                "named:/data",
                "-v",
                &bind,
                "--tmpfs",
                "/scratch",
                "--cap-add",
                "NET_ADMIN",
                "--cap-drop",
                "CHOWN",
                "--entrypoint",
                "/bin/sh",
                "app",
                "-c",
                "echo hi",
            ],
        );
        let text = out(&env, &["inspect", "insp"]);
        // Podman's inspect encoder: five-space indent.
        assert!(
            text.starts_with("[\n     {\n          \"Id\": \""),
            "{text}"
        );
        let docs: Vec<Value> = serde_json::from_str(&text).unwrap();
        assert_eq!(docs.len(), 1);
        let d = &docs[0];
        assert_eq!(d["Id"], id);
        assert_eq!(d["Name"], "insp");
        assert_eq!(d["Path"], "/bin/sh");
        assert_eq!(d["Args"], json!(["-c", "echo hi"]));
        assert_eq!(d["State"]["Status"], "created");
        assert_eq!(d["State"]["Running"], false);
        assert_eq!(d["State"]["Pid"], 0);
        assert_eq!(d["State"]["StartedAt"], "0001-01-01T00:00:00Z");
        assert_eq!(d["Image"], image_hex);
        assert_eq!(d["ImageName"], "localhost/app:latest");
        assert_eq!(d["ImageDigest"], image.manifest_digest());
        assert_eq!(d["Driver"], driver);
        assert_eq!(d["RestartCount"], 0);
        assert_eq!(d["MountLabel"], "");
        assert_eq!(d["Config"]["Entrypoint"], "/bin/sh");
        assert_eq!(d["Config"]["Cmd"], json!(["-c", "echo hi"]));
        assert_eq!(d["Config"]["Image"], "localhost/app:latest");
        assert!(d["Config"]["Env"]
            .as_array()
            .unwrap()
            .contains(&json!("FOO=bar")));
        assert_eq!(d["Config"]["Labels"], json!({"from": "image", "x": "y"}));
        assert_eq!(d["Config"]["StopSignal"], 15);
        assert_eq!(d["Config"]["Tty"], false);
        let mounts = d["Mounts"].as_array().unwrap();
        assert_eq!(mounts.len(), 3, "{label} {mounts:?}");
        let named = mounts.iter().find(|m| m["Destination"] == "/data").unwrap();
        assert_eq!(named["Type"], "volume");
        assert_eq!(named["Name"], "named");
        assert_eq!(named["Driver"], "local");
        assert_eq!(named["RW"], true);
        assert!(named["Source"].as_str().unwrap().ends_with("/named/_data"));
        let anon = mounts.iter().find(|m| m["Destination"] == "/anon").unwrap();
        assert_eq!(anon["Type"], "volume");
        assert_eq!(anon["Name"].as_str().unwrap().len(), 64);
        let bound = mounts.iter().find(|m| m["Destination"] == "/host").unwrap();
        assert_eq!(bound["Type"], "bind");
        assert_eq!(bound["Source"], host_dir.display().to_string());
        assert_eq!(bound["RW"], false);
        assert_eq!(bound["Propagation"], "rprivate");
        let hc = &d["HostConfig"];
        assert_eq!(hc["Binds"].as_array().unwrap().len(), 3);
        assert!(hc["Tmpfs"]["/scratch"].is_string(), "{hc}");
        assert_eq!(hc["NetworkMode"], "slirp");
        assert_eq!(hc["CapAdd"], json!(["CAP_NET_ADMIN"]));
        assert_eq!(hc["CapDrop"], json!(["CAP_CHOWN"]));
        assert_eq!(hc["AutoRemove"], false);
        assert_eq!(hc["Privileged"], false);

        // Templates.
        assert_eq!(
            out(
                &env,
                &[
                    "inspect",
                    "-f",
                    "{{.State.Running}} {{.State.ExitCode}}",
                    "insp"
                ]
            ),
            "false 0"
        );
        let envs = out(&env, &["inspect", "-f", "{{.Config.Env}}", "insp"]);
        assert!(envs.starts_with('[') && envs.contains("FOO=bar"), "{envs}");
        assert_eq!(out(&env, &["inspect", "-f", "{{.Id}}", "insp"]), id);
        assert_eq!(out(&env, &["inspect", "-f", "{{ .ID }}", "insp"]), id);
        assert_eq!(
            out(
                &env,
                &["inspect", "-f", "{{range .Mounts}}{{.Dst}} {{end}}", "insp"]
            ),
            "/anon /data /host"
        );
        assert!(!out(&env, &["inspect", "-f", "{{.Mounts}}", "insp"]).is_empty());
        assert_eq!(
            out(&env, &["inspect", "-f", "{{.State.StartedAt}}", "insp"]),
            "0001-01-01 00:00:00 +0000 UTC"
        );
        assert_eq!(
            out(
                &env,
                &["container", "inspect", "-f", "{{.Name}}", &id[..12]]
            ),
            "insp"
        );
        let size: u64 = out(&env, &["inspect", "-s", "-f", "{{.SizeRootFs}}", "insp"])
            .parse()
            .unwrap();
        assert!(size > 0);

        // After a run: exited, with times.
        assert_eq!(out(&env, &["start", "-a", "insp"]), "hi");
        let d: Vec<Value> = serde_json::from_str(&out(&env, &["inspect", "insp"])).unwrap();
        assert_eq!(d[0]["State"]["Status"], "exited");
        assert_eq!(d[0]["State"]["ExitCode"], 0);
        assert_ne!(d[0]["State"]["StartedAt"], "0001-01-01T00:00:00Z");
        assert_ne!(d[0]["State"]["FinishedAt"], "0001-01-01T00:00:00Z");

        // Types, and containers first for a name that is also an image.
        env.ok(&["create", "--name", "app", "app", "true"]);
        assert_eq!(out(&env, &["inspect", "-f", "{{.Name}}", "app"]), "app");
        assert_eq!(
            out(
                &env,
                &["inspect", "--type", "image", "-f", "{{.Id}}", "app"]
            ),
            image_hex
        );
        assert_eq!(
            out(
                &env,
                &[
                    "inspect",
                    "--type",
                    "container",
                    "-f",
                    "{{.ImageName}}",
                    "app"
                ]
            ),
            "localhost/app:latest"
        );
        assert_eq!(
            out(
                &env,
                &["inspect", "--type", "volume", "-f", "{{.Name}}", "named"]
            ),
            "named"
        );
        assert_eq!(out(&env, &["inspect", "-f", "{{.Name}}", "named"]), "named");
        assert_eq!(out(&env, &["inspect", "-l", "-f", "{{.Name}}"]), "app");
        let both: Vec<Value> =
            serde_json::from_str(&out(&env, &["inspect", "insp", "named"])).unwrap();
        assert_eq!(both.len(), 2);
        assert_eq!(both[1]["Mountpoint"], named["Source"]);

        // Unknown names: what was found, then Podman's errors, exit 125.
        let o = env.run(&["inspect", "nope"]);
        assert_eq!(o.status.code(), Some(125));
        assert_eq!(stdout(&o).trim(), "[]");
        assert_eq!(
            stderr(&o).trim(),
            "Error: inspecting object: no such object: \"nope\""
        );
        let o = env.run(&["inspect", "-f", "{{.Name}}", "nope", "insp", "nope2"]);
        assert_eq!(o.status.code(), Some(125));
        assert_eq!(stdout(&o).trim(), "insp");
        assert_eq!(
            stderr(&o).trim(),
            "error inspecting object: no such object: \"nope2\"\nError: inspecting object: no such object: \"nope\""
        );
        let e = env.fails(&["container", "inspect", "nope"], 125);
        assert_eq!(e.trim(), "Error: inspecting object: no such container nope");
        let e = env.fails(&["inspect", "--type", "container", "named"], 125);
        assert_eq!(
            e.trim(),
            "Error: inspecting object: no such container named"
        );
        let e = env.fails(&["inspect", "--type", "image", "insp"], 125);
        assert_eq!(e.trim(), "Error: inspecting object: insp: image not known");
        let o = env.run(&["image", "inspect", "nope"]);
        assert_eq!(o.status.code(), Some(125));
        assert_eq!(stdout(&o).trim(), "[]");
        assert_eq!(
            stderr(&o).trim(),
            "Error: inspecting object: nope: image not known"
        );
        let e = env.fails(&["inspect", "-l", "insp"], 125);
        assert!(
            e.contains("--latest and arguments cannot be used together"),
            "{e}"
        );
        let e = env.fails(&["inspect"], 125);
        assert!(e.contains("no names or ids specified"), "{e}");
        env.ok(&["rm", "-a", "-v"]);
    }
}

#[test]
fn the_container_command_group() {
    let (registry, _) = registry();
    let mode = modes().remove(0);
    let env = setup(&mode, &drivers()[0], &registry);
    let id = out(
        &env,
        &["container", "create", "--name", "g", "app", "echo", "group"],
    );
    assert_eq!(out(&env, &["container", "start", "-a", "g"]), "group");
    assert_eq!(
        out(&env, &["container", "run", "--rm", "app", "echo", "ran"]),
        "ran"
    );
    for ls in ["ls", "list", "ps"] {
        assert_eq!(out(&env, &["container", ls, "-aq", "--no-trunc"]), id);
    }
    // Podman prints each name as it was given.
    assert_eq!(out(&env, &["container", "rm", "g"]), "g");
    assert_eq!(out(&env, &["container", "ls", "-a", "-q"]), "");
}
