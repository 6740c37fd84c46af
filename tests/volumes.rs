//! Named volumes: create, ls, inspect, exists, rm and prune, their output
//! and exit codes, as root and as an unprivileged user.

mod common;

use common::{modes, stderr, stdout, Env, Mode};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::PathBuf;

fn mountpoint(env: &Env, name: &str) -> PathBuf {
    env.store_root().join("volumes").join(name).join("_data")
}

/// A container as the runtime will leave it: an OCI config naming the
/// volume's `_data` as a mount source.
fn fake_container(env: &Env, id: &str, volume: &str) {
    let dir = env.store_root().join("containers").join(id);
    std::fs::create_dir_all(&dir).unwrap();
    let spec = serde_json::json!({
        "ociVersion": "1.0.2",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/data", "type": "bind", "source": mountpoint(env, volume), "options": ["rbind"]},
        ],
    });
    std::fs::write(dir.join("config.json"), spec.to_string()).unwrap();
}

fn sorted_lines(s: &str) -> Vec<String> {
    let mut v: Vec<String> = s.lines().map(str::to_string).collect();
    v.sort();
    v
}

/// What is in volumes/ besides the lock file (no staging leftovers).
fn volume_dirs(env: &Env) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(env.store_root().join("volumes"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".lock")
        .collect();
    v.sort();
    v
}

fn uid_of(mode: &Mode) -> u32 {
    match mode {
        Mode::User { uid, .. } => *uid,
        _ => nix::unistd::geteuid().as_raw(),
    }
}

