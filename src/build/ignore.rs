//! `.containerignore` / `.dockerignore` with moby's patternmatcher rules
//! (not gitignore's): each pattern is cleaned as Go's `filepath.Clean`
//! does (a leading `/` or `./` goes), `*` and `?` stay within one path
//! segment, `[…]` classes and `\` escapes as Go's `filepath.Match`, `**`
//! spans any number of segments; the patterns apply in order, a `!`
//! pattern re-includes what earlier ones excluded, and a path is excluded
//! when it or one of its parent directories matches.

use crate::error::exit_error;

#[derive(Debug)]
struct Pattern {
    text: String,
    regex: regex::Regex,
    exclusion: bool,
}

#[derive(Debug, Default)]
pub struct Matcher {
    patterns: Vec<Pattern>,
}

impl Matcher {
    /// The patterns of an ignore file's text (`file` names it in errors).
    pub fn parse(file: &str, text: &str) -> anyhow::Result<Matcher> {
        let mut patterns = Vec::new();
        for (n, line) in text.trim_start_matches('\u{feff}').lines().enumerate() {
            if line.starts_with('#') {
                continue;
            }
            let mut p = line.trim();
            if p.is_empty() {
                continue;
            }
            let exclusion = p.starts_with('!');
            if exclusion {
                p = p[1..].trim();
                if p.is_empty() {
                    return Err(exit_error(
                        125,
                        format!("{file}:{}: illegal exclusion pattern: \"!\"", n + 1),
                    ));
                }
            }
            let mut cleaned = clean(p);
            if cleaned.len() > 1 && cleaned.starts_with('/') {
                cleaned.remove(0);
            }
            let regex = compile(&cleaned).map_err(|e| {
                exit_error(125, format!("{file}:{}: bad pattern {p:?}: {e}", n + 1))
            })?;
            patterns.push(Pattern {
                text: cleaned,
                regex,
                exclusion,
            });
        }
        Ok(Matcher { patterns })
    }

