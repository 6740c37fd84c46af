//! `top`, `stats`, `rename`, `container prune`, `system prune/df/reset`
//! and `--replace`, as root and as an unprivileged user.

mod common;

use common::fixtures::{busybox_image, push, Compression, Image, Layer, TarBuilder};
use common::registry::Registry;
use common::{drivers, modes, stderr, stdout, Env, Mode};
use serde_json::{json, Value};
use std::process::Child;

/// busybox with a user 1000 named `user`.
fn app_image() -> Image {
    Image::for_platform(
        vec![Layer::new(
            TarBuilder::new().busybox_full().finish(),
            Compression::Gzip,
        )],
        false,
        "amd64",
        None,
        json!({"Cmd": ["sh"], "Env": ["PATH=/bin"]}),
    )
}

/// An env with the app image pulled as `app`; the registry also serves
/// `other`, a second image.
fn setup(mode: &Mode, driver: &str) -> (Env, Registry) {
    let registry = Registry::start();
    push(&registry, "app", "latest", &app_image());
    push(
        &registry,
        "other",
        "latest",
        &busybox_image(false, Compression::Gzip),
    );
    let env = Env::new(mode).with_driver(driver);
    let reference = format!("{}/app:latest", registry.host());
    env.ok(&["pull", "-q", &reference]);
    env.ok(&["tag", &reference, "app"]);
    (env, registry)
}

fn out(env: &Env, args: &[&str]) -> String {
    env.ok(args).trim().to_string()
}