#[test]
fn create_list_inspect_exists() {
    for mode in modes() {
        let env = Env::new(&mode);
        let out = env.ok(&[
            "volume",
            "create",
            "-l",
            "app=web",
            "--label",
            "tier",
            "-o",
            "type=tmpfs",
            "data",
        ]);
        assert_eq!(out, "data\n");
        let anon = env.ok(&["volume", "create"]).trim().to_string();
        assert_eq!(anon.len(), 64, "{anon}");
        assert!(anon.chars().all(|c| c.is_ascii_hexdigit()));

        // Taken and invalid names, unknown drivers.
        let err = env.fails(&["volume", "create", "data"], 125);
        assert_eq!(
            err.trim(),
            "Error: volume with name data already exists: volume already exists"
        );
        assert_eq!(env.ok(&["volume", "create", "--ignore", "data"]), "data\n");
        for bad in ["a/b", ".hidden", "x y"] {
            let err = env.fails(&["volume", "create", bad], 125);
            assert_eq!(
                err.trim(),
                "Error: running volume create option: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument"
            );
        }
        let err = env.fails(&["volume", "create", "--driver", "nfs", "x"], 125);
        assert!(err.contains("nfs"), "{err}");

        // Layout and ownership: the user owns what it created.
        let mp = mountpoint(&env, "data");
        let meta = std::fs::metadata(&mp).unwrap();
        assert_eq!(meta.permissions().mode() & 0o7777, 0o755);
        assert_eq!(meta.uid(), uid_of(&mode));
        let parent = std::fs::metadata(mp.parent().unwrap()).unwrap();
        assert_eq!(parent.permissions().mode() & 0o7777, 0o700);
        assert!(mp.parent().unwrap().join("volume.json").is_file());

        // ls: table, quiet, templates, filters, json.
        let table = env.ok(&["volume", "ls"]);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[0], "DRIVER      VOLUME NAME", "{table}");
        assert_eq!(
            sorted_lines(&lines[1..].join("\n")),
            sorted_lines(&format!("local       data\nlocal       {anon}"))
        );
        assert_eq!(env.ok(&["volume", "ls", "--noheading"]).lines().count(), 2);
        assert_eq!(
            sorted_lines(&env.ok(&["volume", "ls", "-q"])),
            sorted_lines(&format!("data\n{anon}"))
        );
        assert_eq!(
            env.ok(&[
                "volume",
                "ls",
                "--filter",
                "name=^da",
                "--format",
                "{{.Name}} {{.Driver}} {{.Scope}} {{.Labels}}"
            ]),
            "data local local map[app:web tier:]\n"
        );
        assert_eq!(
            env.ok(&["volume", "ls", "-q", "--filter", "label=app=web"]),
            "data\n"
        );
        assert_eq!(
            env.ok(&[
                "volume",
                "ls",
                "-q",
                "--filter",
                "label=tier",
                "-f",
                "opt=type=tmpfs"
            ]),
            "data\n"
        );
        assert_eq!(
            env.ok(&["volume", "ls", "-q", "--filter", "dangling=true"])
                .lines()
                .count(),
            2
        );
        assert_eq!(
            env.ok(&["volume", "ls", "--filter", "dangling=false"]),
            "",
            "an empty list prints nothing, not even the header"
        );
        let table_fmt = env.ok(&[
            "volume",
            "ls",
            "--filter",
            "name=data",
            "--format",
            "table {{.Name}}\t{{.Mountpoint}}",
        ]);
        assert_eq!(
            table_fmt
                .lines()
                .next()
                .unwrap()
                .split_whitespace()
                .collect::<Vec<_>>(),
            ["VOLUME", "NAME", "MOUNTPOINT"]
        );
        assert!(table_fmt.contains(mp.to_str().unwrap()), "{table_fmt}");
        let json: serde_json::Value =
            serde_json::from_str(&env.ok(&["volume", "ls", "--format", "json"])).unwrap();
        assert_eq!(json.as_array().unwrap().len(), 2);
        let none = env.ok(&["volume", "ls", "--format", "json", "--filter", "name=zzz"]);
        assert_eq!(none.trim(), "[]");
        let err = env.fails(&["volume", "ls", "-q", "--format", "{{.Name}}"], 125);
        assert!(err.contains("quiet and format flags cannot be used together"));
        let err = env.fails(&["volume", "ls", "--filter", "bogus=1"], 125);
        assert!(
            err.contains("\"bogus\" is an invalid volume filter"),
            "{err}"
        );
        let err = env.fails(&["volume", "ls", "--filter", "dangling=maybe"], 125);
        assert!(err.contains("dangling"), "{err}");

        // inspect: Podman's document, templates, --all, partial names.
        let doc: serde_json::Value =
            serde_json::from_str(&env.ok(&["volume", "inspect", "data"])).unwrap();
        let v = &doc[0];
        assert_eq!(v["Name"], "data");
        assert_eq!(v["Driver"], "local");
        assert_eq!(v["Scope"], "local");
        assert_eq!(v["Mountpoint"], mp.to_str().unwrap());
        assert_eq!(v["Labels"], serde_json::json!({"app": "web", "tier": ""}));
        assert_eq!(v["Options"], serde_json::json!({"type": "tmpfs"}));
        assert_eq!(v["MountCount"], 0);
        assert_eq!(v["NeedsCopyUp"], true);
        assert!(
            chrono::DateTime::parse_from_rfc3339(v["CreatedAt"].as_str().unwrap()).is_ok(),
            "{v}"
        );
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert!(
            !keys.iter().any(|k| *k == "Anonymous"),
            "omitted when false"
        );
        let fmt = env.ok(&[
            "volume",
            "inspect",
            "--format",
            "{{.Driver}} {{.Scope}} {{.MountCount}} {{.NeedsChown}} {{.Mountpoint}}",
            "dat",
        ]);
        assert_eq!(fmt.trim(), format!("local local 0 false {}", mp.display()));
        let all: serde_json::Value =
            serde_json::from_str(&env.ok(&["volume", "inspect", "--all"])).unwrap();
        assert_eq!(all.as_array().unwrap().len(), 2);
        let out = env.run(&["volume", "inspect", "nope"]);
        assert_eq!(out.status.code(), Some(125));
        assert_eq!(stdout(&out).trim(), "[]");
        assert_eq!(stderr(&out).trim(), "Error: no such volume nope");
        let out = env.run(&["volume", "inspect", "data", "nope"]);
        assert_eq!(out.status.code(), Some(125));
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&stdout(&out)).unwrap()[0]["Name"],
            "data"
        );
        env.fails(&["volume", "inspect"], 125);
        env.fails(&["volume", "inspect", "--all", "data"], 125);

        // exists: the exit code is the answer.
        let out = env.run(&["volume", "exists", "data"]);
        assert_eq!(out.status.code(), Some(0));
        let out = env.run(&["volume", "exists", "nope"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(out.stdout.is_empty() && out.stderr.is_empty());
        assert_eq!(env.run(&["volume", "exists", "dat"]).status.code(), Some(1));
    }
}

