//! Shell completion through the real shells: bash (its programmable
//! completion function, with and without bash-completion), zsh (an
//! interactive zsh on a pty, TAB pressed) and fish (`complete -C`), as
//! root and as an unprivileged user, with containers in each state cove
//! records (created, running, exited; cove cannot pause yet), an image, a
//! volume; and the engine (`cove __complete`) itself for what the shells
//! only pass through: filtering by state, `--format` fields that really
//! render, no internal command, a locked or broken store.

mod common;

use common::fixtures::TarBuilder;
use common::{cove_binary, modes, stderr, stdout, Env, Mode};
use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// An env with image `bb` (localhost/bb:latest), containers `created1`,
/// `exited1` and `running1` (a monitor runs it), and volume `vol1`.
struct World {
    env: Env,
}

impl World {
    fn new(mode: &Mode) -> World {
        let env = Env::new(mode);
        let tar = TarBuilder::new().busybox().finish();
        let tar = env.write_file("bb.tar", &tar);
        env.ok(&["import", "-q", tar.to_str().unwrap(), "bb"]);
        env.ok(&[
            "create",
            "--network",
            "none",
            "--name",
            "created1",
            "bb",
            "true",
        ]);
        env.ok(&[
            "run",
            "--network",
            "none",
            "--name",
            "exited1",
            "bb",
            "true",
        ]);
        env.ok(&[
            "run",
            "-d",
            "--network",
            "none",
            "--name",
            "running1",
            "bb",
            "sleep",
            "1000",
        ]);
        env.ok(&["volume", "create", "vol1"]);
        World { env }
    }

    /// `cove __complete WORDS…`: the candidates (values only) and the
    /// directive; insists on exit 0 and an empty stderr.
    fn ask(&self, words: &[&str]) -> (Vec<String>, u32) {
        let (lines, directive) = self.ask_described(words);
        let values = lines
            .into_iter()
            .map(|l| l.split('\t').next().unwrap_or_default().to_string())
            .collect();
        (values, directive)
    }

    fn ask_described(&self, words: &[&str]) -> (Vec<String>, u32) {
        let mut args = vec!["__complete"];
        args.extend_from_slice(words);
        let out = self.env.run(&args);
        let label = format!("[{}] cove __complete {words:?}", self.env.mode.label());
        assert!(out.status.success(), "{label} failed: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{label} wrote on stderr");
        parse_answer(&stdout(&out), &label)
    }

    fn values(&self, words: &[&str]) -> BTreeSet<String> {
        self.ask(words).0.into_iter().collect()
    }

    /// A command in this env with the cove under test first on PATH.
    fn shell(&self, program: &str, args: &[&str]) -> Command {
        let mut cmd = self.env.command(Path::new(program), args);
        let bin = cove_binary().parent().unwrap().display().to_string();
        cmd.env("PATH", format!("{bin}:/usr/local/bin:/usr/bin:/bin"));
        cmd.stdin(Stdio::null());
        cmd
    }

    /// A committed completion script, copied where the env's user reads it.
    fn script(&self, file: &str) -> PathBuf {
        let text = std::fs::read(Path::new(REPO).join("completions").join(file)).unwrap();
        let dir = self.env.dir.join("completions");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = dir.join(file);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        path
    }

    fn id_of(&self, name: &str) -> String {
        self.env
            .ok(&["inspect", "--format", "{{.Id}}", name])
            .trim()
            .to_string()
    }
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = self.env.run(&["rm", "-f", "-t", "0", "running1"]);
    }
}

fn parse_answer(text: &str, label: &str) -> (Vec<String>, u32) {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let last = lines.pop().unwrap_or_default();
    let directive = last
        .strip_prefix(':')
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| panic!("{label}: no directive line in {text:?}"));
    (lines, directive)
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

const NO_SPACE: u32 = 2;
const NO_FILES: u32 = 4;
const FILES: u32 = 8;

