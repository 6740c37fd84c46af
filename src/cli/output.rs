//! Printing lists and objects the way Podman does: tables with aligned
//! columns, `--format json`, Go templates, `table` templates with headers,
//! and human times and sizes.

use crate::cli::template::{self, Template};
use serde_json::Value;
use std::io::Write;

/// Print rows (each a JSON object with Podman's field names).
/// `default_table` is the template used without `--format`; `headers`
/// maps field names to column titles.
pub fn print_rows(
    rows: &[Value],
    format: Option<&str>,
    default_table: &str,
    headers: &[(&str, &str)],
    noheading: bool,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let (table, body) = match format {
        None => (true, default_table.to_string()),
        Some("json") => {
            let json = to_pretty_json(&Value::Array(rows.to_vec()))?;
            writeln!(out, "{json}")?;
            return Ok(());
        }
        Some(f) => {
            let spec = template::normalize_format(f);
            if spec.table && spec.template.trim().is_empty() {
                (true, default_table.to_string())
            } else {
                (spec.table, spec.template)
            }
        }
    };
    let tmpl = Template::parse(&body).map_err(|e| anyhow::anyhow!("invalid --format: {e}"))?;
    let mut text = String::new();
    if table && !noheading {
        text.push_str(&template::header_row(&body, headers));
        text.push('\n');
    }
    for row in rows {
        let line = tmpl
            .execute(row)
            .map_err(|e| anyhow::anyhow!("--format: {e}"))?;
        text.push_str(&line);
        if !line.ends_with('\n') {
            text.push('\n');
        }
    }
    if table {
        text = template::align_columns(&text);
    }
    out.write_all(text.as_bytes())?;
    Ok(())
}

/// Print objects for `inspect`: a JSON array, or a template per object.
pub fn print_objects(objects: &[Value], format: Option<&str>) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        None | Some("json") => {
            writeln!(out, "{}", to_pretty_json(&Value::Array(objects.to_vec()))?)?;
        }
        Some(f) => {
            let spec = template::normalize_format(f);
            let tmpl = Template::parse(&spec.template)
                .map_err(|e| anyhow::anyhow!("invalid --format: {e}"))?;
            for obj in objects {
                let line = tmpl
                    .execute(obj)
                    .map_err(|e| anyhow::anyhow!("--format: {e}"))?;
                writeln!(out, "{}", line.strip_suffix('\n').unwrap_or(&line))?;
            }
        }
    }
    Ok(())
}

/// Print one object (`info`, `version`): JSON, or a template over it.
pub fn print_object(object: &Value, format: Option<&str>) -> anyhow::Result<()> {
    match format {
        None | Some("json") => {
            println!("{}", to_pretty_json(object)?);
            Ok(())
        }
        Some(_) => print_objects(std::slice::from_ref(object), format),
    }
}

/// JSON indented by four spaces, as Podman prints it.
pub fn to_pretty_json(value: &Value) -> anyhow::Result<String> {
    let mut buf = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
    serde::Serialize::serialize(value, &mut ser)?;
    Ok(String::from_utf8(buf)?)
}

/// "3 weeks ago", as Podman's (Docker's units.HumanDuration) wording.
pub fn time_ago(rfc3339: Option<&str>) -> String {
    let Some(ts) = rfc3339.and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok()) else {
        return "unknown".into();
    };
    let secs = (chrono::Utc::now() - ts.with_timezone(&chrono::Utc)).num_seconds();
    format!("{} ago", human_duration(secs.max(0)))
}

pub fn human_duration(secs: i64) -> String {
    let hours = secs / 3600;
    match secs {
        s if s < 1 => "Less than a second".into(),
        1 => "1 second".into(),
        s if s < 60 => format!("{s} seconds"),
        s if s / 60 == 1 => "About a minute".into(),
        s if s / 60 < 60 => format!("{} minutes", s / 60),
        _ if hours == 1 => "About an hour".into(),
        _ if hours < 48 => format!("{hours} hours"),
        _ if hours < 24 * 7 * 2 => format!("{} days", hours / 24),
        _ if hours < 24 * 30 * 2 => format!("{} weeks", hours / 24 / 7),
        _ if hours < 24 * 365 * 2 => format!("{} months", hours / 24 / 30),
        _ => format!("{} years", hours / 24 / 365),
    }
}

/// Unix seconds of an RFC 3339 time (0 when unknown).
pub fn unix_seconds(rfc3339: Option<&str>) -> i64 {
    rfc3339
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.timestamp())
        .unwrap_or(0)
}

/// Podman's `CreatedAt` form: "2024-01-02 03:04:05 +0000 UTC".
pub fn podman_time(rfc3339: Option<&str>) -> String {
    rfc3339
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| {
            t.with_timezone(&chrono::Utc)
                .format("%Y-%m-%d %H:%M:%S +0000 UTC")
                .to_string()
        })
        .unwrap_or_default()
}

/// go-units' `HumanSize` (`sizes` decimal, four significant digits, no
/// space): "1.998MB", "24B". `binary` gives `BytesSize`: "1.5KiB".
pub fn go_units_size(bytes: u64, binary: bool) -> String {
    const DECIMAL: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    const BINARY: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let (base, units) = if binary {
        (1024.0, BINARY)
    } else {
        (1000.0, DECIMAL)
    };
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= base && unit < units.len() - 1 {
        value /= base;
        unit += 1;
    }
    // Go's %.4g: four significant digits, trailing zeros dropped.
    let whole_digits = if value < 1.0 {
        1
    } else {
        value.log10().floor() as i32 + 1
    };
    let decimals = (4 - whole_digits).max(0) as usize;
    let mut text = format!("{value:.decimals$}");
    if text.contains('.') {
        text = text.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    format!("{text}{}", units[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_units_sizes() {
        assert_eq!(go_units_size(0, false), "0B");
        assert_eq!(go_units_size(24, false), "24B");
        assert_eq!(go_units_size(1_998_000, false), "1.998MB");
        assert_eq!(go_units_size(1_234_567, false), "1.235MB");
        assert_eq!(go_units_size(16_700_000_000, false), "16.7GB");
        assert_eq!(go_units_size(1536, true), "1.5KiB");
        assert_eq!(go_units_size(1024 * 1024 * 1000, true), "1000MiB");
    }

    #[test]
    fn durations_read_like_docker() {
        assert_eq!(human_duration(0), "Less than a second");
        assert_eq!(human_duration(45), "45 seconds");
        assert_eq!(human_duration(90), "About a minute");
        assert_eq!(human_duration(600), "10 minutes");
        assert_eq!(human_duration(3700), "About an hour");
        assert_eq!(human_duration(5 * 3600), "5 hours");
        assert_eq!(human_duration(3 * 86400), "3 days");
        assert_eq!(human_duration(21 * 86400), "3 weeks");
        assert_eq!(human_duration(90 * 86400), "3 months");
        assert_eq!(human_duration(800 * 86400), "2 years");
    }

    #[test]
    fn pretty_json_uses_four_spaces() {
        let v = serde_json::json!([{"a": 1}]);
        assert_eq!(
            to_pretty_json(&v).unwrap(),
            "[\n    {\n        \"a\": 1\n    }\n]"
        );
    }
}