#[test]
fn rm_deletes_data_and_refuses_volumes_in_use() {
    for mode in modes() {
        let env = Env::new(&mode);
        for v in ["v1", "v2", "v3", "v4"] {
            env.ok(&["volume", "create", v]);
        }
        // Files as a container leaves them: owned by ids other than the
        // user's, one directory unwritable.
        let mp = mountpoint(&env, "v1");
        env.unshare_sh(&format!(
            "cd {} && echo hi > f && mkdir -p d/e && echo x > d/e/g && chown -R 1000:1000 d && chmod 0500 d/e",
            mp.display()
        ));
        assert!(mp.join("d/e/g").exists());
        assert_eq!(env.ok(&["volume", "rm", "v1"]), "v1\n");
        assert!(!mp.parent().unwrap().exists());
        assert_eq!(env.run(&["volume", "exists", "v1"]).status.code(), Some(1));

        fake_container(&env, "c0ffee", "v2");
        let err = env.fails(&["volume", "rm", "v2"], 2);
        assert_eq!(
            err.trim(),
            "Error: volume v2 is being used by the following container(s): c0ffee: volume is being used"
        );
        let err = env.fails(&["volume", "rm", "-f", "v2"], 2);
        assert!(err.contains("c0ffee") && err.contains("cove rm"), "{err}");
        assert!(mountpoint(&env, "v2").is_dir());
        let dangling = env.ok(&["volume", "ls", "-q", "--filter", "dangling=false"]);
        assert_eq!(dangling, "v2\n");

        let err = env.fails(&["volume", "rm", "nope"], 1);
        assert_eq!(
            err.trim(),
            "Error: no volume with name \"nope\" found: no such volume"
        );
        assert_eq!(env.ok(&["volume", "rm", "-f", "nope"]), "");
        // One missing, one removed: the others still go, exit 1.
        let out = env.run(&["volume", "rm", "nope", "v3"]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert_eq!(stdout(&out), "v3\n");
        // Missing and in use: Podman's last classified error wins.
        let out = env.run(&["volume", "rm", "nope", "v2"]);
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(stderr(&out).lines().count(), 2, "{}", stderr(&out));

        env.fails(&["volume", "rm"], 125);
        let err = env.fails(&["volume", "rm", "--all", "v2"], 125);
        assert!(err.contains("choose either one or more volumes or all"));
        // --all removes what it can and reports the rest.
        let out = env.run(&["volume", "rm", "--all"]);
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(stdout(&out), "v4\n");
        std::fs::remove_dir_all(env.store_root().join("containers")).unwrap();
        assert_eq!(env.ok(&["volume", "rm", "--all"]), "v2\n");
        assert_eq!(volume_dirs(&env), Vec::<String>::new());
        assert_eq!(env.ok(&["volume", "ls"]), "");
    }
}

#[test]
fn prune_asks_and_keeps_used_and_filtered_volumes() {
    for mode in modes() {
        let env = Env::new(&mode);
        env.ok(&["volume", "create", "a"]);
        env.ok(&["volume", "create", "--label", "keep=yes", "b"]);
        env.ok(&["volume", "create", "c"]);
        std::fs::write(mountpoint(&env, "a").join("f"), b"data").unwrap();
        fake_container(&env, "ctr1", "c");

        // No -f: the question; end of input or "n" removes nothing.
        for input in [&b""[..], b"n\n", b"\n"] {
            let out = env.run_with_stdin(&["volume", "prune"], input);
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            let text = stdout(&out);
            assert!(
                text.starts_with("WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:\na\nb\nAre you sure you want to continue? [y/N] "),
                "{text}"
            );
            assert_eq!(env.ok(&["volume", "ls", "-q"]).lines().count(), 3);
        }
        let out = env.run_with_stdin(&["volume", "prune", "--filter", "label!=keep"], b"y\n");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stdout(&out).ends_with("[y/N] a\n"), "{}", stdout(&out));
        assert_eq!(env.ok(&["volume", "ls", "-q"]), "b\nc\n");

        let err = env.fails(&["volume", "prune", "-f", "--filter", "name=b"], 125);
        assert!(
            err.contains("\"name\" is an invalid volume filter"),
            "{err}"
        );
        assert_eq!(
            env.ok(&["volume", "prune", "-f", "--filter", "label=nothing"]),
            ""
        );
        assert_eq!(env.ok(&["volume", "prune", "-f"]), "b\n");
        assert_eq!(env.ok(&["volume", "prune", "-f"]), "");
        let out = env.run_with_stdin(&["volume", "prune"], b"y\n");
        assert_eq!(
            stdout(&out),
            "WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:\nNo dangling volumes found\n"
        );
        assert_eq!(env.ok(&["volume", "ls", "-q"]), "c\n");
        assert_eq!(volume_dirs(&env), vec!["c".to_string()]);
    }
}

#[test]
fn concurrent_creates_have_one_winner() {
    for mode in modes() {
        let env = Env::new(&mode);
        let children: Vec<_> = (0..6)
            .map(|_| {
                env.cove(&["volume", "create", "same"])
                    .stdin(std::process::Stdio::null())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let outs: Vec<_> = children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        let winners = outs.iter().filter(|o| o.status.success()).count();
        assert_eq!(winners, 1);
        for o in outs.iter().filter(|o| !o.status.success()) {
            assert_eq!(o.status.code(), Some(125));
            assert!(stderr(o).contains("already exists"), "{}", stderr(o));
        }
        assert_eq!(volume_dirs(&env), vec!["same".to_string()]);
    }
}

#[test]
fn corrupt_metadata_is_reported_and_skipped() {
    for mode in modes() {
        let env = Env::new(&mode);
        env.ok(&["volume", "create", "good"]);
        env.ok(&["volume", "create", "bad"]);
        let meta = env.store_root().join("volumes/bad/volume.json");
        std::fs::write(&meta, b"{\"Name\": tru").unwrap();
        let out = env.run(&["volume", "ls", "-q"]);
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(stdout(&out), "good\n");
        assert!(
            stderr(&out).contains("skipping volume bad"),
            "{}",
            stderr(&out)
        );
        let err = env.fails(&["volume", "inspect", "bad"], 125);
        assert!(err.contains("corrupt metadata"), "{err}");
        assert_eq!(env.run(&["volume", "exists", "bad"]).status.code(), Some(0));
        assert_eq!(env.ok(&["volume", "rm", "bad"]), "bad\n");
        assert_eq!(volume_dirs(&env), vec!["good".to_string()]);
    }
}