#[test]
fn containers_are_offered_by_the_state_each_command_takes() {
    for mode in modes() {
        let w = World::new(&mode);
        let all = set(&["created1", "exited1", "running1"]);
        for cmd in [
            "rm", "logs", "wait", "restart", "export", "commit", "rename", "port",
        ] {
            assert_eq!(w.values(&[cmd, ""]), all, "[{}] {cmd}", mode.label());
        }
        assert_eq!(w.values(&["container", "rm", ""]), all);
        let stopped = set(&["created1", "exited1"]);
        assert_eq!(w.values(&["start", ""]), stopped, "[{}]", mode.label());
        assert_eq!(w.values(&["container", "start", ""]), stopped);
        for cmd in ["stop", "kill", "exec", "attach", "top", "stats"] {
            assert_eq!(
                w.values(&[cmd, ""]),
                set(&["running1"]),
                "[{}] {cmd}",
                mode.label()
            );
        }
        assert_eq!(w.values(&["healthcheck", "run", ""]), set(&["running1"]));
        // Prefixes, flags before the argument, global flags.
        assert_eq!(w.values(&["rm", "-f", "ex"]), set(&["exited1"]));
        assert_eq!(
            w.values(&["--log-level", "debug", "start", "c"]),
            set(&["created1"])
        );
        // After the container, exec's and run's words are a command line.
        assert_eq!(w.ask(&["exec", "running1", ""]).0, Vec::<String>::new());
        assert_eq!(
            w.ask(&["exec", "-it", "running1", "ls", "-"]).1 & NO_FILES,
            0
        );
        // Ids once two hex digits are typed, as Podman.
        let id = w.id_of("exited1");
        assert!(
            w.values(&["rm", &id[..2]]).contains(&id[..12]),
            "[{}]",
            mode.label()
        );
        assert!(!w
            .values(&["start", &w.id_of("running1")[..3]])
            .contains(&id[..12]));
        // Descriptions: image and state.
        let (described, _) = w.ask_described(&["rm", "running1"]);
        assert_eq!(described.len(), 1);
        assert!(
            described[0].starts_with("running1\t") && described[0].contains("bb"),
            "{described:?}"
        );
        assert!(described[0].contains("running"), "{described:?}");
        // The bash entry point has none.
        let out = w.env.ok(&["__completeNoDesc", "rm", "running1"]);
        assert_eq!(out, "running1\n:4\n");
    }
}

