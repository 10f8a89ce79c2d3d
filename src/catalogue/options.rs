//! The verifier options, declared once: each with its name in every language, its unit, its
//! default, its range and its documentation. The struct that holds an option stores a value
//! given through the C ABI (`Policy::store`, `RemoteOptions::store`), reading it with the
//! conversions here, which apply the option's range.
//!
//! The core checks the settings against these ranges whoever sets them: [`Policy::check`],
//! [`TokenCacheOptions::check`] and [`RemoteOptions::check`] (which the verifier constructors
//! call) for a Rust caller, and the same [`OptionSpec::check`] as each C setter stores its
//! value, so that a C, C++, Python or Go caller is refused by the setter itself. Checks
//! relating two settings (the cache ttl within its bounds) are made when a verifier is
//! created. Nothing is clamped: a value is used as given or refused with
//! [`ErrorKind::InvalidArgument`] naming the setting, the value and the range.
//!
//! The C setters (`src/ffi/options_gen.rs`), the Python keyword options and the Go `Options`
//! struct, with their documentation, are generated from [`ALL`] (`make generate`).
//!
//! [`Policy::check`]: crate::Policy::check
//! [`TokenCacheOptions::check`]: crate::TokenCacheOptions::check
//! [`RemoteOptions::check`]: crate::RemoteOptions::check

use std::time::Duration;

use crate::error::{Error, ErrorKind};

/// What an option's value is, which decides its type in every language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Whole seconds: `uint32_t` in C, a `Duration` in Rust, seconds or a `timedelta` in
    /// Python, a `time.Duration` in Go.
    Seconds,
    /// Whole milliseconds: as [`Unit::Seconds`], counted in milliseconds in C.
    Milliseconds,
    /// A number of bytes: `size_t` in C.
    Bytes,
    /// A number of things: `uint32_t` in C.
    Count,
    /// On or off: `bool`.
    Flag,
    /// One string.
    Text,
    /// A list of strings, added one per C call.
    TextList,
    /// A `(minimum, maximum)` pair of whole seconds, set by one C call.
    SecondsPair,
    /// `(name, value)` pairs of strings, added one per C call (HTTP headers).
    TextPairs,
    /// PEM text, `(pointer, length)` in C.
    Pem,
}

impl Unit {
    /// The unit's symbol after a number, e.g. `s`.
    pub fn symbol(self) -> &'static str {
        match self {
            Unit::Seconds | Unit::SecondsPair => "s",
            Unit::Milliseconds => "ms",
            Unit::Bytes => "bytes",
            _ => "",
        }
    }
}

/// Which settings struct an option belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// [`Policy`](crate::Policy): what a token must be.
    Policy,
    /// [`TokenCacheOptions`](crate::TokenCacheOptions): the verified-token cache.
    TokenCache,
    /// [`RemoteOptions`](crate::RemoteOptions): how keys are fetched and cached.
    Remote,
}

/// An inclusive range, in the option's unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// The smallest value allowed.
    pub min: u64,
    /// The largest value allowed.
    pub max: u64,
}

/// An option's default, in its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultValue {
    /// Not set (an empty list, no string, off).
    Unset,
    /// A number.
    Number(u64),
    /// A flag.
    Flag(bool),
    /// A pair of numbers.
    Pair(u64, u64),
    /// A string, as the documentation shows it (`VERSION` stands for the library's).
    Text(&'static str),
}

/// The C setter of an option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CSetter {
    /// Its name, e.g. `jwks_options_set_leeway`.
    pub name: &'static str,
    /// The names of its parameters after `opts`.
    pub params: &'static [&'static str],
}

/// A value given for an option through the C ABI (or a binding, which calls it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    /// A `uint32_t`.
    U32(u32),
    /// A `size_t`.
    Usize(usize),
    /// A `bool`.
    Flag(bool),
    /// A string (UTF-8, checked by the caller).
    Text(&'a str),
    /// Bytes.
    Bytes(&'a [u8]),
    /// Two `uint32_t`.
    U32Pair(u32, u32),
    /// Two strings.
    TextPair(&'a str, &'a str),
}

/// One option.
#[derive(Debug, Clone, Copy)]
pub struct OptionSpec {
    /// The name, `snake_case`: the Python keyword and the name in messages and docs.
    pub name: &'static str,
    /// The settings struct it belongs to.
    pub group: Group,
    /// Its unit.
    pub unit: Unit,
    /// Its default.
    pub default: DefaultValue,
    /// The values allowed (each bound of a pair), if limited.
    pub range: Option<Range>,
    /// Whether 0 turns the setting off (allowed outside [`OptionSpec::range`]).
    pub zero_is_off: bool,
    /// Whether a value is never shown in messages (it may hold a password or a key).
    pub hidden: bool,
    /// The Rust field(s), e.g. `Policy::leeway`.
    pub rust: &'static str,
    /// The C setter, if C (and so Python and Go) can set it.
    pub c: Option<CSetter>,
    /// The Python keyword, if Python has it.
    pub python: Option<&'static str>,
    /// The Go `Options` field(s): for an option whose 0 is off, then the `No...` field that
    /// turns it off; for a pair, its two fields; for a flag that is on by default, the
    /// `No...` field that turns it off.
    pub go: &'static [&'static str],
    /// One or two sentences for every language's documentation (no default or range: those
    /// are added from the fields above).
    pub doc: &'static str,
}

