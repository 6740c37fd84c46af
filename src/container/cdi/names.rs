//! CDI device names: `vendor.com/class=name`, where `vendor.com/class` is
//! the spec's kind. The character rules are the specification's: vendor
//! and class start with a letter and end with a letter or digit, with
//! letters, digits, `-`, `_` and `.` between; a device name may also start
//! with a digit and contain `:`.

use anyhow::{bail, Result};

/// A parsed `vendor/class=name`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct QualifiedName {
    /// `vendor/class`.
    pub kind: String,
    pub name: String,
}

impl std::fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={}", self.kind, self.name)
    }
}

/// True when `device` is meant as a CDI name rather than a host path:
/// it does not start with `/` and has a `kind=` part. `--device` uses
/// this to choose between the two.
pub fn looks_qualified(device: &str) -> bool {
    !device.starts_with('/')
        && device
            .split_once('=')
            .is_some_and(|(kind, _)| kind.contains('/'))
}

/// Parse `vendor/class=name`.
pub fn parse_qualified(device: &str) -> Result<QualifiedName> {
    let Some((kind, name)) = device.split_once('=') else {
        bail!("{device:?} is not a CDI device name: expected vendor.com/class=name");
    };
    parse_kind(kind).map_err(|e| anyhow::anyhow!("CDI device {device:?}: {e}"))?;
    check_device_name(name).map_err(|e| anyhow::anyhow!("CDI device {device:?}: {e}"))?;
    Ok(QualifiedName {
        kind: kind.to_string(),
        name: name.to_string(),
    })
}

/// Split and check a kind, `vendor/class`.
pub fn parse_kind(kind: &str) -> Result<(&str, &str)> {
    let Some((vendor, class)) = kind.split_once('/') else {
        bail!("the kind must be vendor.com/class");
    };
    check_segment(vendor, "vendor")?;
    check_segment(class, "class")?;
    Ok((vendor, class))
}

fn check_segment(s: &str, what: &str) -> Result<()> {
    let first = s.chars().next();
    let last = s.chars().last();
    if !first.is_some_and(|c| c.is_ascii_alphabetic()) {
        bail!("the {what} {s:?} must start with a letter");
    }
    if !last.is_some_and(|c| c.is_ascii_alphanumeric()) {
        bail!("the {what} {s:?} must end with a letter or digit");
    }
    if let Some(c) = s
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        bail!("the {what} {s:?} may not contain {c:?}");
    }
    Ok(())
}

/// Check a device's own name (the part after `=`).
pub fn check_device_name(name: &str) -> Result<()> {
    let first = name.chars().next();
    let last = name.chars().last();
    if !first.is_some_and(|c| c.is_ascii_alphanumeric())
        || !last.is_some_and(|c| c.is_ascii_alphanumeric())
    {
        bail!("a device name must start and end with a letter or digit");
    }
    if let Some(c) = name
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')))
    {
        bail!("a device name may not contain {c:?}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualified_names() {
        let ok = [
            ("vendor.com/gpu=0", "vendor.com/gpu", "0"),
            ("nvidia.com/gpu=all", "nvidia.com/gpu", "all"),
            (
                "foo.bar.baz/foo-bar123.B_az=GPU-1:2",
                "foo.bar.baz/foo-bar123.B_az",
                "GPU-1:2",
            ),
            ("a/b=c", "a/b", "c"),
        ];
        for (text, kind, name) in ok {
            let q = parse_qualified(text).unwrap();
            assert_eq!((q.kind.as_str(), q.name.as_str()), (kind, name), "{text}");
            assert_eq!(q.to_string(), text);
        }
        let bad = [
            ("vendor.com/gpu", "expected vendor.com/class=name"),
            ("vendor.com=0", "the kind must be vendor.com/class"),
            ("vendor.com/gpu/x=0", "may not contain '/'"),
            (
                "1vendor.com/gpu=0",
                "vendor \"1vendor.com\" must start with a letter",
            ),
            (
                "vendor.com/gpu-=0",
                "class \"gpu-\" must end with a letter or digit",
            ),
            (
                "vendor.com/gpu=",
                "must start and end with a letter or digit",
            ),
            ("vendor.com/gpu=a b", "may not contain ' '"),
            ("vendor.com/gpu=a:", "must start and end"),
        ];
        for (text, want) in bad {
            let err = parse_qualified(text).unwrap_err().to_string();
            assert!(err.contains(want), "{text}: {err}");
        }
    }

    #[test]
    fn paths_are_not_cdi_names() {
        for (arg, want) in [
            ("/dev/fuse", false),
            ("/dev/x=y/z", false),
            ("nvidia.com/gpu=0", true),
            ("nvidia.com/gpu", false),
            ("a=b", false),
        ] {
            assert_eq!(looks_qualified(arg), want, "{arg}");
        }
    }
}
