//! `cove events`: the stored events (see `crate::events`), filtered, then
//! with --stream the new ones as other commands append them.

use crate::cli::template::Template;
use crate::cli::EventsArgs;
use crate::context::Ctx;
use crate::error::exit_error;
use serde_json::Value;
use std::io::Write;

/// The filter keys and the event field each one matches.
const KEYS: &[(&str, &str)] = &[
    ("type", "Type"),
    ("event", "Status"),
    ("status", "Status"),
    ("container", "Name"),
    ("image", "Name"),
    ("volume", "Name"),
];

struct Filters(Vec<(String, Vec<String>)>);

impl Filters {
    fn parse(raw: &[String]) -> anyhow::Result<Filters> {
        let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
        for f in raw {
            let (k, v) = f
                .split_once('=')
                .ok_or_else(|| exit_error(125, format!("invalid filter {f:?}")))?;
            if !KEYS.iter().any(|(key, _)| *key == k) {
                return Err(exit_error(125, format!("{k} is an invalid filter")));
            }
            match grouped.iter_mut().find(|(key, _)| key == k) {
                Some((_, values)) => values.push(v.to_string()),
                None => grouped.push((k.to_string(), vec![v.to_string()])),
            }
        }
        Ok(Filters(grouped))
    }

    fn matches(&self, e: &Value) -> bool {
        let field = |name: &str| e[name].as_str().unwrap_or_default().to_string();
        self.0.iter().all(|(key, values)| {
            values.iter().any(|v| match key.as_str() {
                "type" => field("Type") == *v,
                "event" | "status" => field("Status") == *v,
                // Names or ids (a prefix of the id, as everywhere else).
                "container" | "image" | "volume" => {
                    let kind = if key == "container" {
                        "container"
                    } else {
                        key.as_str()
                    };
                    field("Type") == kind
                        && (field("Name") == *v
                            || (!v.is_empty() && field("ID").starts_with(v.as_str())))
                }
                _ => false,
            })
        })
    }
}

pub fn events(ctx: &Ctx, args: &EventsArgs) -> anyhow::Result<i32> {
    let filters = Filters::parse(&args.filter)?;
    let to_nanos = |flag: &str, v: &Option<String>| -> anyhow::Result<Option<i64>> {
        v.as_deref()
            .map(|t| {
                crate::storage::volume::parse_timestamp(t)
                    .map(|s| (s * 1e9) as i64)
                    .map_err(|e| exit_error(125, format!("--{flag}: {e}")))
            })
            .transpose()
    };
    let since = to_nanos("since", &args.since)?;
    let until = to_nanos("until", &args.until)?;
    let template = match args.format.as_deref() {
        None | Some("json") => None,
        Some(f) => Some(
            Template::parse(&crate::cli::template::normalize_format(f).template)
                .map_err(|e| exit_error(125, format!("invalid --format: {e}")))?,
        ),
    };
    let json = args.format.as_deref() == Some("json");
    let mut out = std::io::stdout().lock();
    let mut print = |e: &Value| -> anyhow::Result<bool> {
        let t = e["timeNano"].as_i64().unwrap_or(0);
        if since.is_some_and(|s| t < s) || !filters.matches(e) {
            return Ok(true);
        }
        if until.is_some_and(|u| t > u) {
            return Ok(false);
        }
        let line = if json {
            e.to_string()
        } else if let Some(tmpl) = &template {
            let text = tmpl
                .execute(e)
                .map_err(|err| anyhow::anyhow!("--format: {err}"))?;
            text.strip_suffix('\n').unwrap_or(&text).to_string()
        } else {
            human(e)
        };
        writeln!(out, "{line}")?;
        Ok(true)
    };
    let (stored, mut offset) = crate::events::read_all(&ctx.paths.runroot);
    for e in &stored {
        if !print(e)? {
            return Ok(0);
        }
    }
    if !args.stream {
        return Ok(0);
    }
    loop {
        if until.is_some_and(|u| chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0) > u) {
            return Ok(0);
        }
        let (new, next) = crate::events::read_from(&ctx.paths.runroot, offset);
        offset = next;
        for e in &new {
            if !print(e)? {
                return Ok(0);
            }
        }
        std::io::stdout().flush()?;
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Podman's line: `2024-01-02 10:00:00.123456789 +0000 UTC container
/// start ID (image=IMAGE, name=NAME)`.
fn human(e: &Value) -> String {
    let nanos = e["timeNano"].as_i64().unwrap_or(0);
    let time = chrono::DateTime::from_timestamp_nanos(nanos)
        .with_timezone(&chrono::Local)
        .format("%Y-%m-%d %H:%M:%S%.9f %z %Z")
        .to_string();
    let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
    let mut attrs = Vec::new();
    if !s("Image").is_empty() {
        attrs.push(format!("image={}", s("Image")));
    }
    attrs.push(format!("name={}", s("Name")));
    format!(
        "{time} {} {} {} ({})",
        s("Type"),
        s("Status"),
        s("ID"),
        attrs.join(", ")
    )
}

/// Record a container event.
pub(super) fn container(
    ctx: &Ctx,
    c: &crate::container::record::ContainerDir,
    status: &'static str,
) {
    crate::events::emit(
        &ctx.paths.runroot,
        &crate::events::Event {
            kind: "container",
            status,
            id: c.config.id.clone(),
            name: c.config.name.clone(),
            image: c
                .config
                .image_name
                .clone()
                .unwrap_or(c.config.image.clone()),
            attributes: c.config.labels.clone().into_iter().collect(),
        },
    );
}

/// Record an image event.
pub(super) fn image(ctx: &Ctx, id: &str, name: &str, status: &'static str) {
    crate::events::emit(
        &ctx.paths.runroot,
        &crate::events::Event {
            kind: "image",
            status,
            id: id.to_string(),
            name: name.to_string(),
            ..Default::default()
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn f(raw: &[&str]) -> Filters {
        Filters::parse(&raw.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn filters_of_one_key_are_alternatives_and_keys_combine() {
        let e = json!({"Type": "container", "Status": "start", "Name": "web", "ID": "abc123"});
        assert!(f(&[]).matches(&e));
        assert!(f(&["event=stop", "event=start"]).matches(&e));
        assert!(f(&["type=container", "container=abc"]).matches(&e));
        assert!(f(&["container=web"]).matches(&e));
        assert!(!f(&["type=image"]).matches(&e));
        assert!(!f(&["container=web", "event=stop"]).matches(&e));
        assert!(!f(&["image=web"]).matches(&e));
        assert!(Filters::parse(&["bogus=1".into()]).is_err());
        assert!(Filters::parse(&["nokey".into()]).is_err());
    }
}
