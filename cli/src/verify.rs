//! `jwks verify`: the verdict on a token, with the precise reason and a hint when rejected.

use jwkskit::issuer::{load_key_dir, SigningKey};
use jwkskit::{unix_now, Algorithm, Category, Error, ErrorKind, KeyQuery, Policy, RemoteOptions};
use jwkskit::{VerifiedToken, Verifier};
use serde::ser::{SerializeMap, Serializer};
use serde_json::value::RawValue;
use serde_json::{json, Value};

use crate::args::{flag, multi, opt, parse, Parsed, Spec};
use crate::common::{
    emit, format_utc, indented_json, parse_duration, read_file, read_token, time_claim, CliError,
    CliResult, EXIT_OK, EXIT_REJECTED, EXIT_TROUBLE,
};
use crate::inspect::{decode_unverified, Decoded};

pub const HELP: &str = "\
jwks verify - verify a token's signature and claims, and explain the verdict

usage: jwks verify [TOKEN|-] (--jwks FILE|URL | --issuer URL) [options]

The token is read from the argument, or from stdin when it is `-` or absent
(a leading \"Bearer \" is ignored).

keys (exactly one):
  --jwks FILE|DIR|URL a JWKS (or single JWK) file; a key file from `jwks keygen` (its public
                      part); a key directory as `jwks serve` publishes it; or an https://
                      JWKS URL
  --issuer URL        an OpenID Connect issuer: keys found by discovery
                      (/.well-known/openid-configuration); the issuer is also required as iss

policy:
  --iss ISS           allowed issuer (repeatable; default: iss not checked)
  --aud AUD           allowed audience (repeatable; a token carrying aud is rejected unless
                      one of its audiences is given here)
  --alg ALG           allowed algorithm (repeatable; default: every asymmetric algorithm;
                      HS256/384/512 must be named, and need an oct key in a local --jwks file)
  --leeway SECS       clock skew tolerated for exp/nbf/iat (e.g. 30, 2m; default 0)
  --now UNIX          check the claims at this unix time instead of the system clock
  --typ TYP           required header typ (e.g. at+jwt)
  --no-require-exp    accept tokens without exp
  --allow-http        allow http:// key URLs (loopback and private networks only)

output:
  --json              one JSON object on stdout: {\"valid\": true, \"key\": {...}, \"claims\": {...}}
                      or {\"valid\": false, \"error\": {\"name\", \"code\", \"message\", ...}}
                      (a valid token's header and claims as the token carries them, on one line,
                      its \"scopes\" as every binding reads them, or \"scopes_error\")

exit codes:
  0  valid
  1  rejected (expired, bad signature, wrong audience, unknown key, alg none, ...)
  2  usage error, or the keys are unavailable (unreadable file, invalid set, fetch failed)
";

const SPECS: &[Spec] = &[
    opt("jwks"),
    opt("issuer"),
    multi("iss"),
    multi("aud"),
    multi("alg"),
    opt("leeway"),
    opt("now"),
    opt("typ"),
    flag("no-require-exp"),
    flag("allow-http"),
    flag("json"),
];

pub fn run(args: &[String]) -> CliResult {
    let p = parse(args, SPECS, 1)?;
    let policy = build_policy(&p)?;
    let now = p.number::<i64>("now")?.unwrap_or_else(unix_now);
    let token = read_token(p.positional())?;
    let decoded = decode_unverified(&token).ok();
    let report = Report {
        json: p.flag("json"),
        now,
        decoded: decoded.as_ref(),
    };
    let verifier = match make_verifier(&p, policy)? {
        Ok(v) => v,
        Err(e) => return Ok(report.failure(&e, None)),
    };
    match verifier.verify_at(token.as_bytes(), now) {
        Ok(verified) => Ok(report.success(&verified)),
        // Discovery runs on first use: its issuer check fails here, not at construction.
        Err(e) => {
            let e = match p.value("issuer") {
                Some(issuer) => issuer_mismatch(issuer, e),
                None => e,
            };
            Ok(report.failure(&e, Some(&verifier)))
        }
    }
}

/// The token policy of the options `--alg`, `--iss`, `--aud`, `--leeway`, `--typ` and
/// `--no-require-exp` (also those of `jwks dpop verify`).
pub(crate) fn build_policy(p: &Parsed) -> Result<Policy, CliError> {
    let mut algorithms = Vec::new();
    for name in p.values("alg") {
        let alg = Algorithm::from_name(name).ok_or_else(|| {
            if name.eq_ignore_ascii_case("none") {
                CliError::usage("alg none is never accepted")
            } else {
                CliError::usage(format!(
                    "--alg {name:?} is not a supported algorithm (RS256..512, PS256..512, \
                     ES256, ES384, EdDSA, HS256..512)"
                ))
            }
        })?;
        algorithms.push(alg);
    }
    let leeway = match p.value("leeway") {
        Some(text) => u64::try_from(parse_duration(text, "leeway")?)
            .map_err(|_| CliError::usage("--leeway cannot be negative"))?,
        None => 0,
    };
    Ok(Policy {
        algorithms,
        issuers: p.values("iss").to_vec(),
        audiences: p.values("aud").to_vec(),
        leeway,
        require_exp: !p.flag("no-require-exp"),
        expected_typ: p.value("typ").map(str::to_owned),
        ..Policy::default()
    })
}

/// The verifier of `--jwks`/`--issuer` (with `--allow-http`), or the library's error about the
/// keys (reported as a verdict, exit 2).
pub(crate) fn make_verifier(
    p: &Parsed,
    policy: Policy,
) -> Result<Result<Verifier, Error>, CliError> {
    let remote = RemoteOptions {
        allow_http: p.flag("allow-http"),
        ..RemoteOptions::default()
    };
    Ok(match (p.value("jwks"), p.value("issuer")) {
        (Some(_), Some(_)) => return Err(CliError::usage("give --jwks or --issuer, not both")),
        (None, None) => {
            return Err(CliError::usage(
                "no keys: give --jwks FILE|URL or --issuer URL",
            ))
        }
        (None, Some(issuer)) => {
            Verifier::from_issuer(issuer, policy, remote).map_err(|e| issuer_mismatch(issuer, e))
        }
        (Some(src), None) if src.starts_with("https://") || src.starts_with("http://") => {
            Verifier::from_url(src, policy, remote)
        }
        (Some(path), None) => match local_keys(path) {
            Ok(bytes) => Verifier::from_json(&bytes, policy),
            Err(e) => Err(e),
        },
    })
}

/// A discovery document that names another issuer string than --issuer (often only a
/// trailing slash apart) is a configuration mistake, not an outage: reported as misuse, with
/// both strings, instead of KEYS_UNAVAILABLE.
fn issuer_mismatch(given: &str, e: Error) -> Error {
    const MARK: &str = "document names issuer ";
    let named = match e.message().find(MARK) {
        Some(at) if e.kind() == ErrorKind::KeysUnavailable => {
            let rest = &e.message()[at + MARK.len()..];
            rest.split(", expected ")
                .next()
                .unwrap_or(rest)
                .trim_matches('"')
        }
        _ => return e,
    };
    let advice = if named.trim_end_matches('/') == given.trim_end_matches('/') {
        format!("the two differ only by a trailing slash: use --issuer {named}")
    } else {
        "use the issuer the document names, if this is the endpoint you meant".into()
    };
    Error::new(
        ErrorKind::InvalidArgument,
        format!(
            "--issuer {given:?} does not match the issuer {named:?} named by its discovery \
             document (they must be identical, OpenID Connect Discovery §4.3); {advice}"
        ),
    )
}

/// The key set JSON of a local --jwks: a JWKS or JWK file as is; a key file from `jwks
/// keygen` (or a PEM private key) as its public JWK; a directory as `jwks serve` would
/// publish it.
fn local_keys(path: &str) -> Result<Vec<u8>, Error> {
    let unavailable = |message: String| Error::new(ErrorKind::KeysUnavailable, message);
    if std::path::Path::new(path).is_dir() {
        let dir = load_key_dir(path.as_ref())?;
        let count = dir.jwks["keys"].as_array().map_or(0, Vec::len);
        if count == 0 {
            let skipped: Vec<String> = dir
                .skipped
                .iter()
                .map(|s| format!("{}: {}", s.file, s.reason))
                .collect();
            return Err(unavailable(format!(
                "the key directory {path} has no public key to verify with (the key files of \
                 `jwks keygen` or public JWK files are expected){}",
                if skipped.is_empty() {
                    String::new()
                } else {
                    format!("; skipped {}", skipped.join("; "))
                }
            )));
        }
        return Ok(dir.jwks.to_string().into_bytes());
    }
    let bytes = read_file(path, "key set").map_err(|e| unavailable(e.message))?;
    let is_json = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{');
    if is_json {
        return Ok(bytes);
    }
    // Not JSON: a key file (kid/alg lines and PKCS#8 PEM) whose public part verifies.
    match SigningKey::from_key_file(&bytes, None) {
        Ok(key) => Ok(json!({"keys": [key.public_jwk()]}).to_string().into_bytes()),
        Err(e) => Err(Error::new(
            ErrorKind::KeySetInvalid,
            format!(
                "{path} is neither JSON (a JWKS or a JWK) nor a key file from `jwks keygen` \
                 ({})",
                e.message()
            ),
        )),
    }
}

struct Report<'a> {
    json: bool,
    now: i64,
    decoded: Option<&'a Decoded>,
}

impl Report<'_> {
    fn success(&self, t: &VerifiedToken) -> i32 {
        let header: Value = serde_json::from_slice(t.header()).unwrap_or(Value::Null);
        let claims = t
            .claims()
            .map(|c| Value::Object(c.clone()))
            .unwrap_or(Value::Null);
        if self.json {
            emit(&format!("{}\n", success_json(t, self.now)));
            return EXIT_OK;
        }
        let mut s = format!(
            "VALID  signature and claims verified at {}\n",
            format_utc(self.now)
        );
        let kid = t
            .key_id()
            .map(|k| format!("kid {k:?}"))
            .unwrap_or_else(|| "no kid".into());
        s.push_str(&format!(
            "  key:    {kid}, thumbprint {}, alg {}\n",
            t.key_thumbprint(),
            t.alg()
        ));
        s.push_str(&format!("  header: {header}\n  claims:\n"));
        s.push_str(&indented_json(&claims, 4));
        s.push_str(&times(&claims, self.now));
        emit(&s);
        EXIT_OK
    }

    fn failure(&self, e: &Error, verifier: Option<&Verifier>) -> i32 {
        let kind = e.kind();
        let (label, code) = verdict(e.category());
        let hints = hints(e, self.decoded, verifier, self.now);
        if self.json {
            let category = category_name(e.category());
            let out = json!({
                "valid": false,
                "error": {
                    "name": kind.name(),
                    "code": kind.code(),
                    "category": category,
                    "description": kind.description(),
                    "message": e.message(),
                },
                "hints": hints,
                "header": self.decoded.map(|d| d.header.clone()),
                "now": self.now,
            });
            emit(&format!("{out}\n"));
            return code;
        }
        let mut s = format!(
            "{label}  {} (code {}): {}\n  reason: {}\n",
            kind.name(),
            kind.code(),
            kind.description(),
            e.message()
        );
        for h in &hints {
            s.push_str(&format!("  hint:   {h}\n"));
        }
        if let Some(d) = self.decoded {
            s.push_str(&format!("  token:  {} (unverified)\n", d.summary()));
        }
        emit(&s);
        code
    }
}

/// The label and the exit code of a verdict of `category`: 1 for a rejected token, 2 when the
/// keys (or the DPoP replay store) are unavailable, or for misuse.
pub(crate) fn verdict(category: Category) -> (&'static str, i32) {
    match category {
        Category::TokenRejected => ("REJECTED", EXIT_REJECTED),
        Category::KeysUnavailable => ("KEYS UNAVAILABLE", EXIT_TROUBLE),
        _ => ("ERROR", EXIT_TROUBLE),
    }
}

/// The `category` member of a `--json` error.
pub(crate) fn category_name(category: Category) -> &'static str {
    match category {
        Category::TokenRejected => "token_rejected",
        Category::KeysUnavailable => "keys_unavailable",
        _ => "misuse",
    }
}

/// The `--json` verdict on a valid token. Its header and claims are the token's own JSON text,
/// the objects the verifier read and checked, not a re-encoding of them: numbers keep their
/// spelling (`-0`, `1.50`), members their order. `scopes` are the scopes the token grants, as
/// every binding reads them (`jwks_token_scope*`), or `scopes_error` when its `scope` or
/// `scp` claim has another shape; `claim_names_case_unique` whether no two member names of
/// one object differ only in case (`jwks_token_claims_case_unique`).
fn success_json(t: &VerifiedToken, now: i64) -> String {
    let key = json!({"kid": t.key_id(), "thumbprint": t.key_thumbprint(), "alg": t.alg().name()});
    let header = as_written(t.header());
    let claims = as_written(t.payload());
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::new(&mut out);
    let written: Result<(), serde_json::Error> = (|| {
        let mut map = ser.serialize_map(None)?;
        map.serialize_entry("alg", t.alg().name())?;
        map.serialize_entry("claim_names_case_unique", &t.claims_case_unique().is_ok())?;
        match &claims {
            Some(raw) => map.serialize_entry("claims", raw)?,
            // Not reached: a verified token's payload is one valid JSON object.
            None => map.serialize_entry("claims", &t.claims())?,
        }
        match &header {
            Some(raw) => map.serialize_entry("header", raw)?,
            None => map.serialize_entry("header", &Value::Null)?,
        }
        map.serialize_entry("key", &key)?;
        map.serialize_entry("kid", &t.kid())?;
        map.serialize_entry("now", &now)?;
        match t.scopes() {
            Ok(scopes) => map.serialize_entry("scopes", &scopes.collect::<Vec<_>>())?,
            Err(e) => map.serialize_entry(
                "scopes_error",
                &json!({"name": e.kind().name(), "code": e.kind().code(), "message": e.message()}),
            )?,
        }
        map.serialize_entry("valid", &true)?;
        map.end()
    })();
    match written {
        Ok(()) => String::from_utf8(out).unwrap_or_default(),
        Err(e) => json!({"valid": true, "error": e.to_string()}).to_string(),
    }
}

/// A verified object's JSON text as written, on one line: line breaks can only be whitespace
/// between tokens (RFC 8259 requires them escaped inside strings), so they become spaces.
pub(crate) fn as_written(json: &[u8]) -> Option<Box<RawValue>> {
    let text = std::str::from_utf8(json).ok()?.replace(['\n', '\r'], " ");
    RawValue::from_string(text).ok()
}

fn times(claims: &Value, now: i64) -> String {
    let lines: Vec<String> = ["iat", "nbf", "exp"]
        .iter()
        .filter_map(|name| {
            let v = claims.get(*name)?;
            Some(format!("    {}\n", time_claim(name, v, now)))
        })
        .collect();
    if lines.is_empty() {
        String::new()
    } else {
        format!("  times:\n{}", lines.concat())
    }
}

/// What to look at or change, for each rejection class.
fn hints(e: &Error, d: Option<&Decoded>, verifier: Option<&Verifier>, now: i64) -> Vec<String> {
    let claim = |name: &str| d.and_then(|d| d.claims.as_ref()?.get(name).cloned());
    let header_alg = d.and_then(|d| d.header.get("alg")?.as_str().map(str::to_owned));
    let policy = verifier.map(|v| v.policy());
    let mut out = Vec::new();
    match e.kind() {
        ErrorKind::Malformed => out.push(
            "a JWT is three base64url parts separated by dots: header.payload.signature".into(),
        ),
        ErrorKind::Expired | ErrorKind::NotYetValid | ErrorKind::IssuedInFuture => {
            for name in ["exp", "nbf", "iat"] {
                if let Some(v) = claim(name) {
                    out.push(time_claim(name, &v, now));
                }
            }
            out.push("--leeway tolerates clock skew; --now checks at another time".into());
        }
        ErrorKind::BadSignature => out.push(
            "the token was altered after signing, or signed by another key under the same kid"
                .into(),
        ),
        ErrorKind::AlgorithmNotAllowed => match header_alg.as_deref() {
            Some(a) if a.eq_ignore_ascii_case("none") => {
                out.push("unsigned tokens (alg none) are never accepted".into())
            }
            Some(a) if a.starts_with("HS") => out.push(format!(
                "HMAC tokens verify only with --alg {a} and an oct key in a local --jwks file"
            )),
            Some(a) => out.push(format!(
                "allowed: {} (add --alg {a} if this issuer really signs with it)",
                allowed_algs(policy)
            )),
            None => {}
        },
        ErrorKind::UnknownKey | ErrorKind::KeyMismatch | ErrorKind::AmbiguousKey => {
            if let Some(kids) = verifier.and_then(available_kids) {
                out.push(format!("the key set has {kids}"));
            }
        }
        ErrorKind::WrongAudience => {
            let aud = claim("aud").map(|a| a.to_string()).unwrap_or("none".into());
            match policy.map(|p| p.audiences.as_slice()) {
                Some([]) => out.push(format!(
                    "the token's aud is {aud}; name the audience you accept with --aud"
                )),
                Some(allowed) => out.push(format!(
                    "the token's aud is {aud}; allowed: {}",
                    allowed.join(", ")
                )),
                None => {}
            }
        }
        ErrorKind::WrongIssuer => {
            let iss = claim("iss").map(|a| a.to_string()).unwrap_or("none".into());
            out.push(format!(
                "the token's iss is {iss}; allowed issuers are given with --iss"
            ));
        }
        ErrorKind::MissingClaim if e.message().contains("exp") => {
            out.push("--no-require-exp accepts tokens without exp".into())
        }
        ErrorKind::WrongType => out.push("--typ names the header typ to require".into()),
        ErrorKind::InsecureUrl => {
            out.push("--allow-http permits http:// for loopback or private endpoints".into())
        }
        ErrorKind::KeySetInvalid => match header_alg.as_deref() {
            Some(a) if a.starts_with("HS") && e.message().contains("oct") => out.push(format!(
                "HMAC (oct) keys are read only when the algorithm is named: --alg {a}"
            )),
            _ => out.push("the key set could not be used; the token itself was not judged".into()),
        },
        ErrorKind::KeysUnavailable => {
            out.push("the keys could not be obtained; the token itself was not judged".into())
        }
        _ => {}
    }
    out
}

fn allowed_algs(policy: Option<&Policy>) -> String {
    let algs: Vec<&str> = match policy {
        Some(p) if !p.algorithms.is_empty() => p.algorithms.iter().map(|a| a.name()).collect(),
        _ => Algorithm::ASYMMETRIC.iter().map(|a| a.name()).collect(),
    };
    algs.join(", ")
}

/// The kids of the verifier's current key set, e.g. `2 keys: kid "a", kid "b"`.
fn available_kids(v: &Verifier) -> Option<String> {
    let set = v
        .source()
        .keys(&KeyQuery {
            kid: None,
            issuer: None,
        })
        .ok()?;
    let kids: Vec<String> = set
        .keys()
        .iter()
        .map(|k| match k.kid() {
            Some(kid) => format!("kid {kid:?} ({:?})", k.family()),
            None => format!("a key without kid ({:?})", k.family()),
        })
        .collect();
    Some(match kids.len() {
        0 => "no usable keys".into(),
        1 => format!("1 key: {}", kids[0]),
        n => format!("{n} keys: {}", kids.join(", ")),
    })
}
