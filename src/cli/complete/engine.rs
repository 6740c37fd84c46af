//! Reading the command line the way clap will parse it, to tell what the
//! word under the cursor is: a subcommand, a flag, a flag's value or a
//! positional argument, and then which candidates fit it.

use super::objects::{Objects, Want};
use super::{directive, fields, Answer, Candidate};
use clap::{Arg, Command};

/// What the words before the cursor amount to.
struct Line<'c> {
    /// The root command, then each subcommand typed.
    path: Vec<&'c Command>,
    /// A flag typed without its value: the cursor is on the value.
    pending: Option<&'c Arg>,
    /// Positional words given to the last command.
    positionals: usize,
    /// Past `--` or into a trailing command (`run IMAGE CMD…`): nothing
    /// is a flag of ours any more.
    raw: bool,
    /// Flags already given, so a flag that takes one value is not offered
    /// again.
    used: Vec<&'c str>,
    root: Option<String>,
}

impl<'c> Line<'c> {
    fn leaf(&self) -> &'c Command {
        self.path[self.path.len() - 1]
    }

    /// The arguments of the current command: its own, then the global
    /// flags of the commands above (the tree is not built, which would
    /// copy them down: building every command costs more than the rest of
    /// a TAB).
    fn args(&self) -> impl Iterator<Item = &'c Arg> + '_ {
        let above = &self.path[..self.path.len() - 1];
        self.leaf().get_arguments().chain(
            above
                .iter()
                .flat_map(|c| c.get_arguments().filter(|a| a.is_global_set())),
        )
    }

    /// The subcommand names from the root down, without "cove".
    fn names(&self) -> Vec<&'c str> {
        self.path.iter().skip(1).map(|c| c.get_name()).collect()
    }
}

/// Candidates for the last of `words` (the command line without the
/// program name; the last word is the one being completed, maybe empty).
pub fn complete(words: &[String], describe: bool) -> Answer {
    let Some((cur, done)) = words.split_last() else {
        return Answer::default();
    };
    // PowerShell's script passes an empty word as `""` (Windows PowerShell
    // drops empty arguments); no name starts with a quote.
    let cur = if cur == "\"\"" { "" } else { cur.as_str() };
    let root = <crate::cli::Cli as clap::CommandFactory>::command();
    let line = read_line(&root, done);
    let objects = Objects::new(line.root.as_deref(), describe);
    if let Some(arg) = line.pending {
        return values(&line, &objects, arg, cur, "");
    }
    if !line.raw && cur.starts_with("--") {
        if let Some((name, value)) = cur.split_once('=') {
            return match find_long(&line, &name[2..]) {
                Some(arg) => values(&line, &objects, arg, value, &format!("{name}=")),
                None => no_files(Vec::new()),
            };
        }
    }
    if !line.raw && cur.starts_with('-') {
        return no_files(flags(&line, cur));
    }
    let leaf = line.leaf();
    if line.positionals == 0 && leaf.has_subcommands() && !line.raw {
        return no_files(subcommands(leaf, cur));
    }
    positional(&line, &objects, cur)
}

fn no_files(candidates: Vec<Candidate>) -> Answer {
    Answer {
        candidates,
        directive: directive::NO_FILES,
    }
}

