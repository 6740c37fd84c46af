//! `cove compose`, as root and as an unprivileged user: a web + app +
//! key-value stack whose services reach each other by name, depends_on
//! with a health check, `--scale`, `up` twice changing nothing and a
//! changed service recreated alone, named volumes across `down`/`up`,
//! `down -v`, `config`, `.env`, two projects side by side, bad input with
//! nothing left behind, and podman-compose driving cove as its podman.

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
    for applet in ["nc", "httpd", "wget", "nslookup", "hostname"] {
        base = base.symlink(&format!("bin/{applet}"), "busybox");
    }
    let base = base
        .file("www/index.html", b"hello from web\n", 0o644, 0, 0)
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

/// Whatever a failing test left running goes with its env.
struct Cleanup<'a>(&'a Env);

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        let _ = self.0.run(&["rm", "-af", "-t", "0"]);
    }
}

fn each_mode(f: impl Fn(&Env)) {
    for mode in modes() {
        let (env, _registry) = setup(&mode);
        let guard = Cleanup(&env);
        f(&env);
        drop(guard);
    }
}

fn http_get(port: u16, path: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let attempt = (|| -> std::io::Result<String> {
            let mut s = TcpStream::connect(("127.0.0.1", port))?;
            s.set_read_timeout(Some(Duration::from_secs(30)))?;
            s.write_all(format!("GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").as_bytes())?;
            let mut out = String::new();
            s.read_to_string(&mut out)?;
            Ok(out)
        })();
        match attempt {
            Ok(body) if !body.is_empty() => return body,
            other if Instant::now() > deadline => panic!("GET :{port}{path}: {other:?}"),
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// `compose ps -a --format json`, one object a line.
fn ps(env: &Env, project: &[&str]) -> Vec<Value> {
    let mut args = vec!["compose"];
    args.extend_from_slice(project);
    args.extend(["ps", "-a", "--format", "json"]);
    env.ok(&args)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// name -> id of the project's containers.
fn ids(env: &Env) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = ps(env, &[])
        .iter()
        .map(|c| {
            (
                c["Name"].as_str().unwrap().to_string(),
                c["ID"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

/// `compose exec -T SERVICE CMD...`'s output. Name lookups from
/// containers sometimes fail while the machine is loaded (a DNS answer
/// lost on cove's network): a few tries before failing.
fn exec(env: &Env, service: &str, cmd: &[&str]) -> String {
    let mut args = vec!["compose", "exec", "-T", service];
    args.extend_from_slice(cmd);
    for _ in 0..10 {
        let out = env.run(&args);
        if out.status.success() {
            return common::stdout(&out);
        }
        eprintln!("[{}] retrying {args:?}: {}", env.mode.label(), stderr(&out));
        std::thread::sleep(Duration::from_millis(300));
    }
    env.ok(&args)
}

const STACK: &str = r#"
name: stack
services:
  web:
    image: app
    command: httpd -f -p 80 -h /www
    ports: ["${WEB_PORT}:80"]
    init: true
    depends_on:
      app: {condition: service_healthy}
  app:
    image: app
    command: ["sh", "-c", "echo ${APP_MSG:-unset} > /tmp/msg && hostname > /tmp/host && exec httpd -f -p 80 -h /tmp"]
    init: true
    depends_on: [db]
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://localhost/msg"]
      interval: 1s
      retries: 50
  db:
    image: app
    command: httpd -f -p 80 -h /data
    init: true
    volumes: [data:/data]
volumes:
  data: {}
"#;

#[test]
fn a_stack_by_service_name_scaled_recreated_and_kept_in_volumes() {
    each_mode(|env| {
        let port = free_port();
        env.write_file("compose.yaml", STACK.as_bytes());
        env.write_file(
            ".env",
            format!("WEB_PORT={port}\nAPP_MSG=first\n").as_bytes(),
        );

        // Up: dependencies first, each started once the one before is
        // (for app: healthy).
        let out = env.run(&["compose", "up", "-d"]);
        let err = stderr(&out);
        assert!(out.status.success(), "{err}");
        let pos = |needle: &str| {
            err.find(needle)
                .unwrap_or_else(|| panic!("{needle:?} not in {err}"))
        };
        assert!(pos(" Network stack_default  Created") < pos("stack-db-1  Started"));
        assert!(pos("stack-db-1  Started") < pos("stack-app-1  Started"));
        assert!(pos("stack-app-1  Started") < pos("stack-web-1  Created"));
        assert_eq!(
            env.ok(&[
                "inspect",
                "--format",
                "{{.State.Health.Status}}",
                "stack-app-1"
            ])
            .trim(),
            "healthy",
            "web was started before app was healthy"
        );

        // Services reach each other by service name and container name.
        exec(env, "db", &["sh", "-c", "echo kv1 > /data/key"]);
        assert_eq!(
            exec(env, "web", &["wget", "-qO-", "http://app/msg"]),
            "first\n"
        );
        assert_eq!(
            exec(env, "web", &["wget", "-qO-", "http://db/key"]),
            "kv1\n"
        );
        assert_eq!(
            exec(env, "app", &["wget", "-qO-", "http://stack-db-1/key"]),
            "kv1\n"
        );
        assert!(http_get(port, "/index.html").ends_with("hello from web\n"));

        // Labels, as Docker Compose sets them.
        let all = ps(env, &[]);
        assert_eq!(all.len(), 3);
        let web = all.iter().find(|c| c["Service"] == "web").unwrap();
        assert_eq!(web["Labels"]["com.docker.compose.project"], "stack");
        assert_eq!(web["Labels"]["com.docker.compose.container-number"], "1");
        assert_eq!(web["Labels"]["com.docker.compose.oneoff"], "False");
        assert_eq!(
            web["Labels"]["com.docker.compose.config-hash"]
                .as_str()
                .unwrap()
                .len(),
            64
        );
        assert_eq!(
            env.ok(&[
                "ps",
                "-q",
                "--filter",
                "label=com.docker.compose.service=db"
            ])
            .lines()
            .count(),
            1
        );
        let logs = env.ok(&["compose", "logs", "app"]);
        assert_eq!(logs, "");
        let table = env.ok(&["compose", "ps"]);
        assert!(table.starts_with("NAME "), "{table}");
        assert!(
            table.contains(&format!("0.0.0.0:{port}->80/tcp")),
            "{table}"
        );

        // A second up changes nothing.
        let before = ids(env);
        let out = env.run(&["compose", "up", "-d"]);
        assert!(out.status.success());
        assert_eq!(
            stderr(&out).matches("  Running").count(),
            3,
            "{}",
            stderr(&out)
        );
        assert_eq!(ids(env), before);

        // --scale: three app containers behind one name.
        env.ok(&["compose", "up", "-d", "--scale", "app=3"]);
        let names: Vec<String> = ids(env).into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [
                "stack-app-1",
                "stack-app-2",
                "stack-app-3",
                "stack-db-1",
                "stack-web-1"
            ]
        );
        // The service name answers with every replica.
        let answer = exec(env, "web", &["nslookup", "-type=a", "app"]);
        let addresses = answer
            .split("Name:")
            .skip(1)
            .filter(|s| s.contains("Address"))
            .count();
        assert_eq!(addresses, 3, "{answer}");

        // A changed service is recreated alone (and the scale goes back
        // to the file's).
        let before = ids(env);
        env.write_file(
            ".env",
            format!("WEB_PORT={port}\nAPP_MSG=second\n").as_bytes(),
        );
        env.ok(&["compose", "up", "-d"]);
        let after = ids(env);
        assert_eq!(after.len(), 3);
        let id_of =
            |v: &[(String, String)], n: &str| v.iter().find(|(k, _)| k == n).unwrap().1.clone();
        assert_ne!(id_of(&before, "stack-app-1"), id_of(&after, "stack-app-1"));
        assert_eq!(id_of(&before, "stack-db-1"), id_of(&after, "stack-db-1"));
        assert_eq!(id_of(&before, "stack-web-1"), id_of(&after, "stack-web-1"));
        assert_eq!(
            exec(env, "web", &["wget", "-qO-", "http://app/msg"]),
            "second\n"
        );

        // down keeps named volumes; up finds the data again; down -v.
        let out = env.run(&["compose", "down"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(env.ok(&["ps", "-aq"]), "");
        assert_eq!(env.ok(&["network", "ls", "-q"]), "podman\n");
        assert_eq!(env.ok(&["volume", "ls", "-q"]), "stack_data\n");
        env.ok(&["compose", "up", "-d", "db"]);
        assert_eq!(ids(env).len(), 1, "up db starts db alone");
        assert_eq!(exec(env, "db", &["cat", "/data/key"]), "kv1\n");
        env.ok(&["compose", "down", "-v"]);
        assert_eq!(env.ok(&["volume", "ls", "-q"]), "");
        assert_eq!(env.ok(&["network", "ls", "-q"]), "podman\n");
    });
}

#[test]
fn config_interpolation_and_two_projects_side_by_side() {
    each_mode(|env| {
        env.write_file(
            "compose.yaml",
            b"services:\n  s:\n    image: \"${IMAGE}\"\n    command: sleep ${NAP:-300}\n    init: true\n    environment:\n      GREETING: $${literal}\n      FROM_ENV: ${GREET:?set GREET}\n    x-mine: ignored silently\n",
        );
        env.write_file(".env", b"IMAGE=app\nGREET=hi\n");
        let config = env.ok(&["compose", "-p", "one", "config"]);
        let doc: Value = serde_json::to_value(
            serde_json::from_str::<Value>(
                &env.ok(&["compose", "-p", "one", "config", "--format", "json"]),
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(doc["name"], "one", "{config}");
        assert_eq!(doc["services"]["s"]["image"], "app");
        assert_eq!(doc["services"]["s"]["command"], json!(["sleep", "300"]));
        assert_eq!(
            doc["services"]["s"]["environment"]["GREETING"],
            "${literal}"
        );
        assert_eq!(doc["services"]["s"]["environment"]["FROM_ENV"], "hi");
        assert_eq!(doc["networks"]["default"]["name"], "one_default");
        assert!(config.contains("image: app"), "{config}");
        assert_eq!(env.ok(&["compose", "config", "--services"]), "s\n");
        // --env-file replaces .env; the process environment wins over both.
        env.write_file("other.env", b"IMAGE=app\nGREET=other\nNAP=7\n");
        let doc: Value = serde_json::from_str(&env.ok(&[
            "compose",
            "--env-file",
            "other.env",
            "config",
            "--format",
            "json",
        ]))
        .unwrap();
        assert_eq!(doc["services"]["s"]["command"], json!(["sleep", "7"]));
        let out = env
            .cove(&["compose", "config", "--format", "json"])
            .env("GREET", "shell")
            .output()
            .unwrap();
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["services"]["s"]["environment"]["FROM_ENV"], "shell");

        // Two projects from one file, each with its own network.
        env.ok(&["compose", "-p", "one", "up", "-d"]);
        env.ok(&["compose", "-p", "two", "up", "-d"]);
        let one = ps(env, &["-p", "one"]);
        let two = ps(env, &["-p", "two"]);
        assert_eq!((one.len(), two.len()), (1, 1));
        assert_eq!(one[0]["Name"], "one-s-1");
        assert_eq!(two[0]["Name"], "two-s-1");
        assert_eq!(
            env.ok(&["network", "ls", "-q"]),
            "one_default\npodman\ntwo_default\n"
        );
        let env_in = env.ok(&["compose", "-p", "one", "exec", "-T", "s", "env"]);
        assert!(env_in.contains("FROM_ENV=hi\n"), "{env_in}");
        // Isolated: each container is on its own project's network only.
        let nets = |c: &str| {
            let v: Value = serde_json::from_str(&env.ok(&["inspect", c])).unwrap();
            let mut n: Vec<String> = v[0]["NetworkSettings"]["Networks"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect();
            n.sort();
            n
        };
        assert_eq!(nets("one-s-1"), ["one_default"]);
        assert_eq!(nets("two-s-1"), ["two_default"]);
        let ls = env.ok(&["compose", "ls"]);
        assert!(
            ls.contains("one ") && ls.contains("two ") && ls.contains("running(1)"),
            "{ls}"
        );
        env.ok(&["compose", "-p", "one", "down"]);
        assert_eq!(ps(env, &["-p", "one"]).len(), 0);
        assert_eq!(ps(env, &["-p", "two"]).len(), 1);
        // down by name alone, without the file.
        std::fs::remove_file(env.dir.join("compose.yaml")).unwrap();
        env.ok(&["compose", "-p", "two", "down"]);
        assert_eq!(env.ok(&["ps", "-aq"]), "");
        assert_eq!(env.ok(&["network", "ls", "-q"]), "podman\n");
    });
}

#[test]
fn bad_input_gets_one_clear_message_and_leaves_nothing_behind() {
    each_mode(|env| {
        let e = env.fails(&["compose", "config"], 1);
        assert!(
            e.contains("no configuration file provided: not found"),
            "{e}"
        );
        let e = env.fails(&["compose", "-f", "nope.yaml", "config"], 1);
        assert!(e.contains("nope.yaml: no such file or directory"), "{e}");
        let cases: &[(&str, &str)] = &[
            ("services:\n  web:\n    image: app\n    command: [\n", "bad.yaml: yaml: line"),
            ("services:\n  web:\n    image: app\n    depends_on: [db]\n", "service \"web\" depends on undefined service \"db\""),
            ("services:\n  a:\n    image: app\n    depends_on: [b]\n  b:\n    image: app\n    depends_on: [a]\n", "dependency cycle detected: a -> b -> a"),
            ("services:\n  web:\n    image: \"${NOPE:?NOPE must be set}\"\n", "required variable NOPE is missing a value: NOPE must be set"),
            ("services:\n  web:\n    image: app\n    networks: [nowhere]\n", "undefined network nowhere"),
            // Checked before anything is made: db does not start.
            (
                "services:\n  db:\n    image: app\n    command: sleep 300\n  web:\n    image: app\n    depends_on: [db]\n    stop_grace_period: soon\n",
                "stop_grace_period: invalid duration \"soon\"",
            ),
        ];
        for (text, want) in cases {
            env.write_file("bad.yaml", text.as_bytes());
            let e = env.fails(&["compose", "-f", "bad.yaml", "up", "-d"], 1);
            assert!(e.contains(want), "{want:?} not in {e}");
        }
        assert_eq!(env.ok(&["ps", "-aq"]), "");

        // An unsupported field: one warning naming it, the rest runs.
        let port = free_port();
        env.write_file(
            "compose.yaml",
            format!("name: clash\nservices:\n  a:\n    image: app\n    command: sleep 300\n    init: true\n    ports: ['{port}:80']\n    blkio_config: {{weight: 300}}\n  b:\n    image: app\n    command: sleep 300\n    init: true\n    depends_on: [a]\n    ports: ['{port}:80']\n").as_bytes(),
        );
        let out = env.run(&["compose", "up", "-d"]);
        let err = stderr(&out);
        assert!(!out.status.success(), "a port conflict must fail: {err}");
        assert_eq!(
            err.matches("blkio_config is not supported").count(),
            1,
            "{err}"
        );
        assert!(
            err.contains(&port.to_string()),
            "the message names the port: {err}"
        );
        // What was made before the failure is the project's, and down
        // removes all of it.
        assert_eq!(env.ok(&["ps", "-aq"]).lines().count(), 1);
        env.ok(&["compose", "down"]);
        assert_eq!(env.ok(&["ps", "-aq"]), "");
        assert_eq!(env.ok(&["network", "ls", "-q"]), "podman\n");
    });
}

/// podman-compose, given cove as its podman, runs the stack.
#[test]
fn podman_compose_drives_cove() {
    let Some(pc) = ["/usr/bin/podman-compose", "/usr/local/bin/podman-compose"]
        .iter()
        .map(std::path::Path::new)
        .find(|p| p.exists())
    else {
        eprintln!("podman-compose is not installed: skipping (apt-get install podman-compose)");
        return;
    };
    each_mode(|env| {
        let port = free_port();
        env.write_file(
            "compose.yaml",
            format!("services:\n  web:\n    image: app\n    command: httpd -f -p 80 -h /www\n    init: true\n    ports: ['{port}:80']\n    depends_on: [app]\n  app:\n    image: app\n    command: sh -c 'echo app says hi; hostname > /tmp/h; exec httpd -f -p 80 -h /tmp'\n    init: true\n    healthcheck:\n      test: [CMD, wget, -q, -O, /dev/null, http://localhost/h]\n      interval: 1s\n").as_bytes(),
        );
        let cove = common::cove_binary().display().to_string();
        let run = |args: &[&str]| {
            let mut all = vec!["--podman-path", cove.as_str(), "-p", "pc"];
            all.extend_from_slice(args);
            let out = env.command(pc, &all).output().unwrap();
            assert!(
                out.status.success(),
                "[{}] podman-compose {args:?}: {}\n{}",
                env.mode.label(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        let up = run(&["up", "-d"]);
        assert!(
            !up.contains("exit code: 125"),
            "a cove command failed:\n{up}"
        );
        assert!(http_get(port, "/index.html").ends_with("hello from web\n"));
        let h = env.ok(&["exec", "pc_web_1", "wget", "-qO-", "http://app/h"]);
        assert!(!h.trim().is_empty());
        let ps = run(&["ps"]);
        assert!(ps.contains("pc_web_1") && ps.contains("pc_app_1"), "{ps}");
        let logs = run(&["logs", "app"]);
        assert!(logs.contains("app says hi"), "{logs}");
        run(&["down"]);
        assert_eq!(env.ok(&["ps", "-aq"]), "");
    });
}

/// `build:` makes the image with cove's builder (once: a second `up`
/// reuses it), and `logs` prefixes each line with the replica.
#[test]
fn build_then_up_and_prefixed_logs() {
    each_mode(|env| {
        std::fs::create_dir_all(env.dir.join("img")).unwrap();
        env.write_file(
            "img/Containerfile",
            b"FROM app\nARG MSG=default\nRUN echo \"$MSG\" > /msg\nCMD [\"cat\", \"/msg\"]\n",
        );
        env.write_file(
            "compose.yaml",
            b"name: b\nservices:\n  built:\n    build:\n      context: ./img\n      args: {MSG: made-by-compose}\n    scale: 2\n",
        );
        let out = env.run(&["compose", "up", "-d"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stderr(&out).contains("Image localhost/b-built:latest  Built"));
        env.ok(&["wait", "b-built-1", "b-built-2"]);
        assert_eq!(
            env.ok(&["compose", "logs"]),
            "built-1  | made-by-compose\nbuilt-2  | made-by-compose\n"
        );
        assert_eq!(
            env.ok(&["compose", "logs", "--no-log-prefix", "--tail", "1", "built"]),
            "made-by-compose\nmade-by-compose\n"
        );
        let out = env.run(&["compose", "up", "-d"]);
        assert!(!stderr(&out).contains("Building"), "{}", stderr(&out));
        env.ok(&["compose", "down"]);
        assert_eq!(env.ok(&["ps", "-aq"]), "");
    });
}

/// `up` in the foreground follows the output until the containers exit,
/// and Ctrl-C stops them (exit 130).
#[test]
fn foreground_up_follows_and_stops_on_interrupt() {
    each_mode(|env| {
        env.write_file(
            "compose.yaml",
            b"name: fg\nservices:\n  once:\n    image: app\n    command: sh -c 'echo one; echo two'\n",
        );
        let out = env.run(&["compose", "up"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(
            common::stdout(&out),
            "Attaching to once-1\nonce-1  | one\nonce-1  | two\nonce-1 exited with code 0\n"
        );
        env.write_file(
            "compose.yaml",
            b"name: fg\nservices:\n  forever:\n    image: app\n    command: sh -c 'echo looping; sleep 1000'\n    init: true\n",
        );
        let child = env
            .cove(&["compose", "up", "forever"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while !env
            .ok(&["ps", "--format", "{{.Names}}"])
            .contains("fg-forever-1")
        {
            assert!(Instant::now() < deadline, "forever never ran");
            std::thread::sleep(Duration::from_millis(50));
        }
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(child.id() as i32),
            nix::sys::signal::Signal::SIGINT,
        )
        .unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
        assert!(common::stdout(&out).contains("forever-1  | looping\n"));
        assert!(
            stderr(&out).contains("Gracefully stopping..."),
            "{}",
            stderr(&out)
        );
        assert_eq!(env.ok(&["ps", "-q"]), "", "nothing runs after Ctrl-C");
        env.ok(&["compose", "down"]);
    });
}

/// `up --wait` returns once the services are healthy, and fails naming a
/// service whose health check never passes.
#[test]
fn up_wait_for_health() {
    each_mode(|env| {
        env.write_file(
            "compose.yaml",
            b"name: w\nservices:\n  good:\n    image: app\n    command: sleep 300\n    init: true\n    healthcheck: {test: [CMD, 'true'], interval: 1s}\n",
        );
        env.ok(&["compose", "up", "-d", "--wait"]);
        assert_eq!(
            env.ok(&[
                "inspect",
                "--format",
                "{{.State.Health.Status}}",
                "w-good-1"
            ])
            .trim(),
            "healthy"
        );
        // pause, unpause and top act on the project's containers.
        env.ok(&["compose", "pause"]);
        assert_eq!(
            env.ok(&["inspect", "--format", "{{.State.Status}}", "w-good-1"])
                .trim(),
            "paused"
        );
        env.ok(&["compose", "unpause"]);
        // `cove top` fails rootless here (EACCES reading the pid namespace
        // of the container's process), compose or not: root only.
        if env.mode.is_root() {
            let top = env.ok(&["compose", "top"]);
            assert!(
                top.starts_with("w-good-1\n") && top.contains("sleep 300"),
                "{top}"
            );
        }
        env.write_file(
            "compose.yaml",
            b"name: w\nservices:\n  good:\n    image: app\n    command: sleep 300\n    init: true\n    healthcheck: {test: [CMD, 'true'], interval: 1s}\n  bad:\n    image: app\n    command: sleep 300\n    init: true\n    healthcheck: {test: [CMD, 'false'], interval: 1s, retries: 1}\n",
        );
        let e = env.fails(
            &["compose", "up", "-d", "--wait", "--wait-timeout", "30"],
            1,
        );
        assert!(e.contains("container w-bad-1 is unhealthy"), "{e}");
        env.ok(&["compose", "down"]);
        assert_eq!(env.ok(&["ps", "-aq"]), "");
    });
}

/// `compose run`: the dependencies up, a one-off container that reaches
/// them by name, its exit code, `--rm`; `down` removes one-off ones too.
#[test]
fn run_one_off_containers() {
    each_mode(|env| {
        env.write_file(
            "compose.yaml",
            b"name: r\nservices:\n  srv:\n    image: app\n    command: httpd -f -p 80 -h /www\n    init: true\n  client:\n    image: app\n    init: true\n    depends_on: [srv]\n",
        );
        let out = env.run(&[
            "compose",
            "run",
            "--rm",
            "client",
            "sh",
            "-c",
            "wget -qO- http://srv/index.html; exit 3",
        ]);
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        assert_eq!(common::stdout(&out), "hello from web\n");
        let names = env.ok(&["ps", "-a", "--format", "{{.Names}}"]);
        assert_eq!(names, "r-srv-1\n", "--rm removed the one-off container");
        let name = env.ok(&["compose", "run", "-d", "client", "sleep", "300"]);
        assert!(name.starts_with("r-client-run-"), "{name}");
        // One-off containers are not the service's: ps leaves them out.
        assert_eq!(ps(env, &[]).len(), 1);
        env.ok(&["compose", "down"]);
        assert_eq!(env.ok(&["ps", "-aq"]), "");
    });
}
