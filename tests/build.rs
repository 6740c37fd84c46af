//! `cove build`, as root and as an unprivileged user: multi-stage builds
//! with COPY --from, --target, build args, heredocs, the instructions in
//! `image inspect`, the step cache (unchanged, touched, changed, and
//! --no-cache), ignore files with exceptions, `-f -`, `-q`, failures, and
//! running the result.

mod common;

use common::fixtures::{push, Compression, Image, Layer, TarBuilder};
use common::registry::Registry;
use common::{modes, stderr, stdout, Env};
use serde_json::json;
use std::path::{Path, PathBuf};

fn base_image() -> Image {
    let tar = TarBuilder::new()
        .busybox_full()
        .symlink("bin/cp", "busybox")
        .finish();
    Image::for_platform(
        vec![Layer::new(tar, Compression::Gzip)],
        false,
        "amd64",
        None,
        json!({"Cmd": ["sh"], "Env": ["PATH=/bin"]}),
    )
}

fn setup(mode: &common::Mode) -> (Env, Registry) {
    let registry = Registry::start();
    push(&registry, "base", "latest", &base_image());
    let env = Env::new(mode);
    let reference = format!("{}/base:latest", registry.host());
    env.ok(&["pull", "-q", &reference]);
    env.ok(&["tag", &reference, "base"]);
    (env, registry)
}

/// A build context directory with these files (readable by the env's user).
fn context(env: &Env, name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = env.dir.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for (path, content) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
    }
    dir
}

fn last_line(out: &str) -> String {
    out.lines().last().unwrap_or("").to_string()
}

fn build(env: &Env, args: &[&str]) -> (String, String) {
    let mut all = vec!["build"];
    all.extend_from_slice(args);
    let out = env.ok(&all);
    let id = last_line(&out);
    assert_eq!(id.len(), 64, "[{}] {out}", env.mode.label());
    (id, out)
}

const MULTI: &str = r#"# syntax=docker/dockerfile:1
ARG BASE=base
FROM $BASE AS builder
ARG MSG=default
RUN echo "built $MSG" > /built.txt && \
    mkdir -p /out && cp /built.txt /out/
COPY src/ /src/
RUN cat /src/a.txt > /out/a.copy && ls /src > /out/listing

FROM base AS unused
RUN exit 1

FROM ${BASE}
LABEL org.test=yes "other label"=two
ENV GREETING=hello PATH=/bin
WORKDIR /app
COPY --from=builder /out/ ./
COPY <<EOF /app/heredoc.txt
from heredoc $GREETING
EOF
RUN <<EOS
echo line1 > /app/run-heredoc
echo line2 >> /app/run-heredoc
EOS
EXPOSE 8080/tcp 53/udp
VOLUME /data
STOPSIGNAL SIGINT
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["cat /app/built.txt"]
"#;