#[test]
fn images_volumes_networks_and_flag_values() {
    for mode in modes() {
        let w = World::new(&mode);
        let image = set(&["localhost/bb:latest"]);
        for words in [
            &["run", ""][..],
            &["create", "--rm", ""],
            &["rmi", ""],
            &["image", "rm", ""],
            &["save", ""],
            &["push", ""],
            &["tag", ""],
            &["image", "history", ""],
            &["image", "inspect", ""],
        ] {
            assert_eq!(w.values(words), image, "[{}] {words:?}", mode.label());
        }
        // Short names once typed; the container's command after the image.
        assert_eq!(w.values(&["run", "-it", "b"]), set(&["bb:latest"]));
        assert_eq!(w.values(&["run", "bb", ""]), BTreeSet::new());
        let (described, _) = w.ask_described(&["run", ""]);
        assert!(described[0].contains(" · "), "size and age: {described:?}");
        // Everything `inspect` takes.
        assert_eq!(
            w.values(&["inspect", ""]),
            set(&[
                "created1",
                "exited1",
                "running1",
                "localhost/bb:latest",
                "vol1"
            ])
        );
        assert_eq!(w.values(&["volume", "rm", ""]), set(&["vol1"]));
        assert_eq!(w.values(&["volume", "inspect", "v"]), set(&["vol1"]));
        // -v: volume names then the path inside; host paths are the shell's.
        let (v, d) = w.ask(&["run", "-v", ""]);
        assert_eq!(v, vec!["vol1:"]);
        assert_eq!(d & (NO_SPACE | FILES), NO_SPACE | FILES);
        // Network modes, and other containers' networks.
        let nets = w.values(&["run", "--network", ""]);
        for m in ["slirp", "pasta", "host", "none", "container:"] {
            assert!(nets.contains(m), "{nets:?}");
        }
        assert_eq!(
            w.values(&["run", "--network=container:r"]),
            set(&["--network=container:running1"])
        );
        assert_eq!(
            w.values(&["create", "--net", "container:e"]),
            set(&["container:exited1"])
        );
        // Enumerated values come from clap; the rest from cove's tables.
        assert_eq!(
            w.values(&["run", "--pull", ""]),
            set(&["always", "missing", "never", "newer"])
        );
        assert!(w.values(&["--log-level", ""]).contains("debug"));
        assert!(w.values(&["kill", "--signal", ""]).contains("TERM"));
        assert_eq!(w.values(&["kill", "-s", "SIGKI"]), set(&["SIGKILL"]));
        assert!(w
            .values(&["run", "--restart", ""])
            .contains("unless-stopped"));
        assert!(w.values(&["run", "--userns", ""]).contains("keep-id"));
        assert_eq!(
            w.values(&["run", "--cap-add", "NET_B"]),
            set(&["NET_BIND_SERVICE", "NET_BROADCAST"])
        );
        assert_eq!(
            w.values(&["run", "--cap-drop=CAP_SYS_AD"]),
            set(&["--cap-drop=CAP_SYS_ADMIN"])
        );
        assert!(w.values(&["wait", "--condition", ""]).contains("stopped"));
        // --filter keys, then values.
        let keys = w.values(&["ps", "--filter", ""]);
        for k in ["status=", "name=", "ancestor=", "volume="] {
            assert!(keys.contains(k), "{keys:?}");
        }
        assert_eq!(
            w.values(&["ps", "-f", "status=ru"]),
            set(&["status=running"])
        );
        assert_eq!(
            w.values(&["ps", "--filter", "ancestor="]),
            set(&["ancestor=localhost/bb:latest"])
        );
        assert_eq!(
            w.values(&["images", "--filter", "dangling="]),
            set(&["dangling=true", "dangling=false"])
        );
        // A path is the shell's to complete: no NO_FILES.
        assert_eq!(w.ask(&["load", "-i", ""]).1 & NO_FILES, 0);
        assert_eq!(w.ask(&["run", "--env-file", ""]).1 & NO_FILES, 0);
        // A flag given once is not offered again; repeatable ones are.
        let flags = w.values(&["rm", "--force", "--"]);
        assert!(!flags.contains("--force") && flags.contains("--volumes"));
        assert!(w.values(&["run", "-e", "A=1", "--e"]).contains("--env"));
        // `cp`: CONTAINER: or a host path.
        let (cp, d) = w.ask(&["cp", "run"]);
        assert_eq!(cp, vec!["running1:"]);
        assert_eq!(d & (NO_SPACE | FILES), NO_SPACE | FILES);
    }
}

