//! What every subcommand shares: exit codes, errors, input, output and time formatting.

use std::io::{IsTerminal, Read, Write};

/// The token (or key) checked out, or the command did its job.
pub const EXIT_OK: i32 = 0;
/// The token was rejected (or, for `inspect`, could not be decoded).
pub const EXIT_REJECTED: i32 = 1;
/// Usage error, unreadable input, or keys unavailable.
pub const EXIT_TROUBLE: i32 = 2;

/// Largest token or JSON input read from a file or stdin.
pub const MAX_INPUT_BYTES: u64 = 1024 * 1024;

/// A failure that ends the command with an exit code and a message on stderr.
#[derive(Debug)]
pub struct CliError {
    pub code: i32,
    pub message: String,
}

impl CliError {
    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError {
            code: EXIT_TROUBLE,
            message: message.into(),
        }
    }

    /// Input or keys could not be obtained (exit 2).
    pub fn unavailable(message: impl Into<String>) -> CliError {
        CliError {
            code: EXIT_TROUBLE,
            message: message.into(),
        }
    }

    /// The token was rejected (exit 1).
    pub fn rejected(message: impl Into<String>) -> CliError {
        CliError {
            code: EXIT_REJECTED,
            message: message.into(),
        }
    }
}

impl From<jwkskit::Error> for CliError {
    fn from(e: jwkskit::Error) -> CliError {
        let code = match e.category() {
            jwkskit::Category::TokenRejected => EXIT_REJECTED,
            _ => EXIT_TROUBLE,
        };
        CliError {
            code,
            message: format!("{} ({}): {}", e.kind().name(), e.kind().code(), e.message()),
        }
    }
}

/// The result of a subcommand: the exit code to use.
pub type CliResult = Result<i32, CliError>;

/// Writes to stdout, ignoring a closed pipe (`jwks inspect | head` must not crash).
pub fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Writes a line to stderr.
pub fn note(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// Reads a whole file, bounded.
pub fn read_file(path: &str, what: &str) -> Result<Vec<u8>, CliError> {
    let file = std::fs::File::open(path)
        .map_err(|e| CliError::unavailable(format!("cannot read {what} {path}: {e}")))?;
    read_bounded(file, &format!("{what} {path}"))
}

fn read_bounded(reader: impl Read, what: &str) -> Result<Vec<u8>, CliError> {
    let mut buf = Vec::new();
    reader
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| CliError::unavailable(format!("cannot read {what}: {e}")))?;
    if buf.len() as u64 > MAX_INPUT_BYTES {
        return Err(CliError::usage(format!(
            "{what} is larger than {MAX_INPUT_BYTES} bytes"
        )));
    }
    Ok(buf)
}

/// A token from the argument, or from stdin when the argument is `-` or absent.
pub fn read_token(arg: Option<&str>) -> Result<String, CliError> {
    let raw = match arg {
        Some(t) if t != "-" => t.as_bytes().to_vec(),
        _ => {
            let stdin = std::io::stdin();
            if arg.is_none() && stdin.is_terminal() {
                return Err(CliError::usage(
                    "no token given: pass it as an argument or on stdin",
                ));
            }
            read_bounded(stdin.lock(), "stdin")?
        }
    };
    let text =
        String::from_utf8(raw).map_err(|_| CliError::rejected("the token is not UTF-8 text"))?;
    let token = text.trim();
    // Accept a pasted "Authorization: Bearer ..." value too.
    let token = token
        .strip_prefix("Bearer ")
        .or_else(|| token.strip_prefix("bearer "))
        .unwrap_or(token)
        .trim();
    if token.is_empty() {
        return Err(CliError::usage("the token is empty"));
    }
    Ok(token.to_owned())
}

/// A file's contents or stdin (`-` or absent).
pub fn read_file_or_stdin(arg: Option<&str>, what: &str) -> Result<Vec<u8>, CliError> {
    match arg {
        Some(path) if path != "-" => read_file(path, what),
        _ => {
            let stdin = std::io::stdin();
            if arg.is_none() && stdin.is_terminal() {
                return Err(CliError::usage(format!(
                    "no {what} given: pass a file or pipe it on stdin"
                )));
            }
            read_bounded(stdin.lock(), "stdin")
        }
    }
}