#[test]
fn multi_stage_cache_and_run() {
    for mode in modes() {
        let (env, _registry) = setup(&mode);
        let label = env.mode.label();
        let ctx = context(
            &env,
            "ctx",
            &[
                ("Containerfile", MULTI),
                ("src/a.txt", "A\n"),
                ("src/b.txt", "B\n"),
                ("src/secret.key", "no"),
                ("src/secret.pub", "yes"),
                (".containerignore", "src/secret*\n!src/secret.pub\n"),
            ],
        );
        let ctx_s = ctx.to_str().unwrap();
        let (id, out) = build(&env, &["-t", "app", "--build-arg", "MSG=hi", ctx_s]);
        assert!(
            out.contains("[1/2] STEP 1/5: FROM $BASE AS builder"),
            "[{label}] {out}"
        );
        assert!(
            out.contains("COMMIT localhost/app:latest"),
            "[{label}] {out}"
        );
        assert!(
            !out.contains("exit 1"),
            "[{label}] the unused stage ran: {out}"
        );
        // The result runs, with the files of both stages.
        assert_eq!(env.ok(&["run", "--rm", "app"]), "built hi\n", "[{label}]");
        let files = env.ok(&[
            "run",
            "--rm",
            "app",
            "cat a.copy heredoc.txt run-heredoc listing; pwd; echo $GREETING",
        ]);
        assert_eq!(
            files, "A\nfrom heredoc hello\nline1\nline2\na.txt\nb.txt\nsecret.pub\n/app\nhello\n",
            "[{label}]"
        );
        // The instructions are in the image's config.
        let inspect: serde_json::Value =
            serde_json::from_str(&env.ok(&["image", "inspect", "app"])).unwrap();
        let c = &inspect[0]["Config"];
        assert_eq!(c["Labels"]["org.test"], "yes", "[{label}] {c}");
        assert_eq!(c["Labels"]["other label"], "two", "[{label}] {c}");
        assert!(
            c["Env"]
                .as_array()
                .unwrap()
                .contains(&json!("GREETING=hello")),
            "{c}"
        );
        assert_eq!(c["WorkingDir"], "/app");
        assert_eq!(c["Entrypoint"], json!(["/bin/sh", "-c"]));
        assert_eq!(c["Cmd"], json!(["cat /app/built.txt"]));
        assert_eq!(c["StopSignal"], "SIGINT");
        assert!(c["ExposedPorts"].get("8080/tcp").is_some(), "{c}");
        assert!(c["ExposedPorts"].get("53/udp").is_some(), "{c}");
        assert!(c["Volumes"].get("/data").is_some(), "{c}");
        let history = env.ok(&["image", "history", "--format", "{{.CreatedBy}}", "app"]);
        assert!(
            history.contains("LABEL org.test=yes"),
            "[{label}] {history}"
        );

        // Unchanged: every step from the cache, the same image.
        let (again, out) = build(&env, &["-t", "app", "--build-arg", "MSG=hi", ctx_s]);
        assert_eq!(again, id, "[{label}] {out}");
        assert!(out.contains("--> Using cache"), "[{label}] {out}");
        // Touched, same content: still the same image.
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(10);
        std::fs::File::options()
            .write(true)
            .open(ctx.join("src/a.txt"))
            .unwrap()
            .set_modified(later)
            .unwrap();
        let (touched, _) = build(&env, &["-t", "app", "--build-arg", "MSG=hi", ctx_s]);
        assert_eq!(touched, id, "[{label}]");
        // A changed file: the steps before it cached, it and later ones not.
        std::fs::write(ctx.join("src/b.txt"), "B2\n").unwrap();
        let (changed, out) = build(&env, &["-t", "app", "--build-arg", "MSG=hi", ctx_s]);
        assert_ne!(changed, id, "[{label}]");
        let builder_part = out.split("[2/2]").next().unwrap();
        assert_eq!(
            builder_part.matches("Using cache").count(),
            1,
            "[{label}] {out}"
        );
        // An ignored file is not a change.
        std::fs::write(ctx.join("src/secret.key"), "still no").unwrap();
        let (ignored, _) = build(&env, &["-q", "-t", "app", "--build-arg", "MSG=hi", ctx_s]);
        assert_eq!(ignored, changed, "[{label}]");
        // Another build arg value: the RUN that sees it runs again.
        let (other, out) = build(&env, &["-t", "app", "--build-arg", "MSG=ho", ctx_s]);
        assert_ne!(other, changed);
        assert_eq!(
            env.ok(&["run", "--rm", "app"]),
            "built ho\n",
            "[{label}] {out}"
        );
        // --no-cache runs everything.
        let (_, out) = build(&env, &["--no-cache", "-t", "app", ctx_s]);
        assert!(!out.contains("Using cache"), "[{label}] {out}");

        // --target stops at a stage.
        let (_, out) = build(&env, &["--target", "builder", "-t", "b", ctx_s]);
        assert!(!out.contains("[2/2]"), "[{label}] {out}");
        assert_eq!(
            env.ok(&["run", "--rm", "b", "cat", "/out/built.txt"]),
            "built default\n",
            "[{label}]"
        );
        // -q: the id alone on stdout; --iidfile.
        let iid = env.dir.join("iid");
        let out = env.ok(&[
            "build",
            "-q",
            "--iidfile",
            iid.to_str().unwrap(),
            "-t",
            "app",
            ctx_s,
        ]);
        assert_eq!(out.lines().count(), 1, "[{label}] {out}");
        let written = std::fs::read_to_string(&iid).unwrap();
        assert_eq!(written, format!("sha256:{}", out.trim()), "[{label}]");
        assert!(
            env.ok(&["ps", "-aq"]).trim().is_empty(),
            "[{label}] containers left"
        );
    }
}