/// Every field offered after `--format {{.` renders: the names come from
/// the value the command's own template sees.
#[test]
fn format_offers_the_fields_the_command_renders() {
    let mode = modes().remove(0);
    let w = World::new(&mode);
    for (words, render) in [
        (
            &["ps", "--format", "{{."][..],
            &["ps", "-a", "--format"][..],
        ),
        (
            &["container", "ls", "--format", "{{."],
            &["ps", "-a", "--format"],
        ),
        (&["images", "--format", "{{."], &["images", "--format"]),
        (
            &["volume", "ls", "--format", "{{."],
            &["volume", "ls", "--format"],
        ),
        (
            &["volume", "inspect", "--format", "{{."],
            &["volume", "inspect", "vol1", "--format"],
        ),
        (
            &["inspect", "--format", "{{."],
            &["inspect", "exited1", "--format"],
        ),
        (
            &["container", "inspect", "--format", "{{."],
            &["container", "inspect", "running1", "--format"],
        ),
        (
            &["image", "inspect", "--format", "{{."],
            &["image", "inspect", "bb", "--format"],
        ),
        (
            &["image", "history", "--format", "{{."],
            &["image", "history", "bb", "--format"],
        ),
        (
            &["stats", "--format", "{{."],
            &["stats", "--no-stream", "running1", "--format"],
        ),
        (
            &["system", "df", "--format", "{{."],
            &["system", "df", "--format"],
        ),
    ] {
        let (fields, _) = w.ask(words);
        assert!(fields.len() > 4, "{words:?}: {fields:?}");
        // An object's field (`{{.State.`) goes on: its own fields are
        // asked for, one level down.
        let mut leaves = Vec::new();
        for field in fields {
            if field.ends_with('.') {
                let mut deeper = words.to_vec();
                *deeper.last_mut().unwrap() = &field;
                let (inner, _) = w.ask(&deeper);
                assert!(!inner.is_empty(), "{field}");
                leaves.extend(inner.into_iter().filter(|f| f.ends_with("}}")));
            } else {
                leaves.push(field);
            }
        }
        for field in &leaves {
            assert!(field.starts_with("{{.") && field.ends_with("}}"), "{field}");
            let mut args = render.to_vec();
            args.push(field);
            w.env.ok(&args);
        }
    }
    let inspect = w.values(&["inspect", "--format", "{{.State.St"]);
    assert!(inspect.contains("{{.State.Status}}"), "{inspect:?}");
    assert!(w
        .values(&["image", "inspect", "--format", "{{.Config."])
        .contains("{{.Config.Env}}"));
    assert!(w.values(&["ps", "--format", "{{."]).contains("{{.Names}}"));
    assert!(w
        .values(&["images", "--format", "{{.Rep"])
        .contains("{{.Repository}}"));
    // Inside a longer template, and in one word with the flag.
    assert_eq!(
        w.values(&["ps", "--format", "table {{.ID}} {{.Stat"]),
        set(&["table {{.ID}} {{.State}}", "table {{.ID}} {{.Status}}"])
    );
    assert!(w.values(&["ps", "--format="]).contains("--format=json"));
    // A --format that names an archive type offers those, not fields.
    assert!(w.values(&["save", "--format", ""]).contains("oci-archive"));
}

#[test]
fn internal_commands_are_never_offered() {
    let mode = modes().remove(0);
    let env = Env::new(&mode);
    let out = env.ok(&["__complete", ""]);
    assert!(out.contains("\nrm\t"), "{out}");
    assert!(
        !out.contains("container-monitor") && !out.contains("__complete"),
        "{out}"
    );
    assert_eq!(env.ok(&["__complete", "container-m"]), ":4\n");
    assert_eq!(env.ok(&["__complete", "__"]), ":4\n");
    let help = env.ok(&["--help"]);
    assert!(!help.contains("container-monitor") && !help.contains("__complete"));
    let man: Vec<String> = std::fs::read_dir(Path::new(REPO).join("man"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(man.iter().any(|m| m == "cove-rm.1"));
    assert!(!man
        .iter()
        .any(|m| m.contains("monitor") || m.contains("complete")));
    for (_, file) in SHELL_FILES {
        let text = std::fs::read_to_string(Path::new(REPO).join("completions").join(file)).unwrap();
        assert!(!text.contains("container-monitor"), "{file}");
    }
}

const SHELL_FILES: [(&str, &str); 4] = [
    ("bash", "cove.bash"),
    ("zsh", "_cove"),
    ("fish", "cove.fish"),
    ("powershell", "cove.ps1"),
];

/// The committed scripts are what `cove completion SHELL` prints (`make
/// completions` regenerates them).
#[test]
fn committed_scripts_match_cove_completion() {
    let env = Env::new(&modes().remove(0));
    for (shell, file) in SHELL_FILES {
        let committed =
            std::fs::read_to_string(Path::new(REPO).join("completions").join(file)).unwrap();
        assert_eq!(
            env.ok(&["completion", shell]),
            committed,
            "{file}: run make completions"
        );
        let written = env.dir.join(format!("out-{shell}"));
        env.ok(&["completion", shell, "-f", written.to_str().unwrap()]);
        assert_eq!(std::fs::read_to_string(&written).unwrap(), committed);
    }
}

/// bash: the completion function, COMP_WORDS split as bash splits them
/// (at `=` and `:`), with bash-completion's helpers and without.
fn bash_complete(w: &World, words: &[&str], cword: usize, with_helpers: bool) -> Vec<String> {
    let script = w.script("cove.bash");
    let line = line_of(words, cword);
    let array: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "{helpers}\nsource '{script}'\nCOMP_WORDS=({words})\nCOMP_CWORD={cword}\n\
         COMP_LINE='{line}'\nCOMP_POINT=${{#COMP_LINE}}\n__cove_complete\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        helpers = if with_helpers {
            "source /usr/share/bash-completion/bash_completion"
        } else {
            ""
        },
        script = script.display(),
        words = array.join(" "),
    );
    let out = w
        .shell("/bin/bash", &["--norc", "-c", &program])
        .output()
        .unwrap();
    assert!(out.status.success(), "bash: {}", stderr(&out));
    stdout(&out)
        .lines()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect()
}

