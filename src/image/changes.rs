//! `--change` instructions (`import`, later `commit`): a subset of
//! Containerfile instructions applied to an image's runtime config.

use serde_json::{json, Map, Value};

/// Apply one instruction such as `CMD ["sh"]` or `ENV A=b` to `config`
/// (the `config` object of an OCI image configuration).
pub fn apply_change(config: &mut Map<String, Value>, change: &str) -> anyhow::Result<()> {
    let change = change.trim();
    let (keyword, rest) = match change.split_once(char::is_whitespace) {
        Some((k, r)) => (k, r.trim()),
        None => (change, ""),
    };
    let keyword = keyword.to_ascii_uppercase();
    let need_arg = || -> anyhow::Result<()> {
        if rest.is_empty() {
            anyhow::bail!("--change {change:?}: {keyword} needs an argument");
        }
        Ok(())
    };
    match keyword.as_str() {
        "CMD" | "ENTRYPOINT" => {
            need_arg()?;
            let key = if keyword == "CMD" { "Cmd" } else { "Entrypoint" };
            config.insert(key.into(), json!(exec_or_shell_form(rest)?));
        }
        "ENV" => {
            need_arg()?;
            let env = config.entry("Env").or_insert_with(|| json!([])).as_array_mut().ok_or_else(|| anyhow::anyhow!("image Env is not a list"))?;
            for (k, v) in key_values(rest, change)? {
                env.retain(|e| e.as_str().is_none_or(|s| s.split('=').next() != Some(k.as_str())));
                env.push(json!(format!("{k}={v}")));
            }
        }
        "LABEL" => {
            need_arg()?;
            let labels = config.entry("Labels").or_insert_with(|| json!({})).as_object_mut().ok_or_else(|| anyhow::anyhow!("image Labels is not a map"))?;
            for (k, v) in key_values(rest, change)? {
                labels.insert(k, json!(v));
            }
        }
        "EXPOSE" => {
            need_arg()?;
            let ports = config.entry("ExposedPorts").or_insert_with(|| json!({})).as_object_mut().ok_or_else(|| anyhow::anyhow!("image ExposedPorts is not a map"))?;
            for p in rest.split_whitespace() {
                let (num, proto) = p.split_once('/').unwrap_or((p, "tcp"));
                let valid_num = num.split('-').all(|n| n.parse::<u16>().is_ok_and(|n| n > 0));
                if !valid_num || !matches!(proto, "tcp" | "udp" | "sctp") {
                    anyhow::bail!("--change {change:?}: invalid port {p:?}");
                }
                ports.insert(format!("{num}/{proto}"), json!({}));
            }
        }
        "VOLUME" => {
            need_arg()?;
            let vols = config.entry("Volumes").or_insert_with(|| json!({})).as_object_mut().ok_or_else(|| anyhow::anyhow!("image Volumes is not a map"))?;
            let paths: Vec<String> = if rest.starts_with('[') {
                serde_json::from_str(rest).map_err(|e| anyhow::anyhow!("--change {change:?}: {e}"))?
            } else {
                rest.split_whitespace().map(str::to_string).collect()
            };
            for p in paths {
                vols.insert(p, json!({}));
            }
        }
        "USER" => {
            need_arg()?;
            config.insert("User".into(), json!(rest));
        }
        "WORKDIR" => {
            need_arg()?;
            if !rest.starts_with('/') {
                anyhow::bail!("--change {change:?}: WORKDIR must be an absolute path");
            }
            config.insert("WorkingDir".into(), json!(rest));
        }
        "STOPSIGNAL" => {
            need_arg()?;
            config.insert("StopSignal".into(), json!(rest));
        }
        "ONBUILD" => {}
        other => anyhow::bail!(
            "--change {change:?}: {other} is not supported (use CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME or WORKDIR)"
        ),
    }
    Ok(())
}

/// `["a","b"]` (exec form) or `a b` (shell form, run by /bin/sh -c).
fn exec_or_shell_form(arg: &str) -> anyhow::Result<Vec<String>> {
    if arg.starts_with('[') {
        if let Ok(v) = serde_json::from_str::<Vec<String>>(arg) {
            return Ok(v);
        }
    }
    Ok(vec!["/bin/sh".into(), "-c".into(), arg.into()])
}

/// `K=V K2="v 2"` or the legacy `K V with spaces`.
fn key_values(rest: &str, change: &str) -> anyhow::Result<Vec<(String, String)>> {
    let first = rest.split_whitespace().next().unwrap_or("");
    if !first.contains('=') {
        let (k, v) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        return Ok(vec![(k.to_string(), v.trim().to_string())]);
    }
    let mut out = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            key.push(c);
            chars.next();
        }
        if chars.next() != Some('=') || key.is_empty() {
            anyhow::bail!("--change {change:?}: expected KEY=VALUE");
        }
        let mut value = String::new();
        let mut quote: Option<char> = None;
        while let Some(&c) = chars.peek() {
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) if c == '\\' => {
                    chars.next();
                    if let Some(n) = chars.next() {
                        value.push(n);
                    }
                    continue;
                }
                Some(_) => value.push(c),
                None if c == '"' || c == '\'' => quote = Some(c),
                None if c.is_whitespace() => break,
                None => value.push(c),
            }
            chars.next();
        }
        if quote.is_some() {
            anyhow::bail!("--change {change:?}: unterminated quote");
        }
        out.push((key, value));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(changes: &[&str]) -> Value {
        let mut m = Map::new();
        for c in changes {
            apply_change(&mut m, c).unwrap();
        }
        Value::Object(m)
    }

    #[test]
    fn cmd_forms() {
        assert_eq!(
            apply(&[r#"CMD ["/bin/sh","-c","echo hi"]"#])["Cmd"],
            json!(["/bin/sh", "-c", "echo hi"])
        );
        assert_eq!(
            apply(&["CMD echo hi"])["Cmd"],
            json!(["/bin/sh", "-c", "echo hi"])
        );
        assert_eq!(
            apply(&[r#"ENTRYPOINT ["/init"]"#])["Entrypoint"],
            json!(["/init"])
        );
    }

    #[test]
    fn env_and_labels() {
        let v = apply(&[
            "ENV A=1 B=\"two words\"",
            "ENV A=3",
            "ENV C legacy form",
            "LABEL a=b",
        ]);
        assert_eq!(v["Env"], json!(["B=two words", "A=3", "C=legacy form"]));
        assert_eq!(v["Labels"], json!({"a": "b"}));
    }

    #[test]
    fn ports_volumes_and_rest() {
        let v = apply(&[
            "EXPOSE 80 53/udp",
            "VOLUME /data",
            "USER 1000:1000",
            "WORKDIR /app",
            "STOPSIGNAL SIGINT",
        ]);
        assert_eq!(v["ExposedPorts"], json!({"80/tcp": {}, "53/udp": {}}));
        assert_eq!(v["Volumes"], json!({"/data": {}}));
        assert_eq!(v["User"], "1000:1000");
        assert_eq!(v["WorkingDir"], "/app");
        assert_eq!(v["StopSignal"], "SIGINT");
    }

    #[test]
    fn bad_changes_are_refused() {
        let mut m = Map::new();
        assert!(apply_change(&mut m, "RUN rm -rf /").is_err());
        assert!(apply_change(&mut m, "EXPOSE abc").is_err());
        assert!(apply_change(&mut m, "WORKDIR relative").is_err());
        assert!(apply_change(&mut m, "CMD").is_err());
        assert!(apply_change(&mut m, "ENV A=\"open").is_err());
    }
}
