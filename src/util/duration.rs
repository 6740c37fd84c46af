//! Durations as Go prints and parses them (`10m`, `1h30m`, `250ms`), the
//! syntax Podman's flags take: the rules of Go's `time.ParseDuration`.

use std::time::Duration;

/// A Go duration as whole nanoseconds, sign included, exactly as
/// `time.ParseDuration` reads it: an optional sign, then one or more
/// decimal numbers (`1`, `1.5`, `.5`, `1.`) each followed by a unit
/// (`ns`, `us`, `µs`, `μs`, `ms`, `s`, `m`, `h`); a lone `0` needs no unit.
/// None for anything else, or beyond the ±292 years an int64 holds.
pub fn parse_go_duration_nanos(text: &str) -> Option<i64> {
    const LIMIT: u64 = 1 << 63;
    let (negative, mut rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let (whole, after_whole) = leading_int(rest)?;
        let has_whole = after_whole.len() != rest.len();
        rest = after_whole;
        let (mut fraction, mut scale, mut has_fraction) = (0u64, 1f64, false);
        if let Some(after_dot) = rest.strip_prefix('.') {
            let digits = after_dot.bytes().take_while(u8::is_ascii_digit).count();
            (fraction, scale) = leading_fraction(&after_dot[..digits]);
            has_fraction = digits > 0;
            rest = &after_dot[digits..];
        }
        if !has_whole && !has_fraction {
            return None;
        }
        let unit_len = rest
            .bytes()
            .position(|b| b == b'.' || b.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit: u64 = match &rest[..unit_len] {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return None,
        };
        rest = &rest[unit_len..];
        if whole > LIMIT / unit {
            return None;
        }
        let mut nanos = whole * unit;
        if fraction > 0 {
            // Go rounds the fraction through a float64, toward zero.
            nanos = nanos.checked_add((fraction as f64 * (unit as f64 / scale)) as u64)?;
            if nanos > LIMIT {
                return None;
            }
        }
        total = total.checked_add(nanos).filter(|t| *t <= LIMIT)?;
    }
    if negative {
        Some((total as i64).wrapping_neg())
    } else {
        i64::try_from(total).ok()
    }
}

/// A Go duration that is not negative, as a `Duration` (see
/// [`parse_go_duration_nanos`] for the syntax).
pub fn parse_go_duration(text: &str) -> Option<Duration> {
    let nanos = parse_go_duration_nanos(text)?;
    u64::try_from(nanos).ok().map(Duration::from_nanos)
}

/// The leading decimal digits of `text` (maybe none) as a number, and the
/// rest; None when the number passes 2^63.
fn leading_int(text: &str) -> Option<(u64, &str)> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let mut value: u64 = 0;
    for b in text[..digits].bytes() {
        value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
        if value > 1 << 63 {
            return None;
        }
    }
    Some((value, &text[digits..]))
}

/// The digits after a decimal point as a number and its scale (10^digits),
/// dropping the digits past what a u64 can hold, as Go does.
fn leading_fraction(digits: &str) -> (u64, f64) {
    let (mut value, mut scale, mut overflowed) = (0u64, 1f64, false);
    for b in digits.bytes() {
        if overflowed {
            continue;
        }
        match value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
            .filter(|v| *v <= 1 << 63)
        {
            Some(v) => {
                value = v;
                scale *= 10.0;
            }
            None => overflowed = true,
        }
    }
    (value, scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000_000_000;
    const M: i64 = 60_000_000_000;
    const S: i64 = 1_000_000_000;

    /// Forms `time.ParseDuration` accepts, with the nanoseconds it returns.
    #[test]
    fn accepts_what_go_accepts() {
        let table: &[(&str, i64)] = &[
            ("0", 0),
            ("+0", 0),
            ("-0", 0),
            ("5s", 5 * S),
            ("30s", 30 * S),
            ("1478s", 1478 * S),
            ("-5s", -5 * S),
            ("+5s", 5 * S),
            ("-0s", 0),
            ("+0s", 0),
            ("5.0s", 5 * S),
            ("5.6s", 5 * S + 600_000_000),
            ("5.s", 5 * S),
            (".5s", S / 2),
            ("1.0s", S),
            ("1.00s", S),
            ("1.004s", S + 4_000_000),
            ("1.0040s", S + 4_000_000),
            ("100.00100s", 100 * S + 1_000_000),
            ("10ns", 10),
            ("11us", 11_000),
            ("12µs", 12_000),
            ("12μs", 12_000),
            ("13ms", 13_000_000),
            ("14s", 14 * S),
            ("15m", 15 * M),
            ("16h", 16 * H),
            ("3h30m", 3 * H + 30 * M),
            ("1h30m", 90 * M),
            ("10.5s4m", 4 * M + 10 * S + S / 2),
            ("-2m3.4s", -(2 * M + 3 * S + 400_000_000)),
            ("1h2m3s4ms5us6ns", H + 2 * M + 3 * S + 4_000_000 + 5_000 + 6),
            ("39h9m14.425s", 39 * H + 9 * M + 14 * S + 425_000_000),
            ("52763797000ns", 52_763_797_000),
            ("0.3333333333333333333h", 20 * M),
            ("9007199254740993ns", (1 << 53) + 1),
            ("9223372036854775807ns", i64::MAX),
            ("9223372036854775.807us", i64::MAX),
            ("9223372036s854ms775us807ns", i64::MAX),
            ("-9223372036854775808ns", i64::MIN),
            ("-9223372036854775.808us", i64::MIN),
            ("-9223372036s854ms775us808ns", i64::MIN),
            ("-2562047h47m16.854775808s", i64::MIN),
            ("0.100000000000000000000h", 6 * M),
            ("0.830103483285477580700h", 49 * M + 48 * S + 372_539_827),
            ("250ms", 250_000_000),
        ];
        for (text, nanos) in table {
            assert_eq!(parse_go_duration_nanos(text), Some(*nanos), "{text}");
        }
    }

    /// Forms `time.ParseDuration` rejects.
    #[test]
    fn rejects_what_go_rejects() {
        for text in [
            "",
            "3",
            "10",
            "-",
            "+",
            "s",
            ".",
            "-.",
            ".s",
            "+.s",
            "1d",
            "5x",
            "1.5.5s",
            "1e3s",
            " 1s",
            "1s ",
            "1 s",
            "1S",
            "--1s",
            "+-1s",
            "1ms5",
            "00",
            "9223372036854775808ns",
            "9223372036854775.808us",
            "2562047h47m16.854775808s",
            "-9223372036854775809ns",
            "3000000h",
            "9223372036854775807ns1ns",
            "18446744073709551616ns",
        ] {
            assert_eq!(parse_go_duration_nanos(text), None, "{text:?}");
        }
    }

    #[test]
    fn durations_are_never_negative() {
        assert_eq!(parse_go_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_go_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_go_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_go_duration("0"), Some(Duration::ZERO));
        assert_eq!(parse_go_duration("-1s"), None);
        assert_eq!(parse_go_duration(""), None);
        assert_eq!(parse_go_duration("10"), None);
        assert_eq!(parse_go_duration("5x"), None);
    }
}