fn read_line<'c>(root: &'c Command, done: &[String]) -> Line<'c> {
    let mut line = Line {
        path: vec![root],
        pending: None,
        positionals: 0,
        raw: false,
        used: Vec::new(),
        root: None,
    };
    let note = |line: &mut Line<'c>, arg: &'c Arg, value: &str| {
        if arg.get_id() == "root" {
            line.root = Some(value.to_string());
        }
    };
    for word in done {
        if let Some(arg) = line.pending.take() {
            note(&mut line, arg, word);
            continue;
        }
        if !line.raw && word == "--" {
            line.raw = true;
            continue;
        }
        if !line.raw && word.starts_with("--") {
            let (name, inline) = match word.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (word.as_str(), None),
            };
            if let Some(arg) = find_long(&line, &name[2..]) {
                line.used.push(arg.get_id().as_str());
                match inline {
                    Some(v) => note(&mut line, arg, v),
                    None if consumes_next(arg) => line.pending = Some(arg),
                    None => {}
                }
            }
            continue;
        }
        if !line.raw && word.len() > 1 && word.starts_with('-') {
            for (i, c) in word.char_indices().skip(1) {
                let Some(arg) = line.args().find(|a| {
                    a.get_short_and_visible_aliases()
                        .is_some_and(|s| s.contains(&c))
                }) else {
                    break;
                };
                line.used.push(arg.get_id().as_str());
                if consumes_next(arg) {
                    let rest = &word[i + c.len_utf8()..];
                    if rest.is_empty() {
                        line.pending = Some(arg);
                    } else {
                        note(&mut line, arg, rest);
                    }
                    break;
                }
            }
            continue;
        }
        let cmd = line.leaf();
        if line.positionals == 0 && !line.raw {
            if let Some(sub) = find_subcommand(cmd, word) {
                line.path.push(sub);
                line.used.clear();
                continue;
            }
        }
        if let Some((arg, _)) = positional_arg(cmd, line.positionals) {
            // The rest of `run IMAGE CMD…` is the container's command line.
            if arg.is_trailing_var_arg_set() {
                line.raw = true;
            }
        }
        line.positionals += 1;
    }
    line
}

/// Whether the flag takes the next word as its value (not a flag whose
/// value must follow an `=`, such as `--tls-verify=false`).
fn consumes_next(arg: &Arg) -> bool {
    arg.get_action().takes_values()
        && !arg.is_require_equals_set()
        && arg.get_num_args().is_none_or(|n| n.min_values() > 0)
}

/// How many values a positional takes (clap fills `num_args` in only when
/// it builds the command).
fn max_values(arg: &Arg) -> usize {
    match arg.get_num_args() {
        Some(n) => n.max_values(),
        None if matches!(arg.get_action(), clap::ArgAction::Append) => usize::MAX,
        None => 1,
    }
}

fn find_long<'c>(line: &Line<'c>, name: &str) -> Option<&'c Arg> {
    line.args().find(|a| {
        a.get_long() == Some(name)
            || a.get_all_aliases()
                .is_some_and(|aliases| aliases.contains(&name))
    })
}

fn find_subcommand<'c>(cmd: &'c Command, word: &str) -> Option<&'c Command> {
    cmd.get_subcommands()
        .find(|s| s.get_name() == word || s.get_all_aliases().any(|a| a == word))
}

/// The positional argument that receives the `index`th positional word,
/// and the word's place among that argument's values.
fn positional_arg(cmd: &Command, index: usize) -> Option<(&Arg, usize)> {
    let mut left = index;
    for arg in cmd.get_positionals() {
        let max = max_values(arg);
        if left < max {
            return Some((arg, left));
        }
        left -= max;
    }
    None
}

fn help_of(arg: &Arg) -> String {
    arg.get_help().map(|h| h.to_string()).unwrap_or_default()
}

/// The flags of the current command (and the global ones); `--long` for
/// `--…`, short ones too for a lone `-`.
fn flags(line: &Line, cur: &str) -> Vec<Candidate> {
    let mut out = Vec::new();
    for arg in line.args() {
        if arg.is_positional() || arg.is_hide_set() {
            continue;
        }
        let repeatable = matches!(
            arg.get_action(),
            clap::ArgAction::Append | clap::ArgAction::Count
        );
        if !repeatable && line.used.contains(&arg.get_id().as_str()) {
            continue;
        }
        let help = help_of(arg);
        let mut names: Vec<String> = Vec::new();
        if let Some(long) = arg.get_long() {
            names.push(format!("--{long}"));
        }
        for alias in arg.get_visible_aliases().unwrap_or_default() {
            names.push(format!("--{alias}"));
        }
        if cur == "-" {
            if let Some(short) = arg.get_short() {
                names.push(format!("-{short}"));
            }
        }
        out.extend(
            names
                .into_iter()
                .filter(|n| n.starts_with(cur))
                .map(|n| Candidate::new(n, help.clone())),
        );
    }
    // What clap adds when it builds the command.
    let leaf = line.leaf();
    let mut added = vec![("--help", "Print help")];
    if line.path.len() == 1 {
        added.push(("--version", "Print version"));
    }
    if cur == "-" && !line.args().any(|a| a.get_short() == Some('h')) {
        added.push(("-h", "Print help"));
    }
    for (flag, help) in added {
        let taken = line.args().any(|a| a.get_long() == Some(&flag[2..]));
        if flag.starts_with(cur) && !taken && !leaf.is_disable_help_flag_set() {
            out.push(Candidate::new(flag, help));
        }
    }
    out
}

