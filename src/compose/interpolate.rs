//! `${VAR}` interpolation in compose files, by the Compose
//! Specification's rules: `$VAR`, `${VAR}`, `${VAR:-default}` (unset or
//! empty), `${VAR-default}` (unset), `${VAR:?error}`, `${VAR?error}`,
//! `${VAR:+alt}`, `${VAR+alt}`, and `$$` for a literal `$`. Defaults may
//! themselves hold `${...}`. Values only, never keys.

use std::collections::BTreeMap;
use yaml_serde::Value;

/// The variables a file sees: the process environment over `.env`.
pub type Vars = BTreeMap<String, String>;

/// Interpolate every string of `value`; `path` names where we are, for
/// errors (`services.web.image`).
pub fn value(v: &mut Value, vars: &Vars, path: &str) -> anyhow::Result<()> {
    match v {
        Value::String(s) => *s = text(s, vars).map_err(|e| anyhow::anyhow!("{path}: {e}"))?,
        Value::Sequence(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                value(item, vars, &format!("{path}[{i}]"))?;
            }
        }
        Value::Mapping(map) => {
            for (k, item) in map.iter_mut() {
                let key = k.as_str().map(str::to_string).unwrap_or_default();
                let sub = if path.is_empty() {
                    key
                } else {
                    format!("{path}.{key}")
                };
                value(item, vars, &sub)?;
            }
        }
        Value::Tagged(t) => value(&mut t.value, vars, path)?,
        _ => {}
    }
    Ok(())
}