impl OptionSpec {
    /// Checks a number in the option's unit against its range (0 passes when it turns the
    /// setting off).
    pub fn check(&self, value: u64) -> Result<u64, Error> {
        if value == 0 && self.zero_is_off {
            return Ok(0);
        }
        match self.range {
            Some(r) if !(r.min..=r.max).contains(&value) => {
                Err(self.refuse(&format!("{value}{}", self.spaced_symbol())))
            }
            _ => Ok(value),
        }
    }

    /// Checks a duration against the range of a [`Unit::Seconds`] or [`Unit::Milliseconds`]
    /// option. A Rust caller may give fractions of the unit, and they are honoured: a lower
    /// bound of one unit means "above zero" (a C caller, counting whole units, cannot give
    /// less than one without giving zero), so a Rust test may cache keys for 300 ms.
    pub fn check_duration(&self, value: Duration) -> Result<Duration, Error> {
        let Some(r) = self.range else {
            return Ok(value);
        };
        if value.is_zero() && self.zero_is_off {
            return Ok(value);
        }
        let unit = match self.unit {
            Unit::Milliseconds => Duration::from_millis(1),
            _ => Duration::from_secs(1),
        };
        let bound = |n: u64| unit.checked_mul(u32::try_from(n).unwrap_or(u32::MAX));
        let below = match r.min {
            1 => value.is_zero(),
            min => bound(min).is_some_and(|min| value < min),
        };
        let above = bound(r.max).is_some_and(|max| value > max);
        if below || above {
            return Err(self.refuse(&self.show(value)));
        }
        Ok(value)
    }

    /// A duration in the option's unit, e.g. `30 s` or `1500 ms` (`{:?}` when not whole).
    pub fn show(&self, value: Duration) -> String {
        show_duration(self.unit, value)
    }

    /// Whether the option is a duration (in Rust), counted in whole units in C.
    pub fn is_duration(&self) -> bool {
        matches!(
            self.unit,
            Unit::Seconds | Unit::Milliseconds | Unit::SecondsPair
        )
    }

    /// Checks a size or count given as `usize`.
    pub fn check_usize(&self, value: usize) -> Result<usize, Error> {
        self.check(value as u64).map(|_| value)
    }

    fn spaced_symbol(&self) -> String {
        match self.unit.symbol() {
            "" => String::new(),
            s => format!(" {s}"),
        }
    }

    /// The error for a value outside the range: names the setting, the value and the range.
    pub fn refuse(&self, shown: &str) -> Error {
        Error::new(
            ErrorKind::InvalidArgument,
            format!(
                "{}: {shown} is outside its range, {}",
                self.name,
                self.range_text()
            ),
        )
    }

    /// The range in words, e.g. `0 to 86400 s` or `at least 4096 bytes`, with what 0 means.
    pub fn range_text(&self) -> String {
        let sym = self.spaced_symbol();
        let mut text = match self.range {
            None => return String::new(),
            Some(r) if r.max == usize::MAX as u64 => format!("at least {}{sym}", r.min),
            Some(r) if r.min == 1 && self.is_duration() && !self.zero_is_off => {
                format!("above 0{sym}, at most {}{sym}", r.max)
            }
            Some(r) => format!("{} to {}{sym}", r.min, r.max),
        };
        if self.zero_is_off {
            text.push_str(", or 0 for off");
        }
        text
    }

    /// The default in words, e.g. `300 s`, `on`, `none`.
    pub fn default_text(&self) -> String {
        let sym = self.spaced_symbol();
        match self.default {
            DefaultValue::Unset => "none".into(),
            DefaultValue::Number(0) if self.zero_is_off => "off".into(),
            DefaultValue::Number(n) => format!("{n}{sym}"),
            DefaultValue::Flag(true) => "on".into(),
            DefaultValue::Flag(false) => "off".into(),
            DefaultValue::Pair(a, b) => format!("{a}{sym} and {b}{sym}"),
            DefaultValue::Text(t) => format!("`{t}`"),
        }
    }

    /// The default of a number option (0 when it has none).
    pub const fn default_number(&self) -> u64 {
        match self.default {
            DefaultValue::Number(n) => n,
            _ => 0,
        }
    }

    /// The default of a [`Unit::Seconds`] option as a duration.
    pub const fn default_seconds(&self) -> Duration {
        Duration::from_secs(self.default_number())
    }

    /// The default of a [`Unit::Milliseconds`] option as a duration.
    pub const fn default_millis(&self) -> Duration {
        Duration::from_millis(self.default_number())
    }

    /// The default of a flag.
    pub const fn default_flag(&self) -> bool {
        matches!(self.default, DefaultValue::Flag(true))
    }
}

/// A duration in `unit`, e.g. `30 s` or `1500 ms` (`{:?}` when not a whole number of it).
pub(crate) fn show_duration(unit: Unit, value: Duration) -> String {
    match unit {
        Unit::Milliseconds if value.subsec_nanos().is_multiple_of(1_000_000) => {
            format!("{} ms", value.as_millis())
        }
        Unit::Seconds | Unit::SecondsPair if value.subsec_nanos() == 0 => {
            format!("{} s", value.as_secs())
        }
        _ => format!("{value:?}"),
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidArgument, message)
}