/// The command line bash would have had: words joined, `=` and `:` glued.
fn line_of(words: &[&str], cword: usize) -> String {
    let mut line = String::new();
    for (i, w) in words[..=cword].iter().enumerate() {
        let glue = i > 0 && (*w == "=" || *w == ":" || words[i - 1] == "=" || words[i - 1] == ":");
        if i > 0 && !glue {
            line.push(' ');
        }
        line.push_str(w);
    }
    line
}

#[test]
fn bash_completes_through_its_completion_function() {
    for mode in modes() {
        let w = World::new(&mode);
        for helpers in [true, false] {
            let label = format!("[{}] helpers={helpers}", mode.label());
            let got = bash_complete(&w, &["cove", "rm", ""], 2, helpers);
            assert_eq!(got, vec!["created1", "exited1", "running1"], "{label}");
            let got = bash_complete(&w, &["cove", "start", ""], 2, helpers);
            assert_eq!(got, vec!["created1", "exited1"], "{label}");
            let got = bash_complete(&w, &["cove", "exec", "-it", ""], 3, helpers);
            assert_eq!(got, vec!["running1"], "{label}");
            let got = bash_complete(&w, &["cove", "run", "--rm", "b"], 3, helpers);
            assert_eq!(got, vec!["bb:latest"], "{label}");
            // bash splits at `=` and `:` and replaces only the last piece.
            let words = ["cove", "run", "--network", "=", "container", ":", "ru"];
            assert_eq!(
                bash_complete(&w, &words, 6, helpers),
                vec!["running1"],
                "{label}"
            );
            let words = ["cove", "kill", "--signal", "=", "SIGKI"];
            assert_eq!(
                bash_complete(&w, &words, 4, helpers),
                vec!["SIGKILL"],
                "{label}"
            );
            let got = bash_complete(&w, &["cove", "con"], 1, helpers);
            assert_eq!(got, vec!["container"], "{label}");
            // A path: the shell's file names.
            let got = bash_complete(&w, &["cove", "load", "-i", "bb."], 3, helpers);
            assert_eq!(got, vec!["bb.tar"], "{label}");
        }
    }
}