/// Subcommands a user may type: internal ones (`container-monitor`) are
/// hidden and stay out.
fn subcommands(cmd: &Command, cur: &str) -> Vec<Candidate> {
    let mut out = Vec::new();
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
        for name in std::iter::once(sub.get_name()).chain(sub.get_visible_aliases()) {
            if name.starts_with(cur) {
                out.push(Candidate::new(name, about.clone()));
            }
        }
    }
    out
}

/// A positional word: what the argument at its place names.
fn positional(line: &Line, objects: &Objects, cur: &str) -> Answer {
    let leaf = line.leaf();
    let Some((arg, offset)) = positional_arg(leaf, line.positionals) else {
        // One word more than the command takes.
        return no_files(Vec::new());
    };
    let value_name = arg
        .get_value_names()
        .and_then(|v| v.first())
        .map(|v| v.to_string())
        .unwrap_or_default();
    // "IMAGE [COMMAND [ARG...]]": the first value is the image, the rest a
    // command line, whose words are best left to the shell (file names).
    let first = value_name.split_whitespace().next().unwrap_or_default();
    if offset > 0 && value_name.contains(' ') {
        return Answer::default();
    }
    let names = line.names();
    let command = names.last().copied().unwrap_or_default();
    let candidates = match first {
        "CONTAINER" => objects.containers(want(&names), cur),
        "IMAGE" | "REPOSITORY" if !matches!(command, "commit" | "import") => objects.images(cur),
        "VOLUME" => objects.volumes(cur),
        "NETWORK" => objects.named_networks(cur),
        "POD" => objects.pods(cur),
        "NAME" if command == "inspect" => {
            let mut all = objects.containers(Want::All, cur);
            all.extend(objects.images(cur));
            all.extend(objects.volumes(cur));
            all
        }
        "REGISTRY" => objects.registries(cur),
        "SRC_PATH" | "DEST_PATH" => return copy_path(objects, cur),
        _ => return generic_values(arg, cur, ""),
    };
    no_files(candidates)
}

/// The containers a command accepts, by state (Podman's choices).
fn want(names: &[&str]) -> Want {
    match names {
        [.., "start"] => Want::Stopped,
        // `unpause` would want paused ones (`Want::Paused`) once cove can
        // pause: containers never record that state yet.
        [.., "stop" | "kill" | "exec" | "attach" | "top" | "stats" | "pause"]
        | ["healthcheck", "run"] => Want::Running,
        _ => Want::All,
    }
}

/// `cp`'s `CONTAINER:PATH` or a host path.
fn copy_path(objects: &Objects, cur: &str) -> Answer {
    if cur.contains(':') {
        // A path inside the container: not ours to list.
        return no_files(Vec::new());
    }
    let candidates = objects
        .containers(Want::All, cur)
        .into_iter()
        .map(|c| Candidate::new(format!("{}:", c.value), c.help))
        .collect();
    Answer {
        candidates,
        directive: directive::NO_SPACE | directive::FILES,
    }
}