/// Interpolate one string.
pub fn text(s: &str, vars: &Vars) -> anyhow::Result<String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{') {
            let end = closing_brace(body).ok_or_else(|| {
                anyhow::anyhow!("invalid interpolation format for {s:?}: missing }}")
            })?;
            out.push_str(&braced(&body[..end], vars, s)?);
            rest = &body[end + 1..];
        } else {
            let n = name_len(after);
            if n == 0 {
                // A lone `$` stays, as in Docker Compose.
                out.push('$');
                rest = after;
            } else {
                out.push_str(vars.get(&after[..n]).map(String::as_str).unwrap_or(""));
                rest = &after[n..];
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

fn name_len(s: &str) -> usize {
    let b = s.as_bytes();
    if b.first()
        .is_none_or(|c| !(c.is_ascii_alphabetic() || *c == b'_'))
    {
        return 0;
    }
    b.iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
        .count()
}

/// The index of the `}` that closes a `${` (nested `${...}` in defaults).
fn closing_brace(body: &str) -> Option<usize> {
    let mut depth = 0;
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

/// The inside of `${...}`.
fn braced(body: &str, vars: &Vars, whole: &str) -> anyhow::Result<String> {
    let n = name_len(body);
    if n == 0 {
        anyhow::bail!(
            "invalid interpolation format for {whole:?}: no variable name in ${{{body}}}"
        );
    }
    let (name, op) = body.split_at(n);
    let got = vars.get(name);
    let set_nonempty = got.is_some_and(|v| !v.is_empty());
    let value = || got.cloned().unwrap_or_default();
    let (kind, arg) = match op {
        "" => return Ok(value()),
        _ if op.starts_with(":-") => (":-", &op[2..]),
        _ if op.starts_with(":?") => (":?", &op[2..]),
        _ if op.starts_with(":+") => (":+", &op[2..]),
        _ if op.starts_with('-') => ("-", &op[1..]),
        _ if op.starts_with('?') => ("?", &op[1..]),
        _ if op.starts_with('+') => ("+", &op[1..]),
        _ => anyhow::bail!("invalid interpolation format for {whole:?}: ${{{body}}}"),
    };
    let arg = || text(arg, vars);
    Ok(match kind {
        ":-" if !set_nonempty => arg()?,
        "-" if got.is_none() => arg()?,
        ":?" if !set_nonempty => {
            anyhow::bail!("required variable {name} is missing a value: {}", arg()?)
        }
        "?" if got.is_none() => {
            anyhow::bail!("required variable {name} is missing a value: {}", arg()?)
        }
        ":+" if set_nonempty => arg()?,
        ":+" => String::new(),
        "+" if got.is_some() => arg()?,
        "+" => String::new(),
        _ => value(),
    })
}

/// A `.env` file: `KEY=VALUE` lines, `#` comments, optional `export `,
/// single quotes literal, double quotes with `\n` escapes, and earlier
/// keys interpolated in unquoted and double-quoted values.
pub fn parse_env_file(text_in: &str, base: &Vars) -> anyhow::Result<Vars> {
    let mut out = Vars::new();
    for (i, raw) in text_in.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, val)) = line.split_once('=') else {
            // A bare name has no value here.
            continue;
        };
        let key = key.trim().to_string();
        if key.is_empty() || key.contains(char::is_whitespace) {
            anyhow::bail!("line {}: invalid variable name {key:?}", i + 1);
        }
        let val = val.trim();
        let mut seen = base.clone();
        seen.extend(out.clone());
        let value = if let Some(q) = val.strip_prefix('\'') {
            q.strip_suffix('\'').unwrap_or(q).to_string()
        } else if let Some(q) = val.strip_prefix('"') {
            let inner = q.strip_suffix('"').unwrap_or(q);
            text(&inner.replace("\\n", "\n").replace("\\\"", "\""), &seen)?
        } else {
            // An unquoted value ends at ` #`.
            let v = match val.find(" #") {
                Some(j) => val[..j].trim_end(),
                None => val,
            };
            text(v, &seen)?
        };
        out.insert(key, value);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vars {
        [("A", "1"), ("EMPTY", ""), ("B", "two")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_spec_table() {
        let v = vars();
        let cases = [
            ("$A", "1"),
            ("${A}", "1"),
            ("x${A}y", "x1y"),
            ("$A$B", "1two"),
            ("${UNSET}", ""),
            ("${UNSET:-d}", "d"),
            ("${EMPTY:-d}", "d"),
            ("${EMPTY-d}", ""),
            ("${UNSET-d}", "d"),
            ("${A:-d}", "1"),
            ("${A:+alt}", "alt"),
            ("${EMPTY:+alt}", ""),
            ("${EMPTY+alt}", "alt"),
            ("${UNSET:-${B}}", "two"),
            ("${UNSET:-${UNSET2:-deep}}", "deep"),
            ("$$A", "$A"),
            ("$${A}", "${A}"),
            ("cost: 5$", "cost: 5$"),
            ("a $ b", "a $ b"),
            ("${A}_${B}", "1_two"),
            ("$A_B", ""),
            ("$1", "$1"),
        ];
        for (input, want) in cases {
            assert_eq!(text(input, &v).unwrap(), want, "{input}");
        }
    }

    #[test]
    fn required_variables_fail_with_their_message() {
        let v = vars();
        let e = text("${UNSET:?set UNSET please}", &v).unwrap_err();
        assert_eq!(
            e.to_string(),
            "required variable UNSET is missing a value: set UNSET please"
        );
        assert!(text("${EMPTY:?x}", &v).is_err());
        assert_eq!(text("${EMPTY?x}", &v).unwrap(), "");
        assert!(text("${UNSET?x}", &v).is_err());
        assert_eq!(text("${A:?x}", &v).unwrap(), "1");
    }

    #[test]
    fn malformed_braces_are_errors() {
        assert!(text("${A", &vars()).is_err());
        assert!(text("${}", &vars()).is_err());
        assert!(text("${A!}", &vars()).is_err());
    }

    #[test]
    fn values_are_walked_and_errors_name_the_path() {
        let mut doc: Value = yaml_serde::from_str(
            "services:\n  web:\n    image: \"busybox:${A}\"\n    command: [\"${UNSET:?no}\"]\n",
        )
        .unwrap();
        let e = value(&mut doc, &vars(), "").unwrap_err().to_string();
        assert!(
            e.starts_with("services.web.command[0]: required variable UNSET"),
            "{e}"
        );
        let mut doc: Value = yaml_serde::from_str("image: \"busybox:${A}\"\n").unwrap();
        value(&mut doc, &vars(), "").unwrap();
        assert_eq!(doc["image"].as_str(), Some("busybox:1"));
    }

    #[test]
    fn env_files() {
        let text_in =
            "# comment\nexport X=1\nY = \"a ${X}\\nb\"\nZ='lit $X'\nW=v # note\nBARE\n\nQ=${X}2\n";
        let got = parse_env_file(text_in, &Vars::new()).unwrap();
        assert_eq!(got["X"], "1");
        assert_eq!(got["Y"], "a 1\nb");
        assert_eq!(got["Z"], "lit $X");
        assert_eq!(got["W"], "v");
        assert_eq!(got["Q"], "12");
        assert!(!got.contains_key("BARE"));
    }
}