/// Reading a value given through the C ABI: each checks the value's type (a binding that
/// passed another is a bug, `Internal`) and the option's range.
impl OptionSpec {
    fn wrong(&self) -> Error {
        Error::new(
            ErrorKind::Internal,
            format!(
                "{}: a value of the wrong type (a bug in the caller's binding)",
                self.name
            ),
        )
    }

    /// Whole seconds of a [`Unit::Seconds`] option, checked.
    pub fn seconds(&self, v: Value<'_>) -> Result<Duration, Error> {
        Ok(Duration::from_secs(self.check(u64::from(self.count(v)?))?))
    }

    /// Whole milliseconds of a [`Unit::Milliseconds`] option, checked.
    pub fn millis(&self, v: Value<'_>) -> Result<Duration, Error> {
        Ok(Duration::from_millis(
            self.check(u64::from(self.count(v)?))?,
        ))
    }

    /// A `uint32_t`, checked (a [`Unit::Count`], or the number of seconds or milliseconds).
    pub fn count(&self, v: Value<'_>) -> Result<u32, Error> {
        match v {
            Value::U32(n) => self.check(u64::from(n)).map(|_| n),
            _ => Err(self.wrong()),
        }
    }

    /// A size of a [`Unit::Bytes`] option, checked.
    pub fn size(&self, v: Value<'_>) -> Result<usize, Error> {
        match v {
            Value::Usize(n) => self.check_usize(n),
            _ => Err(self.wrong()),
        }
    }

    /// A flag.
    pub fn flag(&self, v: Value<'_>) -> Result<bool, Error> {
        match v {
            Value::Flag(b) => Ok(b),
            _ => Err(self.wrong()),
        }
    }

    /// A string.
    pub fn text<'a>(&self, v: Value<'a>) -> Result<&'a str, Error> {
        match v {
            Value::Text(s) => Ok(s),
            _ => Err(self.wrong()),
        }
    }

    /// A pair of whole seconds, each checked.
    pub fn seconds_pair(&self, v: Value<'_>) -> Result<(Duration, Duration), Error> {
        match v {
            Value::U32Pair(a, b) => Ok((
                Duration::from_secs(self.check(u64::from(a))?),
                Duration::from_secs(self.check(u64::from(b))?),
            )),
            _ => Err(self.wrong()),
        }
    }

    /// A pair of strings.
    pub fn text_pair<'a>(&self, v: Value<'a>) -> Result<(&'a str, &'a str), Error> {
        match v {
            Value::TextPair(a, b) => Ok((a, b)),
            _ => Err(self.wrong()),
        }
    }

    /// Bytes.
    pub fn bytes<'a>(&self, v: Value<'a>) -> Result<&'a [u8], Error> {
        match v {
            Value::Bytes(b) => Ok(b),
            _ => Err(self.wrong()),
        }
    }

    /// The error for an option its struct does not store (a catalogue entry without its
    /// field: a bug).
    pub fn not_stored(&self) -> Error {
        Error::new(
            ErrorKind::Internal,
            format!(
                "{}: the option is not stored by {:?}",
                self.name, self.group
            ),
        )
    }
}

const fn range(min: u64, max: u64) -> Option<Range> {
    Some(Range { min, max })
}

/// The largest number of seconds or milliseconds any option takes: what C's `uint32_t` holds.
const U32_MAX: u64 = u32::MAX as u64;
/// The largest size: what C's `size_t` holds.
const SIZE_MAX: u64 = usize::MAX as u64;