/// A flag's value (`prefix` is `--flag=` when typed in one word).
fn values(line: &Line, objects: &Objects, arg: &Arg, cur: &str, prefix: &str) -> Answer {
    let names = line.names();
    let flag = arg.get_long().unwrap_or_default();
    let mut answer = match flag {
        "network" | "net" => objects.network_modes(cur),
        "pod" => no_files(objects.pods(cur)),
        "userns" => fixed(
            cur,
            &[
                ("host", "the host's user namespace"),
                ("keep-id", "your uid and gid inside too"),
                ("keep-id:uid=", "keep-id as another uid"),
            ],
        ),
        "restart" => fixed(
            cur,
            &[
                ("no", "never restart"),
                ("on-failure", "restart after a non-zero exit"),
                ("on-failure:", "at most N times"),
                ("always", "restart after every exit"),
                ("unless-stopped", "always, unless stopped by you"),
            ],
        ),
        // A string since Podman's names and shapes are checked by hand
        // (cli::commands::global), so clap has no list to offer.
        "log-level" => fixed(
            cur,
            &[
                ("trace", ""),
                ("debug", ""),
                ("info", ""),
                ("warn", ""),
                ("warning", ""),
                ("error", ""),
                ("fatal", ""),
                ("panic", ""),
            ],
        ),
        "signal" | "stop-signal" => no_files(signals(cur)),
        "volume" if arg.get_short() == Some('v') => objects.volume_spec(cur),
        "condition" => no_files(
            fields::WAIT_CONDITIONS
                .iter()
                .filter(|s| s.starts_with(cur))
                .map(|s| Candidate::new(*s, ""))
                .collect(),
        ),
        "cap-add" | "cap-drop" => no_files(capabilities(cur)),
        "filter" => fields::filters(&names, objects, cur),
        "format" if arg.get_possible_values().is_empty() => fields::format(&names, cur),
        _ => generic_values(arg, cur, ""),
    };
    if !prefix.is_empty() {
        for c in &mut answer.candidates {
            c.value.insert_str(0, prefix);
        }
    }
    answer
}

/// Fixed candidates; one ending in `:` or `=` is a prefix to go on with.
fn fixed(cur: &str, choices: &[(&str, &str)]) -> Answer {
    let candidates: Vec<Candidate> = choices
        .iter()
        .filter(|(v, _)| v.starts_with(cur))
        .map(|(v, h)| Candidate::new(*v, *h))
        .collect();
    let open = candidates
        .iter()
        .any(|c| c.value.ends_with(':') || c.value.ends_with('='));
    Answer {
        candidates,
        directive: directive::NO_FILES | if open { directive::NO_SPACE } else { 0 },
    }
}

/// Capability names, with CAP_ when typed so (both are taken).
fn capabilities(cur: &str) -> Vec<Candidate> {
    let upper = cur.to_ascii_uppercase();
    let with_cap = upper.starts_with("CAP_");
    crate::runtime::caps::CAP_NAMES
        .iter()
        .map(|c| {
            if with_cap {
                c.to_string()
            } else {
                c.trim_start_matches("CAP_").to_string()
            }
        })
        .chain(["ALL".to_string()])
        .filter(|c| c.starts_with(&upper))
        .map(|c| Candidate::new(c, ""))
        .collect()
}

/// Signal names as `kill --signal` takes them (with SIG when typed so).
fn signals(cur: &str) -> Vec<Candidate> {
    let upper = cur.to_ascii_uppercase();
    let with_sig = upper.starts_with("SIG");
    crate::container::options::signal_names()
        .map(|n| {
            if with_sig {
                format!("SIG{n}")
            } else {
                n.to_string()
            }
        })
        .filter(|n| n.starts_with(&upper))
        .map(|n| Candidate::new(n, ""))
        .collect()
}

/// What clap knows of an argument: its possible values, or that it is a
/// path.
fn generic_values(arg: &Arg, cur: &str, prefix: &str) -> Answer {
    let possible = arg.get_possible_values();
    if !possible.is_empty() {
        return no_files(
            possible
                .iter()
                .filter(|p| !p.is_hide_set())
                .map(|p| {
                    let help = p.get_help().map(|h| h.to_string()).unwrap_or_default();
                    (format!("{prefix}{}", p.get_name()), help)
                })
                .filter(|(v, _)| v.starts_with(&format!("{prefix}{cur}")))
                .map(|(v, h)| Candidate::new(v, h))
                .collect(),
        );
    }
    use clap::ValueHint;
    let value_name = arg
        .get_value_names()
        .and_then(|v| v.first())
        .map(|v| v.to_string())
        .unwrap_or_default();
    match arg.get_value_hint() {
        ValueHint::DirPath => Answer {
            candidates: Vec::new(),
            directive: directive::DIRS,
        },
        ValueHint::AnyPath | ValueHint::FilePath | ValueHint::ExecutablePath => Answer::default(),
        // `import FILE` takes `-` too, so it is a String to clap.
        _ if value_name == "FILE" => Answer::default(),
        _ => no_files(Vec::new()),
    }
}
