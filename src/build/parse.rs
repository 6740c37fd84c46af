//! Containerfile syntax: parser directives (`# escape=`, `# syntax=`),
//! comments, line continuations, heredocs, flags and the JSON (exec) or
//! shell form of the arguments. Nothing is expanded here (`expand` does
//! that with the stage's variables); every instruction keeps its line so
//! errors can name it.

use crate::error::exit_error;

/// The instructions a Containerfile may hold.
pub const KEYWORDS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// Instructions whose arguments may be a JSON array.
const JSON_FORMS: &[&str] = &[
    "ADD",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "HEALTHCHECK",
    "RUN",
    "SHELL",
    "VOLUME",
];

/// Instructions that take `--flags` before their arguments.
const FLAGGED: &[&str] = &["ADD", "COPY", "FROM", "HEALTHCHECK", "RUN"];

/// Instructions whose arguments may carry heredocs.
const HEREDOCS: &[&str] = &["ADD", "COPY", "RUN"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Args {
    /// `["a", "b"]`
    Exec(Vec<String>),
    /// Everything after the keyword and flags, as written.
    Shell(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter (`EOF` of `<<EOF`).
    pub name: String,
    /// The body, each line ending in a newline.
    pub content: String,
    /// False when the delimiter was quoted: no variable expansion.
    pub expand: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// 1-based line of the keyword.
    pub line: usize,
    /// Upper-case keyword.
    pub keyword: String,
    /// `--name=value` flags, in order (value None for a bare `--name`).
    pub flags: Vec<(String, Option<String>)>,
    pub args: Args,
    pub heredocs: Vec<Heredoc>,
    /// The instruction as written after the keyword (continuations
    /// joined), for `STEP n/m:` lines and history.
    pub original: String,
}

impl Instruction {
    /// The value of `--name`, if given (the last one wins).
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_deref().unwrap_or("true"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Containerfile {
    pub escape: char,
    pub instructions: Vec<Instruction>,
}

/// A parse error that names the file and line (and the instruction when
/// there is one), exit code 125.
pub fn error_at(file: &str, line: usize, what: impl std::fmt::Display) -> anyhow::Error {
    exit_error(125, format!("{file}:{line}: {what}"))
}

/// Parse `text` (named `file` in errors).
pub fn parse(file: &str, text: &str) -> anyhow::Result<Containerfile> {
    let lines: Vec<&str> = text.lines().collect();
    let mut escape = '\\';
    let mut i = 0;
    // Directives: only at the very top, before any other line.
    let mut seen = std::collections::BTreeSet::new();
    while i < lines.len() {
        let Some((key, value)) = directive(lines[i]) else {
            break;
        };
        if !seen.insert(key.clone()) {
            return Err(error_at(
                file,
                i + 1,
                format!("only one {key} directive is allowed"),
            ));
        }
        if key == "escape" {
            escape = match value.as_str() {
                "\\" => '\\',
                "`" => '`',
                other => {
                    return Err(error_at(
                        file,
                        i + 1,
                        format!("invalid escape token {other:?}: it must be ` or \\"),
                    ))
                }
            };
        }
        i += 1;
    }
    let mut instructions = Vec::new();
    while i < lines.len() {
        let trimmed = lines[i].trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            i += 1;
            continue;
        }
        let start = i;
        let mut joined = String::new();
        loop {
            let line = lines[i];
            i += 1;
            let end = line.trim_end();
            match end.strip_suffix(escape) {
                Some(rest) => {
                    joined.push_str(rest);
                    // Comment and empty lines inside a continuation vanish.
                    while i < lines.len() {
                        let t = lines[i].trim_start();
                        if t.is_empty() || t.starts_with('#') {
                            i += 1;
                        } else {
                            break;
                        }
                    }
                    if i >= lines.len() {
                        break;
                    }
                }
                None => {
                    joined.push_str(line);
                    break;
                }
            }
        }
        let joined = joined.trim();
        let (word, rest) = match joined.split_once(char::is_whitespace) {
            Some((w, r)) => (w, r.trim_start()),
            None => (joined, ""),
        };
        let keyword = word.to_ascii_uppercase();
        let line = start + 1;
        if !KEYWORDS.contains(&keyword.as_str()) {
            return Err(error_at(file, line, format!("unknown instruction: {word}")));
        }
        let mut rest = rest.to_string();
        let mut flags = Vec::new();
        if FLAGGED.contains(&keyword.as_str()) {
            while let Some(after) = rest.strip_prefix("--") {
                let (flag, tail) = match after.split_once(char::is_whitespace) {
                    Some((f, t)) => (f.to_string(), t.trim_start().to_string()),
                    None => (after.to_string(), String::new()),
                };
                if flag.is_empty() {
                    return Err(error_at(file, line, format!("{keyword}: empty flag")));
                }
                match flag.split_once('=') {
                    Some((n, v)) => flags.push((n.to_string(), Some(v.to_string()))),
                    None => flags.push((flag, None)),
                }
                rest = tail;
            }
        }
        let mut heredocs = Vec::new();
        if HEREDOCS.contains(&keyword.as_str()) && !rest.starts_with('[') {
            for (name, strip, expand) in heredoc_markers(&rest) {
                let mut content = String::new();
                loop {
                    let Some(body) = lines.get(i) else {
                        return Err(error_at(
                            file,
                            line,
                            format!("{keyword}: heredoc {name} is not terminated"),
                        ));
                    };
                    i += 1;
                    let body = if strip {
                        body.trim_start_matches('\t')
                    } else {
                        body
                    };
                    if body == name {
                        break;
                    }
                    content.push_str(body);
                    content.push('\n');
                }
                heredocs.push(Heredoc {
                    name,
                    content,
                    expand,
                });
            }
        }
        let args = match json_array(&keyword, &rest) {
            Some(v) => Args::Exec(v),
            None => Args::Shell(rest.clone()),
        };
        let empty = match &args {
            Args::Exec(v) => {
                v.is_empty() && !matches!(keyword.as_str(), "CMD" | "ENTRYPOINT" | "RUN")
            }
            Args::Shell(s) => s.is_empty(),
        };
        if empty {
            return Err(error_at(
                file,
                line,
                format!("{keyword} requires at least one argument"),
            ));
        }
        let original = match flags.is_empty() {
            true => rest.clone(),
            false => joined[word.len()..].trim_start().to_string(),
        };
        instructions.push(Instruction {
            line,
            keyword,
            flags,
            args,
            heredocs,
            original,
        });
    }
    Ok(Containerfile {
        escape,
        instructions,
    })
}

/// `# key=value` with a key BuildKit knows, lower-cased.
fn directive(line: &str) -> Option<(String, String)> {
    let body = line.trim().strip_prefix('#')?;
    let (key, value) = body.split_once('=')?;
    let key = key.trim().to_ascii_lowercase();
    if !matches!(key.as_str(), "escape" | "syntax" | "check") {
        return None;
    }
    Some((key, value.trim().to_string()))
}

/// A JSON array of strings, for the instructions that have an exec form.
fn json_array(keyword: &str, rest: &str) -> Option<Vec<String>> {
    if !JSON_FORMS.contains(&keyword) || !rest.starts_with('[') {
        return None;
    }
    serde_json::from_str::<Vec<String>>(rest).ok()
}

/// The heredoc markers of a line, in order: (delimiter, strip leading
/// tabs (`<<-`), expand (delimiter not quoted)).
fn heredoc_markers(text: &str) -> Vec<(String, bool, bool)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] != b'<' || bytes[i + 1] != b'<' {
            i += 1;
            continue;
        }
        let mut j = i + 2;
        if bytes.get(j) == Some(&b'<') {
            // `<<<` is a here-string, not ours.
            i = j + 1;
            continue;
        }
        let strip = bytes.get(j) == Some(&b'-');
        if strip {
            j += 1;
        }
        let quote = match bytes.get(j) {
            Some(&q @ (b'"' | b'\'')) => {
                j += 1;
                Some(q)
            }
            _ => None,
        };
        let start = j;
        while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
            j += 1;
        }
        let name = &text[start..j];
        let closed = match quote {
            Some(q) => bytes.get(j) == Some(&q),
            None => true,
        };
        if !name.is_empty() && closed && !name.as_bytes()[0].is_ascii_digit() {
            out.push((name.to_string(), strip, quote.is_none()));
            if quote.is_some() {
                j += 1;
            }
        }
        i = j.max(i + 2);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Instruction {
        let f = parse("Containerfile", text).unwrap();
        assert_eq!(f.instructions.len(), 1, "{text:?}: {:?}", f.instructions);
        f.instructions.into_iter().next().unwrap()
    }

    #[test]
    fn forms_and_flags() {
        // (text, keyword, flags, args)
        let shell = |s: &str| Args::Shell(s.into());
        let exec = |v: &[&str]| Args::Exec(v.iter().map(|s| s.to_string()).collect());
        type Row<'a> = (&'a str, &'a str, Vec<(&'a str, Option<&'a str>)>, Args);
        let table: Vec<Row> = vec![
            ("FROM busybox", "FROM", vec![], shell("busybox")),
            ("from busybox AS b", "FROM", vec![], shell("busybox AS b")),
            (
                "FROM --platform=linux/amd64 busybox",
                "FROM",
                vec![("platform", Some("linux/amd64"))],
                shell("busybox"),
            ),
            ("RUN echo hi", "RUN", vec![], shell("echo hi")),
            (
                r#"RUN ["echo", "hi"]"#,
                "RUN",
                vec![],
                exec(&["echo", "hi"]),
            ),
            // Not valid JSON: the shell form.
            (
                r#"RUN ["echo", hi]"#,
                "RUN",
                vec![],
                shell(r#"["echo", hi]"#),
            ),
            (r#"CMD []"#, "CMD", vec![], exec(&[])),
            (
                "COPY --from=b --chown=1:2 /a /b",
                "COPY",
                vec![("from", Some("b")), ("chown", Some("1:2"))],
                shell("/a /b"),
            ),
            (
                "RUN --network=none true",
                "RUN",
                vec![("network", Some("none"))],
                shell("true"),
            ),
            // ENV has no flags: `--x` is its argument.
            ("ENV --x=1", "ENV", vec![], shell("--x=1")),
            // LABEL with JSON-looking text stays shell form.
            (r#"LABEL ["a"]"#, "LABEL", vec![], shell(r#"["a"]"#)),
            (
                r#"VOLUME ["/a", "/b"]"#,
                "VOLUME",
                vec![],
                exec(&["/a", "/b"]),
            ),
        ];
        for (text, keyword, flags, args) in table {
            let i = one(text);
            assert_eq!(i.keyword, keyword, "{text}");
            let flags: Vec<(String, Option<String>)> = flags
                .into_iter()
                .map(|(a, b)| (a.to_string(), b.map(str::to_string)))
                .collect();
            assert_eq!(i.flags, flags, "{text}");
            assert_eq!(i.args, args, "{text}");
        }
    }

    #[test]
    fn continuations_comments_and_lines() {
        let text = "# a comment\n\nFROM busybox\n\nRUN echo a \\\n  # inside\n\n  b\nENV A=1\n";
        let f = parse("Containerfile", text).unwrap();
        let i = &f.instructions;
        assert_eq!(i.len(), 3);
        assert_eq!((i[0].line, i[1].line, i[2].line), (3, 5, 9));
        assert_eq!(i[1].args, Args::Shell("echo a   b".into()));
        // A trailing continuation at the end of the file ends the instruction.
        let i = one("RUN echo \\");
        assert_eq!(i.args, Args::Shell("echo".into()));
    }

    #[test]
    fn directives() {
        let f = parse("Containerfile", "# escape=`\nFROM x\nRUN echo `\n  a\n").unwrap();
        assert_eq!(f.escape, '`');
        assert_eq!(f.instructions[1].args, Args::Shell("echo   a".into()));
        // syntax is accepted and ignored; an unknown key is a comment.
        let f = parse("f", "# syntax=docker/dockerfile:1\n# foo=bar\nFROM x\n").unwrap();
        assert_eq!(f.escape, '\\');
        // After the first other line, a directive is a comment.
        let f = parse("f", "FROM x\n# escape=`\nRUN a \\\n b\n").unwrap();
        assert_eq!(f.escape, '\\');
        assert_eq!(f.instructions[1].args, Args::Shell("a  b".into()));
        let e = parse("f", "# escape=x\nFROM x\n").unwrap_err().to_string();
        assert!(e.contains("f:1:"), "{e}");
        assert!(parse("f", "# escape=`\n# escape=\\\nFROM x").is_err());
    }

    #[test]
    fn heredocs() {
        let i = one("RUN <<EOF\necho a\necho b\nEOF\n");
        assert_eq!(i.heredocs.len(), 1);
        assert_eq!(i.heredocs[0].name, "EOF");
        assert_eq!(i.heredocs[0].content, "echo a\necho b\n");
        assert!(i.heredocs[0].expand);
        let f = parse(
            "f",
            "COPY <<-\"A\" <<B /dst/\n\t\tone $X\n\tA\ntwo\nB\nRUN true\n",
        )
        .unwrap();
        let c = &f.instructions[0];
        assert_eq!(c.heredocs.len(), 2);
        assert_eq!(
            (c.heredocs[0].name.as_str(), c.heredocs[0].expand),
            ("A", false)
        );
        assert_eq!(c.heredocs[0].content, "one $X\n");
        assert_eq!(c.heredocs[1].content, "two\n");
        assert_eq!(f.instructions[1].line, 6);
        // Here-strings and shifts are not heredocs; an unterminated one fails.
        assert!(one("RUN cat <<<word").heredocs.is_empty());
        assert!(one("RUN echo $((1<<2))").heredocs.is_empty());
        let e = parse("Containerfile", "FROM x\nRUN <<EOF\nno end\n").unwrap_err();
        assert!(
            e.to_string().contains("Containerfile:2: RUN: heredoc EOF"),
            "{e}"
        );
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = parse("Dockerfile", "FROM x\nFROB y\n")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "Dockerfile:2: unknown instruction: FROB");
        let e = parse("Dockerfile", "FROM x\nRUN\n")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "Dockerfile:2: RUN requires at least one argument");
        assert!(parse("f", "").unwrap().instructions.is_empty());
    }
}