const fn c(name: &'static str, params: &'static [&'static str]) -> Option<CSetter> {
    Some(CSetter { name, params })
}

/// A base to fill in: every field but the names, unit and docs at its most common value.
const BASE: OptionSpec = OptionSpec {
    name: "",
    group: Group::Policy,
    unit: Unit::Flag,
    default: DefaultValue::Unset,
    range: None,
    zero_is_off: false,
    hidden: false,
    rust: "",
    c: None,
    python: None,
    go: &[],
    doc: "",
};

// ---------------------------------------------------------------------------------------
// Policy

/// `iss` values a token may carry.
pub const ISSUERS: OptionSpec = OptionSpec {
    name: "issuers",
    unit: Unit::TextList,
    rust: "Policy::issuers",
    c: c("jwks_options_add_issuer", &["issuer"]),
    python: Some("issuers"),
    go: &["Issuers"],
    doc: "The allowed values of `iss` (none may be empty); with none, `iss` is not checked.",
    ..BASE
};

/// Refuses an empty issuer: no token's `iss` could match it, so it is a mistake.
pub fn check_issuer(issuer: &str) -> Result<(), Error> {
    if issuer.is_empty() {
        return Err(invalid("issuers: an issuer is empty"));
    }
    Ok(())
}

/// Audiences a token's `aud` must name one of.
pub const AUDIENCES: OptionSpec = OptionSpec {
    name: "audiences",
    unit: Unit::TextList,
    rust: "Policy::audiences",
    c: c("jwks_options_add_audience", &["audience"]),
    python: Some("audiences"),
    go: &["Audiences"],
    doc: "The allowed audiences: a token's `aud` must name one of them; with none, tokens \
          that carry `aud` are rejected (RFC 7519 §4.1.3).",
    ..BASE
};

/// The algorithms allowed, by JWA name.
pub const ALGORITHMS: OptionSpec = OptionSpec {
    name: "algorithms",
    unit: Unit::TextList,
    rust: "Policy::algorithms",
    c: c("jwks_options_add_algorithm", &["alg"]),
    python: Some("algorithms"),
    go: &["Algorithms"],
    doc: "The allowed algorithms by JWA name (`RS256`, `ES256`, `EdDSA`, `HS256`...). With \
          none, every asymmetric algorithm that fits the key; HMAC only ever when listed. \
          `none` and unknown names are refused.",
    ..BASE
};

/// Clock skew tolerated for `exp`, `nbf` and `iat`.
pub const LEEWAY: OptionSpec = OptionSpec {
    name: "leeway",
    unit: Unit::Seconds,
    default: DefaultValue::Number(0),
    range: range(0, 86_400),
    rust: "Policy::leeway",
    c: c("jwks_options_set_leeway", &["seconds"]),
    python: Some("leeway"),
    go: &["Leeway"],
    doc: "The clock-skew leeway for `exp`, `nbf` and `iat`.",
    ..BASE
};

/// Whether `exp` must be present.
pub const REQUIRE_EXP: OptionSpec = OptionSpec {
    name: "require_exp",
    unit: Unit::Flag,
    default: DefaultValue::Flag(true),
    rust: "Policy::require_exp",
    c: c("jwks_options_set_require_exp", &["require"]),
    python: Some("require_exp"),
    go: &["NoRequireExp"],
    doc: "Whether `exp` must be present.",
    ..BASE
};

/// The header `typ` every token must have.
pub const TYP: OptionSpec = OptionSpec {
    name: "typ",
    unit: Unit::Text,
    rust: "Policy::expected_typ",
    c: c("jwks_options_set_typ", &["typ"]),
    python: Some("typ"),
    go: &["Typ"],
    doc: "The required header `typ` (case-insensitive; `application/` optional), e.g. \
          `at+jwt` for OAuth access tokens (RFC 9068).",
    ..BASE
};

/// Claims every token must carry.
pub const REQUIRED_CLAIMS: OptionSpec = OptionSpec {
    name: "required_claims",
    unit: Unit::TextList,
    rust: "Policy::required_claims",
    c: c("jwks_options_add_required_claim", &["name"]),
    python: Some("required_claims"),
    go: &["RequiredClaims"],
    doc: "Claims every token must carry (e.g. `sub`).",
    ..BASE
};

/// The oldest a token may be, from its `iat`.
pub const MAX_TOKEN_AGE: OptionSpec = OptionSpec {
    name: "max_token_age",
    unit: Unit::Seconds,
    default: DefaultValue::Number(0),
    range: range(1, U32_MAX),
    zero_is_off: true,
    rust: "Policy::max_age",
    c: c("jwks_options_set_max_token_age", &["seconds"]),
    python: Some("max_token_age"),
    go: &["MaxTokenAge"],
    doc: "Rejects tokens whose `iat` is older than this (then `iat` is required).",
    ..BASE
};

/// The largest token accepted.
pub const MAX_TOKEN_SIZE: OptionSpec = OptionSpec {
    name: "max_token_size",
    unit: Unit::Bytes,
    default: DefaultValue::Number(16 * 1024),
    range: range(256, 1024 * 1024),
    rust: "Policy::limits.max_token_len",
    c: c("jwks_options_set_max_token_size", &["bytes"]),
    python: Some("max_token_size"),
    go: &["MaxTokenSize"],
    doc: "The largest accepted token.",
    ..BASE
};

/// The largest decoded header accepted (Rust only).
pub const MAX_HEADER_SIZE: OptionSpec = OptionSpec {
    name: "max_header_size",
    unit: Unit::Bytes,
    default: DefaultValue::Number(4 * 1024),
    range: range(64, 1024 * 1024),
    rust: "Policy::limits.max_header_len",
    doc: "The largest accepted decoded header.",
    ..BASE
};

/// The deepest JSON nesting accepted (Rust only).
pub const MAX_JSON_DEPTH: OptionSpec = OptionSpec {
    name: "max_json_depth",
    unit: Unit::Count,
    default: DefaultValue::Number(16),
    range: range(1, crate::json::HARD_DEPTH_LIMIT as u64),
    rust: "Policy::limits.max_json_depth",
    doc: "The deepest nesting of arrays and objects accepted in a header or payload.",
    ..BASE
};

// ---------------------------------------------------------------------------------------
// Sender-constrained tokens: DPoP (RFC 9449) and certificate binding (RFC 8705)

/// Which `Authorization` schemes are accepted.
pub const TOKEN_SCHEME: OptionSpec = OptionSpec {
    name: "token_scheme",
    unit: Unit::Text,
    default: DefaultValue::Text("bearer"),
    rust: "Policy::dpop.token_scheme",
    c: c("jwks_options_set_token_scheme", &["scheme"]),
    python: Some("token_scheme"),
    go: &["TokenScheme"],
    doc: "The `Authorization` schemes a request verification accepts: `bearer` (RFC 6750), \
          `dpop` (RFC 9449: the token with a DPoP proof of its key), or `either`. A route may \
          ask for another when it verifies a request.",
    ..BASE
};

/// The oldest a DPoP proof may be.
pub const DPOP_MAX_AGE: OptionSpec = OptionSpec {
    name: "dpop_max_age",
    unit: Unit::Seconds,
    default: DefaultValue::Number(60),
    range: range(1, 3_600),
    rust: "Policy::dpop.max_age",
    c: c("jwks_options_set_dpop_max_age", &["seconds"]),
    python: Some("dpop_max_age"),
    go: &["DPoPMaxAge"],
    doc: "The oldest a DPoP proof may be, from its `iat`; its `jti` is remembered that long \
          (plus the leeway) to refuse a replay.",
    ..BASE
};

/// Clock skew tolerated for a DPoP proof's `iat`.
pub const DPOP_LEEWAY: OptionSpec = OptionSpec {
    name: "dpop_leeway",
    unit: Unit::Seconds,
    default: DefaultValue::Number(5),
    range: range(0, 300),
    rust: "Policy::dpop.leeway",
    c: c("jwks_options_set_dpop_leeway", &["seconds"]),
    python: Some("dpop_leeway"),
    go: &["DPoPLeeway"],
    doc: "The clock-skew leeway for a DPoP proof's `iat`: how far ahead of the server's clock \
          it may be, and how much older than `dpop_max_age`.",
    ..BASE
};

/// The most memory the in-memory DPoP replay store may take.
pub const DPOP_REPLAY_CACHE_BYTES: OptionSpec = OptionSpec {
    name: "dpop_replay_cache_bytes",
    unit: Unit::Bytes,
    default: DefaultValue::Number(16 << 20),
    range: range(crate::replay::MIN_BYTES as u64, SIZE_MAX),
    rust: "Policy::dpop.replay_cache_bytes",
    c: c("jwks_options_set_dpop_replay_cache_bytes", &["max_bytes"]),
    python: Some("dpop_replay_cache_bytes"),
    go: &["DPoPReplayCacheBytes"],
    doc: "The most memory the in-memory DPoP replay store takes (each shard's table is \
          allocated on its first proof). It never forgets a `jti` inside its window: when full \
          of them it refuses new proofs (`REPLAY_STORE_UNAVAILABLE`, answer 503). About 45,000 \
          proofs per MiB: the default holds 66 s of proofs (window and leeway) at 11,000 a \
          second. Unused with a shared replay store.",
    ..BASE
};

/// How often the built-in DPoP nonce rotates; 0 turns nonces off.
pub const DPOP_NONCE_LIFETIME: OptionSpec = OptionSpec {
    name: "dpop_nonce_lifetime",
    unit: Unit::Seconds,
    default: DefaultValue::Number(0),
    range: range(1, 86_400),
    zero_is_off: true,
    rust: "Policy::dpop.nonce_lifetime",
    c: c("jwks_options_set_dpop_nonce_lifetime", &["seconds"]),
    python: Some("dpop_nonce_lifetime"),
    go: &["DPoPNonceLifetime"],
    doc: "Server nonces (RFC 9449 §9): a proof must carry a nonce the server issued (sent in \
          `DPoP-Nonce` with a `use_dpop_nonce` refusal); the built-in nonce changes this often \
          and is accepted for one period more.",
    ..BASE
};

/// The secret of the built-in DPoP nonces.
pub const DPOP_NONCE_SECRET: OptionSpec = OptionSpec {
    name: "dpop_nonce_secret",
    unit: Unit::Text,
    hidden: true,
    rust: "Policy::dpop.nonce_secret",
    c: c("jwks_options_set_dpop_nonce_secret", &["secret"]),
    python: Some("dpop_nonce_secret"),
    go: &["DPoPNonceSecret"],
    doc: "The secret (at least 32 bytes) under which the built-in nonces are made, so that \
          every server of a fleet accepts the others' nonces; by default each verifier draws \
          its own.",
    ..BASE
};

/// Refuses a nonce secret shorter than 32 bytes.
pub fn check_nonce_secret(secret: &str) -> Result<(), Error> {
    if secret.len() < 32 {
        return Err(invalid(format!(
            "dpop_nonce_secret: {} bytes; at least 32 required",
            secret.len()
        )));
    }
    Ok(())
}

/// Whether a DPoP-bound token is accepted with the `Bearer` scheme.
pub const ALLOW_DPOP_BOUND_BEARER: OptionSpec = OptionSpec {
    name: "allow_dpop_bound_bearer",
    unit: Unit::Flag,
    default: DefaultValue::Flag(false),
    rust: "Policy::dpop.allow_bound_bearer",
    c: c("jwks_options_set_allow_dpop_bound_bearer", &["allow"]),
    python: Some("allow_dpop_bound_bearer"),
    go: &["AllowDPoPBoundBearer"],
    doc: "Accepts a DPoP-bound token (one with `cnf.jkt`) sent with the `Bearer` scheme, \
          without a proof; RFC 9449 §7.2 says to refuse it, which is the default.",
    ..BASE
};

/// Whether every token must be bound to the client certificate.
pub const REQUIRE_CERTIFICATE_BINDING: OptionSpec = OptionSpec {
    name: "require_certificate_binding",
    unit: Unit::Flag,
    default: DefaultValue::Flag(false),
    rust: "Policy::require_certificate_binding",
    c: c("jwks_options_set_require_certificate_binding", &["require"]),
    python: Some("require_certificate_binding"),
    go: &["RequireCertificateBinding"],
    doc: "Requires every token of a request verification to be bound to the client \
          certificate (`cnf.x5t#S256`, RFC 8705 §3). Without it, a token that is bound is \
          still checked against the certificate, and refused without one.",
    ..BASE
};

// ---------------------------------------------------------------------------------------
// Token cache

/// How many verified tokens are kept.
pub const TOKEN_CACHE: OptionSpec = OptionSpec {
    name: "token_cache",
    group: Group::TokenCache,
    unit: Unit::Count,
    default: DefaultValue::Number(4096),
    range: range(1, U32_MAX),
    zero_is_off: true,
    rust: "TokenCacheOptions::max_entries",
    c: c("jwks_options_set_token_cache", &["max_entries"]),
    python: Some("token_cache"),
    go: &["TokenCacheEntries", "NoTokenCache"],
    doc: "How many verified tokens a verifier keeps, so that a token seen again is answered \
          without its signature check, with the verdict a full verification would give (the \
          time rules are checked again at each call's time; an entry is dropped when the key \
          set changes). Once the cache is full, a token is stored on its second miss, so \
          that one-off tokens displace nothing. Memory grows with the entries stored, up to \
          `token_cache_bytes`.",
    ..BASE
};

/// The most memory the token cache may take.
pub const TOKEN_CACHE_BYTES: OptionSpec = OptionSpec {
    name: "token_cache_bytes",
    group: Group::TokenCache,
    unit: Unit::Bytes,
    default: DefaultValue::Number(8 << 20),
    range: range(4096, SIZE_MAX),
    rust: "TokenCacheOptions::max_bytes",
    c: c("jwks_options_set_token_cache_bytes", &["max_bytes"]),
    python: Some("token_cache_bytes"),
    go: &["TokenCacheBytes"],
    doc: "The most memory the token cache may take, allocator overhead included; it is \
          taken as entries are stored, not up front.",
    ..BASE
};

/// The longest a cached verification is reused.
pub const TOKEN_CACHE_MAX_REUSE: OptionSpec = OptionSpec {
    name: "token_cache_max_reuse",
    group: Group::TokenCache,
    unit: Unit::Seconds,
    default: DefaultValue::Number(300),
    range: range(1, 86_400),
    rust: "TokenCacheOptions::max_reuse",
    c: c("jwks_options_set_token_cache_max_reuse", &["seconds"]),
    python: Some("token_cache_max_reuse"),
    go: &["TokenCacheMaxReuse"],
    doc: "The longest time a cached verification is reused, after which the token is \
          verified again; never past the token's `exp` either.",
    ..BASE
};

// ---------------------------------------------------------------------------------------
// Remote key sets

/// Whether plain `http://` key URLs are allowed.
pub const ALLOW_HTTP: OptionSpec = OptionSpec {
    name: "allow_http",
    group: Group::Remote,
    unit: Unit::Flag,
    default: DefaultValue::Flag(false),
    rust: "RemoteOptions::allow_http",
    c: c("jwks_options_set_allow_http", &["allow"]),
    python: Some("allow_http"),
    go: &["AllowHTTP"],
    doc: "Allows plain `http://` key URLs (for tests and private networks).",
    ..BASE
};

/// How long keys are cached when the response says nothing.
pub const CACHE_TTL: OptionSpec = OptionSpec {
    name: "cache_ttl",
    group: Group::Remote,
    unit: Unit::Seconds,
    default: DefaultValue::Number(600),
    range: range(1, U32_MAX),
    rust: "RemoteOptions::cache_ttl",
    c: c("jwks_options_set_cache_ttl", &["seconds"]),
    python: Some("cache_ttl"),
    go: &["CacheTTL"],
    doc: "How long fetched keys are cached when the response has no `Cache-Control: \
          max-age`. Used as given, never clamped: it must also lie within \
          `cache_ttl_bounds`, which is checked when a verifier is created (so the two may be \
          set in either order).",
    ..BASE
};

/// The bounds a response's `max-age` is clamped to.
pub const CACHE_TTL_BOUNDS: OptionSpec = OptionSpec {
    name: "cache_ttl_bounds",
    group: Group::Remote,
    unit: Unit::SecondsPair,
    default: DefaultValue::Pair(60, 86_400),
    range: range(1, U32_MAX),
    rust: "RemoteOptions::min_cache_ttl, RemoteOptions::max_cache_ttl",
    c: c(
        "jwks_options_set_cache_ttl_bounds",
        &["min_seconds", "max_seconds"],
    ),
    python: Some("cache_ttl_bounds"),
    go: &["MinCacheTTL", "MaxCacheTTL"],
    doc: "The minimum and maximum that a response's `max-age` is clamped to (the server's \
          value, not a setting); the minimum is also the lifetime of a \
          `no-store`/`no-cache` response. The minimum may not exceed the maximum.",
    ..BASE
};

/// Refuses a minimum cache ttl above the maximum.
pub fn check_ttl_bounds(min: Duration, max: Duration) -> Result<(), Error> {
    if min > max {
        return Err(invalid(format!(
            "cache_ttl_bounds: the minimum ({}) is above the maximum ({})",
            show_duration(Unit::Seconds, min),
            show_duration(Unit::Seconds, max)
        )));
    }
    Ok(())
}

/// The least time between refetches caused by unknown `kid`s.
pub const REFRESH_COOLDOWN: OptionSpec = OptionSpec {
    name: "refresh_cooldown",
    group: Group::Remote,
    unit: Unit::Seconds,
    default: DefaultValue::Number(30),
    range: range(0, U32_MAX),
    rust: "RemoteOptions::refresh_cooldown",
    c: c("jwks_options_set_refresh_cooldown", &["seconds"]),
    python: Some("refresh_cooldown"),
    go: &["RefreshCooldown"],
    doc: "The minimum interval between refetches caused by unknown `kid`s; in between, \
          tokens with unknown `kid`s are rejected at once.",
    ..BASE
};

/// How long expired keys keep verifying while refreshes fail.
pub const MAX_STALE: OptionSpec = OptionSpec {
    name: "max_stale",
    group: Group::Remote,
    unit: Unit::Seconds,
    default: DefaultValue::Number(86_400),
    range: range(0, U32_MAX),
    rust: "RemoteOptions::max_stale",
    c: c("jwks_options_set_max_stale", &["seconds"]),
    python: Some("max_stale"),
    go: &["MaxStale"],
    doc: "How long past their expiry cached keys keep verifying while refreshes fail.",
    ..BASE
};

/// The total time one key fetch may take.
pub const HTTP_TIMEOUT: OptionSpec = OptionSpec {
    name: "http_timeout",
    group: Group::Remote,
    unit: Unit::Milliseconds,
    default: DefaultValue::Number(5_000),
    range: range(1, 3_600_000),
    rust: "RemoteOptions::timeout",
    c: c("jwks_options_set_http_timeout_ms", &["ms"]),
    python: Some("http_timeout"),
    go: &["HTTPTimeout"],
    doc: "The total time allowed for one key fetch (connect, TLS, redirects, headers and \
          body; one deadline covers a whole refresh, discovery included).",
    ..BASE
};

/// The time one connection may take.
pub const CONNECT_TIMEOUT: OptionSpec = OptionSpec {
    name: "connect_timeout",
    group: Group::Remote,
    unit: Unit::Milliseconds,
    default: DefaultValue::Number(2_000),
    range: range(1, 3_600_000),
    rust: "RemoteOptions::connect_timeout",
    c: c("jwks_options_set_connect_timeout_ms", &["ms"]),
    python: Some("connect_timeout"),
    go: &["ConnectTimeout"],
    doc: "The time allowed to connect (TCP, proxy and TLS handshake); the total timeout \
          bounds the whole fetch, connection included, whichever ends first.",
    ..BASE
};

/// The largest key-set response accepted.
pub const MAX_RESPONSE_SIZE: OptionSpec = OptionSpec {
    name: "max_response_size",
    group: Group::Remote,
    unit: Unit::Bytes,
    default: DefaultValue::Number(1024 * 1024),
    range: range(1024, SIZE_MAX),
    rust: "RemoteOptions::max_response_bytes",
    c: c("jwks_options_set_max_response_size", &["bytes"]),
    python: Some("max_response_size"),
    go: &["MaxResponseSize"],
    doc: "The largest accepted key-set response (after decompression).",
    ..BASE
};

/// Headers sent with every key fetch.
pub const HEADERS: OptionSpec = OptionSpec {
    name: "headers",
    group: Group::Remote,
    unit: Unit::TextPairs,
    hidden: true,
    rust: "RemoteOptions::headers",
    c: c("jwks_options_add_http_header", &["name", "value"]),
    python: Some("headers"),
    go: &["Headers"],
    doc: "Headers sent with every key fetch (e.g. an API key; not sent to another host after \
          a redirect). Names and values must be UTF-8 without CR, LF or NUL; names not empty \
          and without `:` or spaces.",
    ..BASE
};

/// Refuses a header that would break the request or smuggle another header.
pub fn check_header(name: &str, value: &str) -> Result<(), Error> {
    let bad = |s: &str| s.contains(['\r', '\n', '\0']);
    if name.is_empty() || bad(name) || bad(value) || name.contains([':', ' ']) {
        return Err(invalid(format!("headers: invalid header {name:?}")));
    }
    Ok(())
}

/// Extra trusted CA certificates.
pub const CA_PEM: OptionSpec = OptionSpec {
    name: "ca_pem",
    group: Group::Remote,
    unit: Unit::Pem,
    hidden: true,
    rust: "RemoteOptions::ca_pem",
    c: c("jwks_options_set_ca_pem", &["pem", "len"]),
    python: Some("ca_pem"),
    go: &["CAPEM"],
    doc: "CA certificates (PEM) trusted for key fetches in addition to the system's web \
          roots, for private identity providers.",
    ..BASE
};

/// Refuses PEM text without a certificate.
pub fn check_pem(pem: &[u8]) -> Result<(), Error> {
    if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
        return Err(invalid("ca_pem: no PEM certificate found"));
    }
    Ok(())
}