/// Days since 1970-01-01 -> (year, month, day), proleptic Gregorian (Howard Hinnant's
/// `civil_from_days`).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Unix seconds as `2023-11-14 22:13:20 UTC`.
pub fn format_utc(t: i64) -> String {
    // Beyond year ±100000 the date is meaningless for a token; say so.
    if t.unsigned_abs() > 3_000_000_000_000 {
        return "out of range".into();
    }
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// A rough length of time: `45 s`, `12 min`, `3 h`, `20 d`.
pub fn format_span(secs: u64) -> String {
    match secs {
        0..=119 => format!("{secs} s"),
        120..=7_199 => format!("{} min", secs / 60),
        7_200..=172_799 => format!("{} h", secs / 3600),
        _ => format!("{} d", secs / 86_400),
    }
}

/// A readable note for a time claim relative to `now`, e.g.
/// `exp 1700000000 (2023-11-14 22:13:20 UTC, expired 3 h ago)`.
pub fn time_claim(name: &str, value: &serde_json::Value, now: i64) -> String {
    let Some(t) = value.as_f64().filter(|t| t.is_finite()) else {
        return format!("{name} {value} (not a number)");
    };
    let secs = t.floor() as i64;
    let delta = secs.saturating_sub(now);
    let span = format_span(delta.unsigned_abs());
    let relation = match (name, delta > 0) {
        ("exp", true) => format!("expires in {span}"),
        ("exp", false) => format!("expired {span} ago"),
        ("nbf", true) => format!("not valid for another {span}"),
        ("nbf", false) => format!("valid since {span} ago"),
        ("iat", true) => format!("issued {span} in the future"),
        ("iat", false) => format!("issued {span} ago"),
        (_, true) => format!("in {span}"),
        (_, false) => format!("{span} ago"),
    };
    format!("{name} {value} ({}, {relation})", format_utc(secs))
}

/// Parses `90`, `30s`, `10m`, `2h`, `7d`, with an optional leading `-`, into seconds.
pub fn parse_duration(text: &str, option: &str) -> Result<i64, CliError> {
    let bad = || {
        CliError::usage(format!(
            "--{option} expects a duration like 90, 30s, 10m, 2h or 7d, got {text:?}"
        ))
    };
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let split = body
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(body.len());
    let (digits, unit) = body.split_at(split);
    let n: i64 = digits.parse().map_err(|_| bad())?;
    let scale = match unit {
        "" | "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    let secs = n.checked_mul(scale).ok_or_else(bad)?;
    Ok(if negative { -secs } else { secs })
}

/// JSON pretty-printed and indented by `indent` spaces.
pub fn indented_json(value: &serde_json::Value, indent: usize) -> String {
    let pretty = serde_json::to_string_pretty(value).unwrap_or_default();
    let pad = " ".repeat(indent);
    pretty
        .lines()
        .map(|l| format!("{pad}{l}\n"))
        .collect::<String>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_utc(1_700_000_000), "2023-11-14 22:13:20 UTC");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(format_utc(-1), "1969-12-31 23:59:59 UTC");
        assert_eq!(format_utc(253_402_300_799), "9999-12-31 23:59:59 UTC");
    }

    #[test]
    fn claims_read_naturally() {
        let now = 1_700_010_800;
        assert_eq!(
            time_claim("exp", &serde_json::json!(1_700_000_000), now),
            "exp 1700000000 (2023-11-14 22:13:20 UTC, expired 3 h ago)"
        );
        assert!(time_claim("nbf", &serde_json::json!(now + 90), now).contains("another 90 s"));
        assert!(time_claim("exp", &serde_json::json!("x"), now).contains("not a number"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90", "x").unwrap(), 90);
        assert_eq!(parse_duration("10m", "x").unwrap(), 600);
        assert_eq!(parse_duration("-2h", "x").unwrap(), -7200);
        assert_eq!(parse_duration("7d", "x").unwrap(), 604_800);
        for bad in ["", "m", "10y", "1.5h", "--1", "99999999999999999999"] {
            assert!(parse_duration(bad, "x").is_err(), "{bad}");
        }
    }
}