/// zsh: an interactive zsh on a pty (zpty) with compinit and our `_cove`;
/// TAB is pressed and every match compsys adds is recorded.
fn zsh_complete(w: &World, line: &str) -> BTreeSet<String> {
    let fpath = w.script("_cove").parent().unwrap().to_path_buf();
    let out = w.env.dir.join("zsh-matches");
    let _ = std::fs::remove_file(&out);
    let driver = w.env.dir.join("drive.zsh");
    std::fs::write(&driver, ZSH_DRIVER).unwrap();
    std::fs::set_permissions(&driver, std::fs::Permissions::from_mode(0o644)).unwrap();
    let result = w
        .shell(
            "/usr/bin/timeout",
            &[
                "60",
                "zsh",
                "-f",
                driver.to_str().unwrap(),
                fpath.to_str().unwrap(),
                out.to_str().unwrap(),
                line,
            ],
        )
        .output()
        .unwrap();
    assert!(
        result.status.success(),
        "zsh driver: {} {}",
        stdout(&result),
        stderr(&result)
    );
    std::fs::read_to_string(&out)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Runs an interactive zsh on a pty, loads compsys with our function,
/// wraps `compadd` to record the matches it is given (`-O` matches them
/// against what is typed without adding), types the line and a TAB.
const ZSH_DRIVER: &str = r#"
zmodload zsh/zpty
fpath_dir=$1 out=$2 line=$3
: >$out
zpty z 'TERM=dumb PS1= zsh -f -i'
zpty -w z "fpath=($fpath_dir \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z "compadd() { local -a m; builtin compadd -O m \"\$@\"; print -rl -- \$m >>$out; builtin compadd \"\$@\"; }"
zpty -w z "zstyle ':completion:*' menu no; LISTMAX=100000"
zpty -w z 'print READY'
zpty -r -m z _ '*READY*'
zpty -w -n z "$line"$'\t'
zpty -w z $'\C-u''print DONE'
zpty -r -m z _ '*DONE*'
zpty -d z
"#;

#[test]
fn zsh_completes_through_compsys() {
    for mode in modes() {
        let w = World::new(&mode);
        let label = mode.label();
        assert_eq!(
            zsh_complete(&w, "cove rm "),
            set(&["created1", "exited1", "running1"]),
            "[{label}]"
        );
        assert_eq!(
            zsh_complete(&w, "cove stop "),
            set(&["running1"]),
            "[{label}]"
        );
        assert_eq!(
            zsh_complete(&w, "cove container start "),
            set(&["created1", "exited1"]),
            "[{label}]"
        );
        assert_eq!(
            zsh_complete(&w, "cove run --network=container:e"),
            set(&["--network=container:exited1"]),
            "[{label}]"
        );
        // Quoted, as templates are typed; zsh takes a bare `{{` for a
        // brace expansion and completes only what follows it.
        assert_eq!(
            zsh_complete(&w, "cove ps --format '{{.Nam"),
            set(&["{{.Names}}", "{{.Namespaces}}"]),
            "[{label}]"
        );
        assert_eq!(
            zsh_complete(&w, "cove ps --format {{.Nam"),
            set(&[".Names}}", ".Namespaces}}"]),
            "[{label}]"
        );
        let commands = zsh_complete(&w, "cove c");
        assert!(
            commands.contains("container") && commands.contains("cp"),
            "{commands:?}"
        );
        assert!(!commands.iter().any(|c| c.contains("monitor")));
    }
}

/// fish: `complete -C`, descriptions included.
fn fish_complete(w: &World, line: &str) -> Vec<String> {
    let script = w.script("cove.fish");
    let program = format!("source '{}'; complete -C '{line}'", script.display());
    let out = w
        .shell("/usr/bin/fish", &["--no-config", "-c", &program])
        .output()
        .unwrap();
    assert!(out.status.success(), "fish: {}", stderr(&out));
    stdout(&out).lines().map(str::to_string).collect()
}

#[test]
fn fish_completes_with_descriptions() {
    for mode in modes() {
        let w = World::new(&mode);
        let label = mode.label();
        let got = fish_complete(&w, "cove rm ");
        let names: Vec<&str> = got.iter().map(|l| l.split('\t').next().unwrap()).collect();
        assert_eq!(names, ["created1", "exited1", "running1"], "[{label}]");
        assert!(
            got[2].contains("bb") && got[2].contains("running"),
            "{got:?}"
        );
        let got = fish_complete(&w, "cove start ");
        let names: Vec<&str> = got.iter().map(|l| l.split('\t').next().unwrap()).collect();
        assert_eq!(names, ["created1", "exited1"], "[{label}]");
        let got = fish_complete(&w, "cove rmi ");
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].starts_with("localhost/bb:latest\t"), "{got:?}");
        let got = fish_complete(&w, "cove volume rm ");
        assert_eq!(got.len(), 1);
        assert!(got[0].starts_with("vol1"), "{got:?}");
        let got = fish_complete(&w, "cove load -i bb.");
        assert_eq!(got, vec!["bb.tar"], "[{label}]");
    }
}

