//! `*` and `?` wildcards, as filters on names and labels use them.
//!
//! No classes or escapes: every other byte matches itself. The match runs
//! over the set of reachable text positions, so a pattern full of stars
//! costs pattern × text steps, never an exponential backtrack.

/// Whether `*` and `?` may stand for a `/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slash {
    /// Wildcards match any byte (`docker.io/*` matches `docker.io/a/b`).
    Any,
    /// Wildcards stop at `/`, as in Go's `path.Match`.
    Literal,
}

/// Whether all of `text` matches `pattern`.
pub fn glob_match(pattern: &str, text: &str, slash: Slash) -> bool {
    let text = text.as_bytes();
    let wild_ok = |b: u8| slash == Slash::Any || b != b'/';
    // reach[j]: the pattern so far can match exactly text[..j].
    let mut reach = vec![false; text.len() + 1];
    reach[0] = true;
    for &p in pattern.as_bytes() {
        if p == b'*' {
            for j in 1..=text.len() {
                reach[j] = reach[j] || (reach[j - 1] && wild_ok(text[j - 1]));
            }
        } else {
            for j in (1..=text.len()).rev() {
                let byte = text[j - 1];
                let one = if p == b'?' { wild_ok(byte) } else { byte == p };
                reach[j] = reach[j - 1] && one;
            }
            reach[0] = false;
        }
        if !reach.contains(&true) {
            return false;
        }
    }
    reach[text.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        use Slash::{Any, Literal};
        // (pattern, text, matches with Any, matches with Literal)
        let table: &[(&str, &str, bool, bool)] = &[
            ("", "", true, true),
            ("", "a", false, false),
            ("a", "", false, false),
            ("*", "", true, true),
            ("*", "abc", true, true),
            ("*", "a/b", true, false),
            ("?", "a", true, true),
            ("?", "", false, false),
            ("?", "ab", false, false),
            ("?", "/", true, false),
            ("abc", "abc", true, true),
            ("abc", "abd", false, false),
            ("b?sybox", "busybox", true, true),
            ("alpine", "busybox", false, false),
            ("a*", "a", true, true),
            ("*c", "abc", true, true),
            ("a*c", "ac", true, true),
            ("a*c", "abbbc", true, true),
            ("a*c", "abcd", false, false),
            ("a*b*c", "axxbyyc", true, true),
            ("a**c", "abc", true, true),
            (
                "*a*a*a*a*a*a*a*a*b",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                false,
                false,
            ),
            (
                "docker.io/library/*",
                "docker.io/library/busybox",
                true,
                true,
            ),
            ("docker.io/*", "docker.io/library/busybox", true, false),
            ("*/busybox", "docker.io/library/busybox", true, false),
            ("*/*/busybox", "docker.io/library/busybox", true, true),
            ("com.example.*", "com.example.tier", true, true),
            ("a?c", "a/c", true, false),
            ("a/*", "a/", true, true),
            ("[ab]", "a", false, false),
            ("[ab]", "[ab]", true, true),
            ("\\*", "\\x", true, true),
            ("é*", "été", true, true),
            ("?", "é", false, false),
        ];
        for (pattern, text, any, literal) in table {
            assert_eq!(glob_match(pattern, text, Any), *any, "{pattern} {text} Any");
            assert_eq!(
                glob_match(pattern, text, Literal),
                *literal,
                "{pattern} {text} Literal"
            );
        }
    }
}