#[test]
fn stdin_failures_and_formats() {
    for mode in modes() {
        let (env, _registry) = setup(&mode);
        let label = env.mode.label();
        let empty = context(&env, "empty", &[]);
        let empty_s = empty.to_str().unwrap();
        // -f -: the Containerfile on stdin; RUN output streamed.
        let out = env.run_with_stdin(
            &["build", "-f", "-", "-t", "piped", empty_s],
            b"FROM base\nRUN echo piped output\nCMD [\"echo\", \"ran\"]\n",
        );
        assert!(out.status.success(), "[{label}] {}", stderr(&out));
        assert!(
            stdout(&out).contains("piped output"),
            "[{label}] {}",
            stdout(&out)
        );
        assert_eq!(env.ok(&["run", "--rm", "piped"]), "ran\n", "[{label}]");
        // `-` as the context: a Containerfile on stdin, no context; --env
        // and --unsetenv on the result.
        let out = env.run_with_stdin(
            &[
                "build",
                "-t",
                "dash",
                "--env",
                "ADDED=1",
                "--unsetenv",
                "DROP",
                "-",
            ],
            b"FROM base\nENV DROP=x KEEP=y\n",
        );
        assert!(out.status.success(), "[{label}] {}", stderr(&out));
        let e = env.ok(&["image", "inspect", "--format", "{{.Config.Env}}", "dash"]);
        assert!(
            e.contains("ADDED=1") && e.contains("KEEP=y") && !e.contains("DROP"),
            "[{label}] {e}"
        );
        // A context archive (a file, or on stdin).
        let tar = TarBuilder::new()
            .file(
                "Containerfile",
                b"FROM base\nCOPY hello /hello\n",
                0o644,
                0,
                0,
            )
            .file("hello", b"from the archive\n", 0o644, 0, 0)
            .finish();
        let archive = env.write_file("ctx.tar", &tar);
        build(&env, &["-t", "fromtar", archive.to_str().unwrap()]);
        assert_eq!(
            env.ok(&["run", "--rm", "fromtar", "cat", "/hello"]),
            "from the archive\n"
        );
        let out = env.run_with_stdin(&["build", "-q", "-t", "fromstdin", "-"], &tar);
        assert!(out.status.success(), "[{label}] {}", stderr(&out));
        env.fails(&["build", "--platform", "linux/s390x", empty_s], 125);
        // An ARG used before its declaration is named.
        let early = context(
            &env,
            "early",
            &[("Containerfile", "FROM base\nENV X=$V\nARG V=1\n")],
        );
        let err = env.fails(&["build", early.to_str().unwrap()], 125);
        assert!(
            err.contains("Containerfile:2: ENV: $V is used before ARG V declares it (line 3)"),
            "[{label}] {err}"
        );
        // ONBUILD triggers (docker format) run in the image built on it.
        let parent = context(
            &env,
            "parent",
            &[(
                "Containerfile",
                "FROM base\nONBUILD RUN echo triggered > /trigger\n",
            )],
        );
        build(
            &env,
            &[
                "--format",
                "docker",
                "-t",
                "parent",
                parent.to_str().unwrap(),
            ],
        );
        let child = context(
            &env,
            "child",
            &[("Containerfile", "FROM parent\nRUN cat /trigger\n")],
        );
        let (_, out) = build(
            &env,
            &["--format", "docker", "-t", "child", child.to_str().unwrap()],
        );
        assert!(
            out.contains("ONBUILD RUN echo triggered"),
            "[{label}] {out}"
        );
        assert_eq!(
            env.ok(&["run", "--rm", "child", "cat", "/trigger"]),
            "triggered\n"
        );
        // A failing RUN: its status, the step named, nothing left behind.
        let out = env.run_with_stdin(
            &["build", "-f", "-", "-t", "bad", empty_s],
            b"FROM base\nRUN exit 3\n",
        );
        assert_eq!(out.status.code(), Some(3), "[{label}] {}", stderr(&out));
        assert!(
            stderr(&out).contains("RUN exit 3"),
            "[{label}] {}",
            stderr(&out)
        );
        assert!(env.ok(&["ps", "-aq"]).trim().is_empty(), "[{label}]");
        env.fails(&["image", "exists", "bad"], 1);
        // Parse errors name file and line; a missing source says so.
        let bad = context(&env, "bad", &[("Containerfile", "FROM base\nFROB x\n")]);
        let err = env.fails(&["build", bad.to_str().unwrap()], 125);
        assert!(
            err.contains("Containerfile:2: unknown instruction: FROB"),
            "[{label}] {err}"
        );
        let missing = context(
            &env,
            "missing",
            &[("Dockerfile", "FROM base\nCOPY nope /x\n")],
        );
        let err = env.fails(&["build", missing.to_str().unwrap()], 125);
        assert!(err.contains("COPY nope"), "[{label}] {err}");
        env.fails(
            &["build", "--target", "nope", missing.to_str().unwrap()],
            125,
        );
        env.fails(&["build", env.dir.join("absent").to_str().unwrap()], 125);
        // --format docker keeps HEALTHCHECK; oci drops it with a warning.
        let hc = context(
            &env,
            "hc",
            &[(
                "Containerfile",
                "FROM base\nHEALTHCHECK --interval=5s CMD true\nADD data.tar /unpacked/\n",
            )],
        );
        let tar = TarBuilder::new()
            .file("inner/file", b"in tar\n", 0o644, 0, 0)
            .finish();
        std::fs::write(hc.join("data.tar"), tar).unwrap();
        let hc_s = hc.to_str().unwrap();
        let out = env.cove(&["build", "-t", "hc-oci", hc_s]).output().unwrap();
        assert!(out.status.success(), "[{label}] {}", stderr(&out));
        assert!(
            stderr(&out).contains("HEALTHCHECK is not supported for OCI"),
            "[{label}]"
        );
        assert_eq!(
            env.ok(&["run", "--rm", "hc-oci", "cat", "/unpacked/inner/file"]),
            "in tar\n",
            "[{label}]"
        );
        build(&env, &["--format", "docker", "-t", "hc-docker", hc_s]);
        let config = image_config(&env, "hc-docker");
        assert_eq!(
            config["config"]["Healthcheck"]["Test"],
            json!(["CMD-SHELL", "true"]),
            "[{label}]"
        );
        assert_eq!(
            config["config"]["Healthcheck"]["Interval"],
            json!(5_000_000_000u64)
        );
        assert!(image_config(&env, "hc-oci")["config"]
            .get("Healthcheck")
            .is_none());
    }
}