/// An explicit proxy.
pub const PROXY: OptionSpec = OptionSpec {
    name: "proxy",
    group: Group::Remote,
    unit: Unit::Text,
    hidden: true,
    rust: "RemoteOptions::proxy",
    c: c("jwks_options_set_proxy", &["proxy_url"]),
    python: Some("proxy"),
    go: &["Proxy"],
    doc: "An explicit proxy URL for key fetches, for https and http URLs alike (default: \
          from the environment: `https_proxy`/`HTTPS_PROXY` for https URLs, \
          `http_proxy`/`HTTP_PROXY` for http URLs unless `REQUEST_METHOD` is set, then \
          `all_proxy`/`ALL_PROXY`; hosts on `NO_PROXY`/`no_proxy` are fetched directly).",
    ..BASE
};

/// The most keys a fetched set may hold.
pub const MAX_KEYS: OptionSpec = OptionSpec {
    name: "max_keys",
    group: Group::Remote,
    unit: Unit::Count,
    default: DefaultValue::Number(256),
    range: range(1, U32_MAX),
    rust: "RemoteOptions::max_keys",
    c: c("jwks_options_set_max_keys", &["count"]),
    python: Some("max_keys"),
    go: &["MaxKeys"],
    doc: "The most entries a fetched key set (URL, issuer, file) may hold; a larger set is \
          refused as invalid and the keys already held stay in use. Raise it for identity \
          providers that publish many keys (multi-tenant sets).",
    ..BASE
};

