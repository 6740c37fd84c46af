//! Sizes as Docker and Podman take them (`64m`, `1.5GiB`).

use anyhow::{anyhow, Result};

/// Parse a size as Docker's `RAMInBytes`: a number (a fraction is allowed),
/// an optional space, then an optional unit `b`, `k`, `m`, `g`, `t` or `p`
/// in any case, optionally followed by `i` and/or `b` (`64m`, `1.5GiB`,
/// `512kb`, `100`). Units are 1024-based.
pub fn parse_size(s: &str) -> Result<u64> {
    let bad = || {
        anyhow!(
            "invalid size {s:?}: expected a number with an optional unit b, k, m, g, t or p \
             (1024-based), such as 64m or 1g"
        )
    };
    let num_len = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, rest) = s.split_at(num_len);
    let (int_part, frac_part) = match num.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (num, None),
    };
    if int_part.is_empty() || frac_part.is_some_and(|f| f.is_empty() || f.contains('.')) {
        return Err(bad());
    }
    let rest = rest.strip_prefix(' ').unwrap_or(rest);
    let mut chars = rest.chars();
    let mut multiplier: u64 = 1;
    let mut next = chars.next();
    if let Some(c) = next {
        let shift = match c.to_ascii_lowercase() {
            'k' => Some(10),
            'm' => Some(20),
            'g' => Some(30),
            't' => Some(40),
            'p' => Some(50),
            _ => None,
        };
        if let Some(shift) = shift {
            multiplier = 1u64 << shift;
            next = chars.next();
        }
    }
    // Docker's pattern allows the `i` even without a unit ("10ib" is 10).
    if matches!(next, Some('i' | 'I')) {
        next = chars.next();
    }
    if matches!(next, Some('b' | 'B')) {
        next = chars.next();
    }
    if next.is_some() {
        return Err(bad());
    }
    let int: u64 = int_part.parse().map_err(|_| bad())?;
    let whole = int.checked_mul(multiplier).ok_or_else(bad)?;
    let frac = match frac_part {
        // The fraction only matters with a unit; Docker truncates the result.
        Some(f) => {
            let f: f64 = format!("0.{f}").parse().map_err(|_| bad())?;
            (f * multiplier as f64) as u64
        }
        None => 0,
    };
    whole.checked_add(frac).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_units() {
        assert_eq!(parse_size("100").unwrap(), 100);
        assert_eq!(parse_size("100b").unwrap(), 100);
        assert_eq!(parse_size("1k").unwrap(), 1024);
        assert_eq!(parse_size("1K").unwrap(), 1024);
        assert_eq!(parse_size("1kb").unwrap(), 1024);
        assert_eq!(parse_size("64m").unwrap(), 64 << 20);
        assert_eq!(parse_size("64MB").unwrap(), 64 << 20);
        assert_eq!(parse_size("1g").unwrap(), 1 << 30);
        assert_eq!(parse_size("1GiB").unwrap(), 1 << 30);
        assert_eq!(parse_size("2 g").unwrap(), 2 << 30);
        assert_eq!(parse_size("1t").unwrap(), 1 << 40);
        assert_eq!(parse_size("1.5k").unwrap(), 1536);
        assert_eq!(parse_size("0").unwrap(), 0);
        // Quirks of Docker's pattern, kept for compatibility.
        assert_eq!(parse_size("1 ").unwrap(), 1);
        assert_eq!(parse_size("10ib").unwrap(), 10);
    }
}
