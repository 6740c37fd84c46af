//! Variable expansion in the instructions that expand (ADD, COPY, ENV,
//! EXPOSE, FROM, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR, ARG), by the
//! rules of BuildKit's shell lexer: `$V`, `${V}`, `${V:-w}`, `${V-w}`,
//! `${V:+w}`, `${V+w}`, `${V:?msg}`, `${V?msg}`; single quotes are
//! literal, double quotes expand, the escape character (`\` or the `#
//! escape=` one) makes the next character literal. Quotes are removed.

use std::collections::BTreeSet;

/// Looks a variable up: None when unset (not the same as empty).
pub trait Vars {
    fn get(&self, name: &str) -> Option<String>;
}

impl<F: Fn(&str) -> Option<String>> Vars for F {
    fn get(&self, name: &str) -> Option<String> {
        self(name)
    }
}

/// One word expanded, with the names it looked up.
pub fn word(
    text: &str,
    vars: &dyn Vars,
    escape: char,
) -> anyhow::Result<(String, BTreeSet<String>)> {
    let mut lex = Lexer::new(text, vars, escape);
    let words = lex.run(false)?;
    Ok((words.into_iter().next().unwrap_or_default(), lex.used))
}

/// A heredoc's body for COPY/ADD: variables expanded, quotes kept as
/// they are.
pub fn heredoc(text: &str, vars: &dyn Vars, escape: char) -> anyhow::Result<String> {
    let mut lex = Lexer::new(text, vars, escape);
    lex.quotes = false;
    Ok(lex.run(false)?.into_iter().next().unwrap_or_default())
}

/// Words split on unquoted blanks (those of expanded variables too), as
/// `COPY a $B c` or `EXPOSE $PORTS` read them.
pub fn words(text: &str, vars: &dyn Vars, escape: char) -> anyhow::Result<Vec<String>> {
    Lexer::new(text, vars, escape).run(true)
}

/// `K=V K2="v 2"` split into raw words on unquoted blanks, quotes and
/// escapes kept (each value is then expanded with [`word`]).
pub fn raw_words(text: &str, escape: char) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    let mut any = false;
    while let Some(c) = chars.next() {
        match quote {
            None if c.is_whitespace() => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
                continue;
            }
            None if c == '"' || c == '\'' => quote = Some(c),
            Some(q) if c == q => quote = None,
            _ => {}
        }
        any = true;
        cur.push(c);
        if c == escape && quote != Some('\'') {
            if let Some(n) = chars.next() {
                cur.push(n);
            }
        }
    }
    if quote.is_some() {
        anyhow::bail!("unmatched quote in {text:?}");
    }
    if any {
        out.push(cur);
    }
    Ok(out)
}

struct Lexer<'a> {
    chars: Vec<char>,
    pos: usize,
    vars: &'a dyn Vars,
    escape: char,
    used: BTreeSet<String>,
    /// Quotes are syntax (false for heredoc bodies).
    quotes: bool,
}