/// Whether the keys are loaded when the verifier is created.
pub const FETCH_AT_START: OptionSpec = OptionSpec {
    name: "fetch_at_start",
    group: Group::Remote,
    unit: Unit::Flag,
    default: DefaultValue::Flag(false),
    rust: "RemoteOptions::fetch_at_start",
    c: c("jwks_options_set_fetch_at_start", &["fetch"]),
    python: Some("fetch_at_start"),
    go: &["FetchAtStart"],
    doc: "Loads every issuer's keys when the verifier is created (URL, issuer, issuers; a \
          file is always read then) and fails there with the fetch's error, so that a wrong \
          URL or issuer, an unreachable endpoint or an invalid key set stops a service at \
          start instead of answering 503 to every request. Off, the first verification \
          fetches.",
    ..BASE
};

/// Whether the proxy is read from the environment (Rust only).
pub const PROXY_FROM_ENV: OptionSpec = OptionSpec {
    name: "proxy_from_env",
    group: Group::Remote,
    unit: Unit::Flag,
    default: DefaultValue::Flag(true),
    rust: "RemoteOptions::proxy_from_env",
    doc: "Whether the proxy is read from the environment when none is set explicitly.",
    ..BASE
};

/// The `User-Agent` of key fetches (Rust only).
pub const USER_AGENT: OptionSpec = OptionSpec {
    name: "user_agent",
    group: Group::Remote,
    unit: Unit::Text,
    default: DefaultValue::Text("jwks/VERSION"),
    rust: "RemoteOptions::user_agent",
    doc: "The `User-Agent` header of key fetches; without CR, LF or NUL.",
    ..BASE
};