    /// Whether any `!` pattern exists (then excluded directories must
    /// still be walked: something inside may come back).
    pub fn has_exclusions(&self) -> bool {
        self.patterns.iter().any(|p| p.exclusion)
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether `path` (relative to the context) is left out.
    pub fn excluded(&self, path: &str) -> bool {
        self.matching(path).is_some()
    }

    /// The pattern that leaves `path` out, if one does.
    pub fn matching(&self, path: &str) -> Option<&str> {
        let path = clean(path);
        let parents: Vec<&str> = match path.rfind('/') {
            Some(i) => path[..i].split('/').collect(),
            None => Vec::new(),
        };
        let mut by: Option<&str> = None;
        for p in &self.patterns {
            // An inclusion only matters once excluded, and the reverse.
            if p.exclusion != by.is_some() {
                continue;
            }
            let mut matched = p.regex.is_match(&path);
            if !matched {
                for i in 1..=parents.len() {
                    if p.regex.is_match(&parents[..i].join("/")) {
                        matched = true;
                        break;
                    }
                }
            }
            if matched {
                by = if p.exclusion { None } else { Some(&p.text) };
            }
        }
        by
    }
}

/// Go's `filepath.Clean` for slash paths.
pub fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// The pattern as an anchored regular expression, as patternmatcher
/// builds it.
fn compile(pattern: &str) -> Result<regex::Regex, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut re = String::from("^");
    let mut i = 0;
    let mut in_class = false;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if in_class {
            match c {
                ']' => {
                    in_class = false;
                    re.push(']');
                }
                '\\' => {
                    let Some(&n) = chars.get(i) else {
                        return Err("trailing escape".into());
                    };
                    i += 1;
                    re.push_str(&regex::escape(&n.to_string()));
                }
                '[' => re.push_str("\\["),
                c => re.push(c),
            }
            continue;
        }
        match c {
            '*' if chars.get(i) == Some(&'*') => {
                i += 1;
                if chars.get(i) == Some(&'/') {
                    i += 1;
                }
                if i >= chars.len() {
                    re.push_str(".*");
                } else {
                    re.push_str("(.*/)?");
                }
            }
            '*' => re.push_str("[^/]*"),
            '?' => re.push_str("[^/]"),
            '\\' => match chars.get(i) {
                Some(&n) => {
                    i += 1;
                    re.push_str(&regex::escape(&n.to_string()));
                }
                None => return Err("trailing escape".into()),
            },
            '[' => {
                in_class = true;
                re.push('[');
                if chars.get(i) == Some(&'^') {
                    i += 1;
                    re.push('^');
                }
                if chars.get(i) == Some(&']') {
                    return Err("empty character class".into());
                }
            }
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    if in_class {
        return Err("unterminated character class".into());
    }
    re.push('$');
    regex::Regex::new(&re).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_table() {
        let table = [
            ("", "."),
            (".", "."),
            ("./a", "a"),
            ("a/", "a"),
            ("a//b", "a/b"),
            ("a/./b/", "a/b"),
            ("a/../b", "b"),
            ("../a", "../a"),
            ("/../a", "/a"),
            ("/", "/"),
            ("/a/b", "/a/b"),
        ];
        for (input, want) in table {
            assert_eq!(clean(input), want, "{input}");
        }
    }

    #[test]
    fn match_table() {
        // (ignore file, path, excluded), from the documented behaviour.
        let table: &[(&str, &str, bool)] = &[
            ("*.go", "a.go", true),
            ("*.go", "dir/a.go", false),
            ("*/*.go", "dir/a.go", true),
            ("**/*.go", "a.go", true),
            ("**/*.go", "x/y/a.go", true),
            ("**", "anything/at/all", true),
            ("dir/**", "dir/x/y", true),
            ("dir/**", "dir", false),
            ("dir/**/z", "dir/z", true),
            ("dir/**/z", "dir/a/b/z", true),
            // A directory pattern excludes what is beneath it.
            ("dir", "dir/sub/file", true),
            ("dir/", "dir/file", true),
            ("/dir", "dir/file", true),
            ("./dir", "dir/file", true),
            ("dir", "other/dir", false),
            ("te?t", "test", true),
            ("te?t", "te/t", false),
            ("[a-c].txt", "b.txt", true),
            ("[a-c].txt", "d.txt", false),
            ("[^a-c].txt", "d.txt", true),
            ("\\*.txt", "*.txt", true),
            ("\\*.txt", "a.txt", false),
            ("a.txt", "aXtxt", false),
            ("a+b", "a+b", true),
            // Exceptions, in order.
            ("*.md\n!README.md", "README.md", false),
            ("*.md\n!README.md", "NOTES.md", true),
            ("!README.md\n*.md", "README.md", true),
            ("docs\n!docs/keep", "docs/keep", false),
            ("docs\n!docs/keep", "docs/other", true),
            ("docs\n!docs/keep\ndocs/keep", "docs/keep", true),
            // Comments and blanks.
            ("# *.go\n\n  ", "a.go", false),
            ("  *.go  ", "a.go", true),
            // Paths are cleaned before matching.
            ("a/b", "./a//b", true),
        ];
        for (file, path, want) in table {
            let m = Matcher::parse(".containerignore", file).unwrap();
            assert_eq!(m.excluded(path), *want, "{file:?} {path}");
        }
    }

    #[test]
    fn which_pattern_and_bad_input() {
        let m = Matcher::parse("f", "secret*\n!secret.pub").unwrap();
        assert_eq!(m.matching("secret.key"), Some("secret*"));
        assert_eq!(m.matching("secret.pub"), None);
        assert!(m.has_exclusions());
        let e = Matcher::parse(".dockerignore", "a\n!\n").unwrap_err();
        assert!(e.to_string().contains(".dockerignore:2:"), "{e}");
        assert!(Matcher::parse("f", "[a-").is_err());
        assert!(Matcher::parse("f", "a\\").is_err());
    }
}