/// A foreground `cove run --name NAME ARGS...` in a child, returned once
/// the container runs.
fn run_in_background(env: &Env, name: &str, args: &[&str]) -> Child {
    let mut all = vec!["run", "--name", name];
    all.extend_from_slice(args);
    let mut child = env
        .cove(&all)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        if env
            .run(&["wait", "--condition", "running", "--interval", "20ms", name])
            .status
            .success()
        {
            return child;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("[{}] container {name} did not start", env.mode.label());
}

/// Kill a background container and reap its `run`.
fn stop(env: &Env, name: &str, mut child: Child) {
    env.ok(&["kill", name]);
    assert_eq!(child.wait().unwrap().code(), Some(137));
}

/// Wait until `sh` in the container has forked its background job.
fn wait_for_processes(env: &Env, name: &str, count: usize) {
    for _ in 0..200 {
        let text = out(env, &["top", name, "pid"]);
        if text.lines().count() > count {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("[{}] {name} never had {count} processes", env.mode.label());
}

#[test]
fn top_lists_the_containers_processes() {
    for mode in modes() {
        let (env, _registry) = setup(&mode, &drivers()[0]);
        let child = run_in_background(
            &env,
            "t",
            &["-u", "user", "app", "sh", "-c", "sleep 100 & sleep 200"],
        );
        wait_for_processes(&env, "t", 2);
        let text = out(&env, &["top", "t"]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "[{}] {text}", mode.label());
        let header: Vec<&str> = lines[0].split_whitespace().collect();
        assert_eq!(
            header,
            ["USER", "PID", "PPID", "%CPU", "ELAPSED", "TTY", "TIME", "COMMAND"]
        );
        // In-container pids and users, the command line as ps shows it.
        let first: Vec<&str> = lines[1].split_whitespace().collect();
        assert_eq!(&first[..3], ["user", "1", "0"], "{text}");
        assert_eq!(first[5], "?");
        assert!(lines[1].trim_end().ends_with("sleep 200"), "{text}");
        let second: Vec<&str> = lines[2].split_whitespace().collect();
        assert_eq!(&second[..3], ["user", "2", "1"], "{text}");
        assert!(lines[2].trim_end().ends_with("sleep 100"), "{text}");
        // Descriptors, comma-separated or AIX.
        let text = out(
            &env,
            &["top", "t", "pid,comm", "%U", "group", "rss", "vsz", "nice"],
        );
        let lines: Vec<Vec<&str>> = text
            .lines()
            .map(|l| l.split_whitespace().collect())
            .collect();
        assert_eq!(
            lines[0],
            ["PID", "COMMAND", "USER", "GROUP", "RSS", "VSZ", "NI"]
        );
        assert_eq!(&lines[1][..4], ["1", "sleep", "user", "user"]);
        assert!(lines[1][4].parse::<u64>().unwrap() > 0);
        assert!(lines[1][5].parse::<u64>().unwrap() > 0);
        assert_eq!(lines[1][6], "0");
        assert_eq!(out(&env, &["container", "top", "t", "pid"]), "PID\n1\n2");
        let e = env.fails(&["top", "t", "-ef"], 125);
        assert!(e.contains("unknown descriptor"), "{e}");
        env.fails(&["top", "nope"], 125);
        stop(&env, "t", child);
        let e = env.fails(&["top", "t"], 125);
        assert!(
            e.contains("top can only be used on running containers"),
            "{e}"
        );
    }
}

#[test]
fn stats_reports_a_running_container() {
    for mode in modes() {
        let (env, _registry) = setup(&mode, &drivers()[0]);
        let child = run_in_background(&env, "s", &["app", "sh", "-c", "sleep 100 & sleep 200"]);
        env.ok(&["create", "--name", "idle", "app", "true"]);
        wait_for_processes(&env, "s", 2);
        let text = out(&env, &["stats", "--no-stream"]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "[{}] {text}", mode.label());
        for column in [
            "ID",
            "NAME",
            "CPU %",
            "MEM USAGE / LIMIT",
            "MEM %",
            "NET IO",
            "BLOCK IO",
            "PIDS",
            "CPU TIME",
            "AVG CPU %",
        ] {
            assert!(lines[0].contains(column), "{column} missing: {text}");
        }
        assert!(lines[1].contains(" s "), "{text}");
        assert_eq!(
            out(
                &env,
                &[
                    "stats",
                    "--no-stream",
                    "--format",
                    "{{.Name}} {{.PIDS}}",
                    "s"
                ]
            ),
            "s 2"
        );
        let json: Value =
            serde_json::from_str(&out(&env, &["stats", "--no-stream", "--format", "json"]))
                .unwrap();
        let entry = &json[0];
        assert_eq!(entry["name"], "s");
        assert_eq!(entry["pids"], "2");
        let mem = entry["mem_usage"].as_str().unwrap();
        assert!(!mem.starts_with("0B"), "{mem}");
        assert!(entry["cpu_percent"].as_str().unwrap().ends_with('%'));
        // -a adds the stopped one, with nothing to measure.
        let all = out(
            &env,
            &[
                "container",
                "stats",
                "-a",
                "--no-stream",
                "--format",
                "{{.Name}} {{.MemUsage}}",
            ],
        );
        assert!(all.lines().any(|l| l == "idle 0B / 0B"), "{all}");
        env.fails(&["stats", "--no-stream", "-a", "s"], 125);
        env.fails(&["stats", "--no-stream", "nope"], 125);
        stop(&env, "s", child);
    }
}

#[test]
fn rename_claims_the_new_name_first() {
    // Names that cannot be id prefixes (hex), which lookups also match.
    for mode in modes() {
        let (env, _registry) = setup(&mode, &drivers()[0]);
        let id = out(&env, &["create", "--name", "alpha", "app", "true"]);
        env.ok(&["rename", "alpha", "bravo"]);
        assert_eq!(
            out(&env, &["inspect", "--format", "{{.Name}}", "bravo"]),
            "bravo"
        );
        assert_eq!(out(&env, &["inspect", "--format", "{{.Id}}", "bravo"]), id);
        env.fails(&["inspect", "--type", "container", "alpha"], 125);
        // Renaming to its own name is a no-op.
        env.ok(&["container", "rename", "bravo", "bravo"]);
        env.ok(&["create", "--name", "charlie", "app", "true"]);
        let e = env.fails(&["rename", "bravo", "charlie"], 125);
        assert!(e.contains("already in use"), "{e}");
        assert_eq!(
            out(&env, &["inspect", "--format", "{{.Name}}", "bravo"]),
            "bravo"
        );
        env.fails(&["rename", "bravo", "bad name"], 125);
        env.fails(&["rename", "nope", "x"], 125);
        // The old name is free again.
        env.ok(&["create", "--name", "alpha", "app", "true"]);
        // A running container.
        let child = run_in_background(&env, "r", &["app", "sleep", "100"]);
        env.ok(&["rename", "r", "r2"]);
        env.fails(&["kill", "r"], 125);
        stop(&env, "r2", child);
        let names = out(&env, &["ps", "-a", "--format", "{{.Names}}"]);
        let mut names: Vec<&str> = names.lines().collect();
        names.sort();
        assert_eq!(names, ["alpha", "bravo", "charlie", "r2"]);
        // Removal frees the new name.
        env.ok(&["rm", "r2"]);
        env.ok(&["create", "--name", "r2", "app", "true"]);
    }
}

#[test]
fn container_prune_removes_only_stopped_containers() {
    for mode in modes() {
        let (env, _registry) = setup(&mode, &drivers()[0]);
        let created = out(&env, &["create", "--name", "p1", "app", "true"]);
        env.ok(&["run", "--name", "p2", "app", "true"]);
        let exited = out(&env, &["inspect", "--format", "{{.Id}}", "p2"]);
        let labelled = out(
            &env,
            &[
                "create", "--name", "p4", "--label", "keep=yes", "app", "true",
            ],
        );
        let child = run_in_background(&env, "p3", &["app", "sleep", "100"]);
        assert_eq!(
            out(
                &env,
                &["container", "prune", "-f", "--filter", "label=keep=yes"]
            ),
            labelled
        );
        env.fails(&["container", "prune", "-f", "--filter", "bogus=1"], 125);
        // No answer (end of input), or no: nothing removed.
        let o = env.run_with_stdin(&["container", "prune"], b"");
        assert_eq!(o.status.code(), Some(125), "{}", stderr(&o));
        assert!(stdout(&o).starts_with("WARNING! This will remove all non running containers.\nAre you sure you want to continue? [y/N] "));
        let o = env.run_with_stdin(&["container", "prune"], b"n\n");
        assert!(o.status.success());
        assert_eq!(out(&env, &["ps", "-a", "-q"]).lines().count(), 3);
        let o = env.run_with_stdin(&["container", "prune"], b"y\n");
        assert!(o.status.success(), "{}", stderr(&o));
        // The ids follow the question on its line, as Podman prints them.
        let text = stdout(&o).replace("[y/N] ", "[y/N]\n");
        let mut removed: Vec<&str> = text.lines().skip(2).collect();
        removed.sort();
        let mut expected = vec![created.as_str(), exited.as_str()];
        expected.sort();
        assert_eq!(removed, expected);
        assert_eq!(out(&env, &["ps", "-a", "--format", "{{.Names}}"]), "p3");
        stop(&env, "p3", child);
    }
}

/// A container that leaves files owned by another user (a subordinate id
/// when unprivileged), in an unreadable directory.
fn foreign_files(env: &Env, name: &str) {
    env.ok(&[
        "run",
        "--name",
        name,
        "app",
        "sh",
        "-c",
        "mkdir /d && touch /d/x && chown -R 1000:1000 /d && chmod 700 /d && echo data > /f",
    ]);
}

#[test]
fn system_prune_removes_stopped_containers_unused_volumes_and_images() {
    for mode in modes() {
        for driver in drivers() {
            let (env, registry) = setup(&mode, &driver);
            env.ok(&["pull", "-q", &format!("{}/other:latest", registry.host())]);
            foreign_files(&env, "w");
            let stopped = out(&env, &["inspect", "--format", "{{.Id}}", "w"]);
            env.ok(&["volume", "create", "unused"]);
            env.ok(&["create", "--name", "v", "-v", "data:/data", "app", "true"]);
            let with_volume = out(&env, &["inspect", "--format", "{{.Id}}", "v"]);
            let child =
                run_in_background(&env, "keep", &["-v", "busy:/data", "app", "sleep", "100"]);
            // Without --volumes and -a: containers only (no dangling images).
            let o = env.run_with_stdin(&["system", "prune"], b"n\n");
            assert!(o.status.success());
            assert!(stdout(&o).contains("- all stopped containers"));
            assert_eq!(out(&env, &["ps", "-a", "-q"]).lines().count(), 3);
            let text = out(&env, &["system", "prune", "-f", "--volumes"]);
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines[0], "Deleted Containers", "{text}");
            let mut containers = lines[1..3].to_vec();
            containers.sort();
            let mut expected = vec![stopped.as_str(), with_volume.as_str()];
            expected.sort();
            assert_eq!(containers, expected, "{text}");
            assert_eq!(
                &lines[3..6],
                ["Deleted Volumes", "data", "unused"],
                "{text}"
            );
            assert!(lines[6].starts_with("Total reclaimed space: "), "{text}");
            assert_eq!(lines.len(), 7, "{text}");
            assert_eq!(out(&env, &["volume", "ls", "-q"]), "busy");
            assert_eq!(out(&env, &["ps", "-a", "--format", "{{.Names}}"]), "keep");
            // -a: every image no container uses.
            let text = out(&env, &["system", "prune", "-a", "-f"]);
            assert!(text.starts_with("Deleted Images\n"), "{text}");
            assert_eq!(text.lines().count(), 3, "{text}");
            let left = out(&env, &["images", "--format", "{{.Repository}}"]);
            assert!(
                left.contains("localhost/app") && !left.contains("other"),
                "{left}"
            );
            stop(&env, "keep", child);
            let text = out(&env, &["system", "prune", "-a", "-f", "--volumes"]);
            assert!(text.contains("Deleted Containers"), "{text}");
            assert!(text.contains("Deleted Volumes\nbusy\n"), "{text}");
            assert!(text.contains("Deleted Images"), "{text}");
            assert_eq!(out(&env, &["images", "-q"]), "");
            assert_eq!(
                out(&env, &["system", "prune", "-f"]),
                "Total reclaimed space: 0B"
            );
        }
    }
}

fn df_json(env: &Env) -> Vec<Value> {
    serde_json::from_str::<Vec<Value>>(&out(env, &["system", "df", "--format", "json"])).unwrap()
}

#[test]
fn system_df_follows_pulls_runs_and_volumes() {
    for mode in modes() {
        let (env, registry) = setup(&mode, &drivers()[0]);
        let before = df_json(&env);
        assert_eq!(before[0]["Type"], "Images");
        // One per name, as Podman counts (the pulled name and `app`).
        assert_eq!(before[0]["Total"], 2);
        assert_eq!(before[0]["Active"], 0);
        assert!(before[0]["RawSize"].as_u64().unwrap() > 0);
        assert_eq!(before[0]["RawReclaimable"], before[0]["RawSize"]);
        assert_eq!(before[1]["Type"], "Containers");
        assert_eq!(before[1]["Total"], 0);
        assert_eq!(before[2]["Type"], "Local Volumes");
        assert_eq!(before[2]["Total"], 0);
        env.ok(&["pull", "-q", &format!("{}/other:latest", registry.host())]);
        env.ok(&[
            "run",
            "--name",
            "d",
            "-v",
            "vol:/data",
            "app",
            "sh",
            "-c",
            "head -c 100000 /bin/busybox > /big; head -c 50000 /bin/busybox > /data/f",
        ]);
        let after = df_json(&env);
        assert_eq!(after[0]["Total"], 3);
        assert_eq!(after[0]["Active"], 1);
        assert!(after[0]["RawSize"].as_u64() > before[0]["RawSize"].as_u64());
        assert_eq!(after[1]["Total"], 1);
        assert_eq!(after[1]["Active"], 0);
        assert!(
            after[1]["RawSize"].as_u64().unwrap() >= 100_000,
            "{after:?}"
        );
        assert_eq!(after[1]["RawReclaimable"], after[1]["RawSize"]);
        assert_eq!(after[2]["Total"], 1);
        assert_eq!(after[2]["Active"], 1);
        assert!(after[2]["RawSize"].as_u64().unwrap() >= 50_000);
        assert_eq!(after[2]["RawReclaimable"], 0);
        let table = out(&env, &["system", "df"]);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(
            lines[0].split_whitespace().collect::<Vec<_>>(),
            ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"]
        );
        assert!(lines[1].starts_with("Images "), "{table}");
        assert!(lines[3].starts_with("Local Volumes "), "{table}");
        assert_eq!(
            out(&env, &["system", "df", "--format", "{{.Type}}={{.Total}}"]),
            "Images=3\nContainers=1\nLocal Volumes=1"
        );
        let verbose = out(&env, &["system", "df", "-v"]);
        for part in [
            "Images space usage:",
            "Containers space usage:",
            "Local Volumes space usage:",
            "localhost/app",
            "vol ",
        ] {
            assert!(verbose.contains(part), "{part}: {verbose}");
        }
        env.fails(&["system", "df", "-v", "--format", "json"], 125);
    }
}

#[test]
fn system_reset_leaves_nothing() {
    for mode in modes() {
        for driver in drivers() {
            let (env, _registry) = setup(&mode, &driver);
            foreign_files(&env, "w");
            env.ok(&["volume", "create", "v"]);
            let child = run_in_background(&env, "r", &["-v", "v:/data", "app", "sleep", "100"]);
            let o = env.run_with_stdin(&["system", "reset"], b"n\n");
            assert!(o.status.success());
            assert!(stdout(&o).contains("WARNING! This will remove:"));
            assert_eq!(out(&env, &["ps", "-a", "-q"]).lines().count(), 2);
            let o = env.run_with_stdin(&["system", "reset"], b"");
            assert_eq!(o.status.code(), Some(1));
            env.ok(&["system", "reset", "-f"]);
            let mut child = child;
            assert_eq!(child.wait().unwrap().code(), Some(137));
            // The store root itself is gone; commands see an empty store.
            let root = match mode {
                Mode::Root => env.store_root(),
                _ => env.data.join("cove"),
            };
            assert!(!root.exists(), "[{}] {root:?} remains", mode.label());
            assert_eq!(out(&env, &["ps", "-a", "-q"]), "");
            assert_eq!(out(&env, &["images", "-q"]), "");
            assert_eq!(out(&env, &["volume", "ls", "-q"]), "");
        }
    }
}

#[test]
fn replace_removes_the_container_of_the_same_name() {
    for mode in modes() {
        let (env, _registry) = setup(&mode, &drivers()[0]);
        let old = out(&env, &["create", "--name", "x", "app", "true"]);
        env.fails(&["create", "--name", "x", "app", "true"], 125);
        let new = out(
            &env,
            &["create", "--replace", "--name", "x", "app", "echo", "new"],
        );
        assert_ne!(old, new);
        assert_eq!(out(&env, &["ps", "-a", "--no-trunc", "-q"]), new);
        // Nothing to replace is fine.
        env.ok(&["create", "--replace", "--name", "fresh", "app", "true"]);
        let e = env.fails(&["create", "--replace", "app", "true"], 125);
        assert!(e.contains("without --name"), "{e}");
        // A running one is killed first.
        let mut child = run_in_background(&env, "y", &["app", "sleep", "100"]);
        assert_eq!(
            out(
                &env,
                &["run", "--replace", "--name", "y", "app", "echo", "replaced"]
            ),
            "replaced"
        );
        assert_eq!(child.wait().unwrap().code(), Some(137));
        assert_eq!(
            out(
                &env,
                &[
                    "ps",
                    "-a",
                    "--format",
                    "{{.Names}} {{.Command}}",
                    "--filter",
                    "name=^y$"
                ]
            ),
            "y echo replaced"
        );
    }
}