/// The first wait before retrying a failed fetch (Rust only).
pub const RETRY_MIN: OptionSpec = OptionSpec {
    name: "retry_min",
    group: Group::Remote,
    unit: Unit::Milliseconds,
    default: DefaultValue::Number(1_000),
    range: range(1, 3_600_000),
    rust: "RemoteOptions::retry_min",
    doc: "The wait after the first failed fetch before retrying; it doubles with each \
          further failure, up to `retry_max`.",
    ..BASE
};

/// The longest wait between retries of a failing endpoint (Rust only).
pub const RETRY_MAX: OptionSpec = OptionSpec {
    name: "retry_max",
    group: Group::Remote,
    unit: Unit::Milliseconds,
    default: DefaultValue::Number(60_000),
    range: range(1, 86_400_000),
    rust: "RemoteOptions::retry_max",
    doc: "The longest wait between retries of a failing endpoint; at least `retry_min`.",
    ..BASE
};

/// Every option, in the order of the documentation.
pub const ALL: &[&OptionSpec] = &[
    &ISSUERS,
    &AUDIENCES,
    &ALGORITHMS,
    &LEEWAY,
    &REQUIRE_EXP,
    &TYP,
    &REQUIRED_CLAIMS,
    &MAX_TOKEN_AGE,
    &MAX_TOKEN_SIZE,
    &MAX_HEADER_SIZE,
    &MAX_JSON_DEPTH,
    &TOKEN_SCHEME,
    &DPOP_MAX_AGE,
    &DPOP_LEEWAY,
    &DPOP_REPLAY_CACHE_BYTES,
    &DPOP_NONCE_LIFETIME,
    &DPOP_NONCE_SECRET,
    &ALLOW_DPOP_BOUND_BEARER,
    &REQUIRE_CERTIFICATE_BINDING,
    &TOKEN_CACHE,
    &TOKEN_CACHE_BYTES,
    &TOKEN_CACHE_MAX_REUSE,
    &ALLOW_HTTP,
    &CACHE_TTL,
    &CACHE_TTL_BOUNDS,
    &REFRESH_COOLDOWN,
    &MAX_STALE,
    &HTTP_TIMEOUT,
    &CONNECT_TIMEOUT,
    &MAX_RESPONSE_SIZE,
    &HEADERS,
    &CA_PEM,
    &PROXY,
    &MAX_KEYS,
    &FETCH_AT_START,
    &PROXY_FROM_ENV,
    &USER_AGENT,
    &RETRY_MIN,
    &RETRY_MAX,
];