/// Every lock a running command may hold is held: the store's catalog and
/// garbage-collection locks (a pull, an rmi), the volumes' lock, each
/// container's lock (its monitor). Completion takes none and answers at
/// once.
#[test]
fn a_locked_store_still_completes() {
    use nix::fcntl::{Flock, FlockArg};
    for mode in modes() {
        let w = World::new(&mode);
        let root = w.env.store_root();
        let mut held = Vec::new();
        let mut lock = |path: PathBuf| {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .unwrap();
            held.push(Flock::lock(file, FlockArg::LockExclusiveNonblock).unwrap());
        };
        lock(root.join("store.lock"));
        lock(root.join("gc.lock"));
        lock(root.join("volumes").join(".lock"));
        for name in ["created1", "exited1"] {
            lock(root.join("containers").join(w.id_of(name)).join("lock"));
        }
        let started = std::time::Instant::now();
        assert_eq!(
            w.values(&["rm", ""]),
            set(&["created1", "exited1", "running1"])
        );
        assert_eq!(w.values(&["start", ""]), set(&["created1", "exited1"]));
        assert_eq!(w.values(&["run", ""]), set(&["localhost/bb:latest"]));
        assert_eq!(w.values(&["volume", "rm", ""]), set(&["vol1"]));
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "[{}] completion waited: {:?}",
            mode.label(),
            started.elapsed()
        );
        drop(held);
    }
}

/// A broken catalog, a half-written state, a name whose container is not
/// there, a missing runtime directory, a store that does not exist: what
/// can be read is offered, nothing is printed on stderr, exit 0.
#[test]
fn bad_input_completes_what_it_can() {
    for mode in modes() {
        let w = World::new(&mode);
        let root = w.env.store_root();
        let containers = root.join("containers");
        // Half-written state: shown as ps shows it (created).
        std::fs::write(
            containers.join(w.id_of("exited1")).join("state.json"),
            b"{\"sta",
        )
        .unwrap();
        // A name claimed by a create still in progress.
        std::os::unix::fs::symlink(
            format!("../{}", "ab".repeat(32)),
            containers.join("names/ghost"),
        )
        .unwrap();
        // A catalog that does not parse.
        std::fs::write(root.join("index.json"), b"{not json").unwrap();
        assert_eq!(
            w.values(&["rm", ""]),
            set(&["created1", "exited1", "running1"])
        );
        assert_eq!(w.values(&["start", ""]), set(&["created1", "exited1"]));
        assert_eq!(w.values(&["rm", "gh"]), BTreeSet::new());
        assert_eq!(w.values(&["run", ""]), BTreeSet::new());
        assert_eq!(w.values(&["ps", "--filter", "ancestor="]), BTreeSet::new());
        // Through a shell too: no error text on the command line.
        assert_eq!(fish_complete(&w, "cove run "), Vec::<String>::new());
        // No runtime directory, and a store that is not there.
        let mut cmd = w.env.cove(&["__complete", "stop", ""]);
        cmd.env("XDG_RUNTIME_DIR", "/nonexistent/run");
        let out = cmd.output().unwrap();
        assert_eq!(stderr(&out), "");
        assert_eq!(stdout(&out), "running1\tbb · running\n:4\n");
        let out = w
            .env
            .run(&["__complete", "--root", "/nonexistent/store", "rm", ""]);
        assert!(out.status.success());
        assert_eq!((stdout(&out).as_str(), stderr(&out).as_str()), (":4\n", ""));
        // Nonsense words.
        for words in [
            &["--root"][..],
            &["rm", "--nope", ""],
            &["-", "-"],
            &["\u{1}", ""],
        ] {
            w.ask(words);
        }
    }
}