impl<'a> Lexer<'a> {
    fn new(text: &str, vars: &'a dyn Vars, escape: char) -> Lexer<'a> {
        Lexer {
            chars: text.chars().collect(),
            pos: 0,
            vars,
            escape,
            used: BTreeSet::new(),
            quotes: true,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        self.pos += 1;
        c
    }

    /// The whole text; with `split`, one entry per word.
    fn run(&mut self, split: bool) -> anyhow::Result<Vec<String>> {
        let mut words = Vec::new();
        let mut cur = String::new();
        let mut in_word = false;
        while let Some(c) = self.peek() {
            if split && c.is_whitespace() {
                self.next();
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
                continue;
            }
            in_word = true;
            match c {
                '\'' if self.quotes => {
                    self.next();
                    cur.push_str(&self.single_quoted()?);
                }
                '"' if self.quotes => {
                    self.next();
                    cur.push_str(&self.double_quoted()?);
                }
                '$' => {
                    self.next();
                    let value = self.dollar()?;
                    if split {
                        // Unquoted expansions split into words.
                        let mut parts = value.split(char::is_whitespace).peekable();
                        let starts_blank = value.starts_with(char::is_whitespace);
                        if starts_blank && !cur.is_empty() {
                            words.push(std::mem::take(&mut cur));
                        }
                        while let Some(p) = parts.next() {
                            cur.push_str(p);
                            if parts.peek().is_some() && !cur.is_empty() {
                                words.push(std::mem::take(&mut cur));
                            }
                        }
                        in_word = !cur.is_empty();
                    } else {
                        cur.push_str(&value);
                    }
                }
                c if c == self.escape => {
                    self.next();
                    // A trailing escape is dropped.
                    if let Some(n) = self.next() {
                        cur.push(n);
                    }
                }
                c => {
                    self.next();
                    cur.push(c);
                }
            }
        }
        if in_word || (!split && words.is_empty()) {
            words.push(cur);
        }
        Ok(words)
    }

    fn single_quoted(&mut self) -> anyhow::Result<String> {
        let mut out = String::new();
        loop {
            match self.next() {
                None => anyhow::bail!(
                    "unexpected end of statement while looking for matching single-quote"
                ),
                Some('\'') => return Ok(out),
                Some(c) => out.push(c),
            }
        }
    }

    fn double_quoted(&mut self) -> anyhow::Result<String> {
        let mut out = String::new();
        loop {
            match self.next() {
                None => anyhow::bail!(
                    "unexpected end of statement while looking for matching double-quote"
                ),
                Some('"') => return Ok(out),
                Some('$') => out.push_str(&self.dollar()?),
                Some(c) if c == self.escape => match self.peek() {
                    Some(n) if n == '"' || n == '$' || n == self.escape => {
                        self.next();
                        out.push(n);
                    }
                    _ => out.push(c),
                },
                Some(c) => out.push(c),
            }
        }
    }

    /// After a `$`: a name, `{…}`, or a lone `$`.
    fn dollar(&mut self) -> anyhow::Result<String> {
        if self.peek() != Some('{') {
            let name = self.name();
            if name.is_empty() {
                return Ok("$".into());
            }
            return Ok(self.lookup(&name).unwrap_or_default());
        }
        self.next();
        let name = self.name();
        if name.is_empty() {
            anyhow::bail!("bad substitution: missing variable name after ${{");
        }
        match self.next() {
            Some('}') => Ok(self.lookup(&name).unwrap_or_default()),
            Some(c @ (':' | '-' | '+' | '?')) => {
                let colon = c == ':';
                let op = if colon { self.next() } else { Some(c) };
                let op = match op {
                    Some(o @ ('-' | '+' | '?')) => o,
                    other => anyhow::bail!(
                        "unsupported modifier ({}) in substitution of {name}",
                        other.map(String::from).unwrap_or_default()
                    ),
                };
                let word = self.until_brace()?;
                let value = self.lookup(&name);
                let set = match colon {
                    true => value.as_deref().is_some_and(|v| !v.is_empty()),
                    false => value.is_some(),
                };
                match op {
                    '-' => Ok(if set { value.unwrap_or_default() } else { word }),
                    '+' => Ok(if set { word } else { String::new() }),
                    _ if set => Ok(value.unwrap_or_default()),
                    _ => anyhow::bail!("{name}: {word}"),
                }
            }
            Some(c) => anyhow::bail!("unsupported modifier ({c}) in substitution of {name}"),
            None => anyhow::bail!("missing '}}' in substitution of {name}"),
        }
    }

    /// The word of `${V:-word}` up to its `}`, expanded.
    fn until_brace(&mut self) -> anyhow::Result<String> {
        let mut out = String::new();
        loop {
            match self.next() {
                None => anyhow::bail!("missing '}}' in substitution"),
                Some('}') => return Ok(out),
                Some('$') => out.push_str(&self.dollar()?),
                Some('\'') => out.push_str(&self.single_quoted()?),
                Some('"') => out.push_str(&self.double_quoted()?),
                Some(c) if c == self.escape => {
                    if let Some(n) = self.next() {
                        out.push(n);
                    }
                }
                Some(c) => out.push(c),
            }
        }
    }

    fn name(&mut self) -> String {
        let mut name = String::new();
        // A digit alone is a positional parameter.
        if let Some(c) = self.peek().filter(char::is_ascii_digit) {
            self.next();
            name.push(c);
            return name;
        }
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == '_' {
                name.push(c);
                self.next();
            } else {
                break;
            }
        }
        name
    }

    fn lookup(&mut self, name: &str) -> Option<String> {
        self.used.insert(name.to_string());
        self.vars.get(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<String> {
        match name {
            "PWD" => Some("/home".into()),
            "SHELL" => Some("bash".into()),
            "NULL" => Some(String::new()),
            "SPACED" => Some("a b  c".into()),
            _ => None,
        }
    }

    #[test]
    fn word_table() {
        // (input, expected; None = an error), after BuildKit's envVarTest.
        let table: &[(&str, Option<&str>)] = &[
            ("hello", Some("hello")),
            ("he'll'o", Some("hello")),
            ("he'llo", None),
            ("he\\'llo", Some("he'llo")),
            ("\"he'llo\"", Some("he'llo")),
            ("'he\"llo'", Some("he\"llo")),
            ("\"he\\\"llo\"", Some("he\"llo")),
            ("\"a\\b\"", Some("a\\b")),
            ("a\\b", Some("ab")),
            ("abc\\", Some("abc")),
            ("'$PWD'", Some("$PWD")),
            ("\"$PWD\"", Some("/home")),
            ("\\$PWD", Some("$PWD")),
            ("\"\\$PWD\"", Some("$PWD")),
            ("$PWD", Some("/home")),
            ("${PWD}", Some("/home")),
            ("${PWD}x", Some("/homex")),
            ("$PWDx", Some("")),
            ("x$PWD-y", Some("x/home-y")),
            ("$", Some("$")),
            ("a$ b", Some("a$ b")),
            ("${", None),
            ("${PWD", None),
            ("${}", None),
            ("${PWD:=x}", None),
            ("${XXX:-default}", Some("default")),
            ("${XXX:-'quoted x'}", Some("quoted x")),
            ("${PWD:-default}", Some("/home")),
            ("${NULL:-default}", Some("default")),
            ("${NULL-default}", Some("")),
            ("${XXX-default}", Some("default")),
            ("${XXX:+alt}", Some("")),
            ("${PWD:+alt}", Some("alt")),
            ("${NULL:+alt}", Some("")),
            ("${NULL+alt}", Some("alt")),
            ("${XXX:-${PWD}/sub}", Some("/home/sub")),
            ("${XXX:-$SHELL}", Some("bash")),
            ("${PWD:?must}", Some("/home")),
            ("${NULL:?must}", None),
            ("${NULL?must}", Some("")),
            ("${XXX?must}", None),
            ("$1", Some("")),
            ("$12", Some("2")),
            ("\"$SPACED\"", Some("a b  c")),
        ];
        for (input, expected) in table {
            let got = word(input, &vars, '\\').map(|(w, _)| w);
            match expected {
                Some(e) => assert_eq!(got.as_deref().ok(), Some(*e), "{input}: {got:?}"),
                None => assert!(got.is_err(), "{input} should fail: {got:?}"),
            }
        }
    }

    #[test]
    fn other_escape_and_used_names() {
        assert_eq!(word("a`$PWD", &vars, '`').unwrap().0, "a$PWD");
        assert_eq!(word("c:\\dir", &vars, '`').unwrap().0, "c:\\dir");
        let (_, used) = word("$PWD ${XXX:-$SHELL} '$NOPE'", &vars, '\\').unwrap();
        let used: Vec<&str> = used.iter().map(String::as_str).collect();
        assert_eq!(used, ["PWD", "SHELL", "XXX"]);
        let e = word("${XXX:?is required}", &vars, '\\').unwrap_err();
        assert_eq!(e.to_string(), "XXX: is required");
    }

    #[test]
    fn heredoc_bodies_keep_quotes() {
        assert_eq!(
            heredoc("it's \"$PWD\"\n", &vars, '\\').unwrap(),
            "it's \"/home\"\n"
        );
    }

    #[test]
    fn words_table() {
        // (input, words), after BuildKit's wordsTest.
        let table: &[(&str, &[&str])] = &[
            ("hello", &["hello"]),
            ("hello world", &["hello", "world"]),
            ("  hello   world  ", &["hello", "world"]),
            ("'hello world'", &["hello world"]),
            ("\"hello  world\"", &["hello  world"]),
            ("hello\\ world", &["hello world"]),
            ("$SPACED", &["a", "b", "c"]),
            ("x$SPACED", &["xa", "b", "c"]),
            ("\"$SPACED\"", &["a b  c"]),
            ("$NULL", &[]),
            ("\"$NULL\"", &[""]),
            ("a $PWD b", &["a", "/home", "b"]),
            ("''", &[""]),
        ];
        for (input, expected) in table {
            let got = words(input, &vars, '\\').unwrap();
            assert_eq!(got, *expected, "{input}");
        }
    }

    #[test]
    fn raw_words_keep_quotes() {
        assert_eq!(
            raw_words(r#"A=1 B="two words" C='x y' D=a\ b"#, '\\').unwrap(),
            ["A=1", "B=\"two words\"", "C='x y'", "D=a\\ b"]
        );
        assert!(raw_words("A=\"open", '\\').is_err());
    }
}