/// The stored config blob of an image.
fn image_config(env: &Env, image: &str) -> serde_json::Value {
    let id = env.ok(&["image", "inspect", "--format", "{{.Id}}", image]);
    let hex = id.trim().trim_start_matches("sha256:").to_string();
    let path = env.store_root().join("blobs/sha256").join(hex);
    let bytes = if env.mode.is_root() {
        std::fs::read(&path).unwrap()
    } else {
        env.command(Path::new("/bin/cat"), &[path.to_str().unwrap()])
            .output()
            .unwrap()
            .stdout
    };
    serde_json::from_slice(&bytes).unwrap()
}

#[test]
fn run_mounts_and_secrets() {
    for mode in modes() {
        let (env, _registry) = setup(&mode);
        let label = env.mode.label();
        let text = "FROM base\n\
            RUN --mount=type=cache,target=/cache,sharing=locked echo x >> /cache/count && wc -l < /cache/count > /seen\n\
            RUN --mount=type=secret,id=tok test \"$(cat /run/secrets/tok)\" = s3cret\n\
            RUN --mount=type=bind,source=data.txt,target=/mnt/data.txt --mount=type=tmpfs,target=/scratch cp /mnt/data.txt /copied && touch /scratch/gone\n";
        let ctx = context(
            &env,
            "mounts",
            &[("Containerfile", text), ("data.txt", "bound\n")],
        );
        let secret = env.write_file("secret.txt", b"s3cret");
        let secret_arg = format!("id=tok,src={}", secret.display());
        let ctx_s = ctx.to_str().unwrap();
        build(&env, &["--secret", &secret_arg, "-t", "m", ctx_s]);
        build(
            &env,
            &["--no-cache", "--secret", &secret_arg, "-t", "m", ctx_s],
        );
        // The cache directory outlived the first build; the secret and the
        // tmpfs left nothing in the image; the bind mount was readable.
        let out = env.ok(&[
            "run",
            "--rm",
            "m",
            "sh",
            "-c",
            "cat /seen /copied; cat /run/secrets/tok 2>/dev/null; ls /scratch 2>/dev/null; echo end",
        ]);
        assert_eq!(
            out.split_whitespace().collect::<Vec<_>>(),
            ["2", "bound", "end"],
            "[{label}] {out}"
        );
        // -v for RUN steps; `buildx build` and `image build` are `build`.
        let vol = env.dir.join("vol");
        std::fs::create_dir_all(&vol).unwrap();
        std::fs::write(vol.join("v.txt"), "from a volume\n").unwrap();
        std::fs::set_permissions(&vol, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let volctx = context(
            &env,
            "volctx",
            &[("Containerfile", "FROM base\nRUN cat /v/v.txt > /got\n")],
        );
        let v = format!("{}:/v:ro", vol.display());
        env.ok(&[
            "buildx",
            "build",
            "-q",
            "-v",
            &v,
            "-t",
            "vol",
            volctx.to_str().unwrap(),
        ]);
        assert_eq!(
            env.ok(&["run", "--rm", "vol", "cat", "/got"]),
            "from a volume\n",
            "[{label}]"
        );
        env.ok(&[
            "image",
            "build",
            "-q",
            "-v",
            &v,
            "-t",
            "vol",
            volctx.to_str().unwrap(),
        ]);
        // A changed bind source runs the step again.
        std::fs::write(ctx.join("data.txt"), "changed\n").unwrap();
        build(&env, &["--secret", &secret_arg, "-t", "m", ctx_s]);
        assert_eq!(
            env.ok(&["run", "--rm", "m", "cat", "/copied"]),
            "changed\n",
            "[{label}]"
        );
        // A required secret that is not given fails the step (125).
        let req = context(
            &env,
            "req",
            &[(
                "Containerfile",
                "FROM base\nRUN --mount=type=secret,id=nope,required cat /run/secrets/nope\n",
            )],
        );
        let err = env.fails(&["build", req.to_str().unwrap()], 125);
        assert!(err.contains("secret nope not found"), "[{label}] {err}");
    }
}
