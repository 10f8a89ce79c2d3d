//! `jwks dpop verify`: one request through [`Verifier::verify_request_at`], and the verdict:
//! what passed, or the core's refusal (status, `WWW-Authenticate`, `DPoP-Nonce`).

use jwkskit::dpop::{ProofTarget, TokenScheme};
use jwkskit::issuer::{jwks_document, SigningKey};
use jwkskit::refusal::Refusal;
use jwkskit::{unix_now, Algorithm, ClientCert, Error, Request, VerifiedRequest, Verifier};
use serde_json::{json, Value};

use crate::args::{flag, multi, opt, parse, Parsed, Spec};
use crate::common::{
    emit, format_utc, indented_json, parse_duration, read_file, CliError, CliResult, EXIT_OK,
};
use crate::verify::{as_written, build_policy, category_name, make_verifier, verdict};

pub const HELP: &str = "\
jwks dpop verify - verify a request with its DPoP proof, and print the verdict or the refusal

usage: jwks dpop verify (--jwks FILE|URL | --issuer URL) --method METHOD --uri URI
                        --authorization 'DPoP TOKEN' --dpop PROOF [options]
       jwks dpop verify --proof-only --method METHOD --uri URI --dpop PROOF
                        [--authorization 'DPoP TOKEN'] [options]

The request is checked as a server does (RFC 9449 §4.3, §7): one Authorization header of
an accepted scheme, one DPoP header whose proof names this method and URI (and the token's
hash in ath), the access token's signature and claims, and its cnf.jkt equal to the proof
key's thumbprint. A refusal prints the answer to send: the HTTP status, the
WWW-Authenticate challenges and, with nonces on, the DPoP-Nonce header.

request:
  --method METHOD        the request's method (htm must equal it)
  --uri URI              the request's absolute URI as the client addressed it (htu)
  --authorization VALUE  an Authorization header's value, `DPoP TOKEN` or `Bearer TOKEN`
                         (repeatable, as headers are: two are refused)
  --dpop PROOF           a DPoP header's value (repeatable: two are refused)
  --client-cert FILE     the client's TLS certificate (PEM or DER), for tokens bound by
                         cnf.x5t#S256 (RFC 8705)
  --proof-only           check the proof alone, as a token endpoint does (no access token is
                         verified; keys are then optional; ath is checked against the token of
                         --authorization when given)

keys and token policy (as `jwks verify`):
  --jwks FILE|DIR|URL, --issuer URL, --allow-http, --iss ISS, --aud AUD, --alg ALG (also the
  algorithms a proof may use), --leeway SECS, --typ TYP, --no-require-exp
  --now UNIX             verify at this unix time instead of the system clock

DPoP policy:
  --token-scheme S       the schemes accepted: dpop (default), bearer or either
  --dpop-max-age DUR     the oldest a proof may be (default 60 s)
  --dpop-leeway DUR      clock skew tolerated for a proof's iat (default 5 s)
  --nonce-secret SECRET  require server nonces (RFC 9449 §9), made from this secret (at least
                         32 bytes) as every server of a fleet sharing it makes them
  --nonce-lifetime DUR   how long a nonce lasts (default 300 s with --nonce-secret)
  --allow-bound-bearer   accept a DPoP-bound token sent as Bearer
  --realm REALM          the realm of the WWW-Authenticate challenges

output:
  --json   one JSON object: {\"valid\": true, \"scheme\", \"dpop_jkt\", \"proof\": {...},
           \"token\": {...}, \"dpop_nonce\", ...} or {\"valid\": false, \"error\": {\"name\",
           \"code\", \"category\", \"description\", \"message\"}, \"refusal\": {\"status\",
           \"error\", \"description\", \"www_authenticate\": [...], \"dpop_nonce\"}}

A proof is recorded in the replay store of this one run only: a replay across runs is not
detected here (a server keeps its store, or shares one).

exit codes (as `jwks verify`):
  0  the request passed
  1  refused: proof invalid, for another request, stale, no nonce; token rejected, not bound
     or bound to another key; scheme not accepted; malformed request
  2  usage error, keys unavailable, replay store unavailable
";

const SPECS: &[Spec] = &[
    opt("jwks"),
    opt("issuer"),
    flag("allow-http"),
    multi("iss"),
    multi("aud"),
    multi("alg"),
    opt("leeway"),
    opt("now"),
    opt("typ"),
    flag("no-require-exp"),
    opt("method"),
    opt("uri"),
    multi("authorization"),
    multi("dpop"),
    opt("client-cert"),
    flag("proof-only"),
    opt("token-scheme"),
    opt("dpop-max-age"),
    opt("dpop-leeway"),
    opt("nonce-secret"),
    opt("nonce-lifetime"),
    flag("allow-bound-bearer"),
    opt("realm"),
    flag("json"),
];

/// The nonce lifetime with `--nonce-secret` and no `--nonce-lifetime`.
const DEFAULT_NONCE_LIFETIME: u64 = 300;

pub fn run(args: &[String]) -> CliResult {
    let p = parse(args, SPECS, 0)?;
    let mut policy = build_policy(&p)?;
    set_dpop_policy(&p, &mut policy.dpop)?;
    let now = p.number::<i64>("now")?.unwrap_or_else(unix_now);
    let method = p.required("method")?;
    let uri = p.required("uri")?;
    let proof_only = p.flag("proof-only");
    if !proof_only && p.values("authorization").is_empty() && p.values("dpop").is_empty() {
        return Err(CliError::usage(
            "give the request's --authorization and --dpop headers (or --proof-only)",
        ));
    }
    let cert = match p.value("client-cert") {
        Some(path) => Some(read_file(path, "client certificate")?),
        None => None,
    };
    let out = Output {
        json: p.flag("json"),
        now,
    };
    let verifier = if proof_only && p.value("jwks").is_none() && p.value("issuer").is_none() {
        proof_only_verifier(policy)?
    } else {
        match make_verifier(&p, policy)? {
            Ok(v) => v,
            Err(e) => return Ok(out.unavailable(&e)),
        }
    };
    let mut request = Request::new(method, uri);
    for value in p.values("authorization") {
        request = request.authorization(value);
    }
    for value in p.values("dpop") {
        request = request.dpop(value);
    }
    if let Some(cert) = &cert {
        let is_pem = cert.windows(11).any(|w| w == b"-----BEGIN ");
        request = request.client_cert(if is_pem {
            ClientCert::Pem(cert)
        } else {
            ClientCert::Der(cert)
        });
    }
    if proof_only {
        return proof_alone(&p, &verifier, &request, &out);
    }
    Ok(match verifier.verify_request_at(&request, now) {
        Ok(verified) => out.passed(&verified),
        Err(e) => out.refused(&verifier, &request, &e, p.value("realm")),
    })
}

/// The DPoP part of the policy from the options; `token_scheme` is `dpop` unless said.
fn set_dpop_policy(p: &Parsed, dpop: &mut jwkskit::dpop::DpopPolicy) -> Result<(), CliError> {
    dpop.token_scheme = TokenScheme::from_name(p.value("token-scheme").unwrap_or("dpop"))
        .map_err(|e| CliError::usage(e.message().replacen("token_scheme", "--token-scheme", 1)))?;
    let seconds = |name: &str| -> Result<Option<u64>, CliError> {
        p.value(name)
            .map(|text| {
                u64::try_from(parse_duration(text, name)?)
                    .map_err(|_| CliError::usage(format!("--{name} cannot be negative")))
            })
            .transpose()
    };
    if let Some(age) = seconds("dpop-max-age")? {
        dpop.max_age = age;
    }
    if let Some(leeway) = seconds("dpop-leeway")? {
        dpop.leeway = leeway;
    }
    match (p.value("nonce-secret"), seconds("nonce-lifetime")?) {
        (Some(secret), lifetime) => {
            dpop.nonce_secret = Some(secret.to_owned());
            dpop.nonce_lifetime = Some(lifetime.unwrap_or(DEFAULT_NONCE_LIFETIME));
        }
        (None, Some(_)) => {
            return Err(CliError::usage(
                "--nonce-lifetime needs --nonce-secret (the nonces of one run only would be \
                 of no use to a client)",
            ))
        }
        (None, None) => {}
    }
    dpop.allow_bound_bearer = p.flag("allow-bound-bearer");
    // The ranges are the options catalogue's, checked by the core.
    dpop.check()
        .map_err(|e| CliError::usage(e.message().to_owned()))
}

/// A verifier for `--proof-only` without keys: no access token is verified then, but a
/// verifier holds the proof checks and makes the refusal, and it needs a key set; one key
/// made for this run, which verifies nothing.
fn proof_only_verifier(policy: jwkskit::Policy) -> Result<Verifier, CliError> {
    let placeholder = SigningKey::generate(Algorithm::ES256)?;
    let jwks = jwks_document(&[&placeholder]).to_string();
    Ok(Verifier::from_json(jwks.as_bytes(), policy)?)
}

/// `--proof-only`: the proof through [`Verifier::verify_dpop_proof_at`], its `ath` against the
/// token of `--authorization` when given.
fn proof_alone(p: &Parsed, verifier: &Verifier, request: &Request<'_>, out: &Output) -> CliResult {
    let proof = match p.values("dpop") {
        [one] => one.trim_matches([' ', '\t']),
        [] => {
            return Err(CliError::usage(
                "--proof-only needs the proof: --dpop PROOF",
            ))
        }
        _ => return Err(CliError::usage("--proof-only checks one proof: one --dpop")),
    };
    let token = match p.values("authorization") {
        [] => None,
        [one] => Some(super::proof::token_arg(one)?),
        _ => {
            return Err(CliError::usage(
                "--proof-only takes at most one --authorization (whose token ath names)",
            ))
        }
    };
    let target = ProofTarget {
        method: request.method(),
        uri: request.uri(),
        access_token: token.as_deref().map(str::as_bytes),
    };
    Ok(
        match verifier.verify_dpop_proof_at(proof.as_bytes(), &target, out.now) {
            Ok(verified) => out.proof_passed(&verified),
            Err(e) => out.refused(verifier, request, &e, p.value("realm")),
        },
    )
}

struct Output {
    json: bool,
    now: i64,
}

impl Output {
    fn passed(&self, v: &VerifiedRequest) -> i32 {
        let t = v.token();
        let proof = v.proof().map(proof_json);
        if self.json {
            let out = json!({
                "valid": true,
                "scheme": v.scheme().name(),
                "dpop_jkt": v.dpop_jkt(),
                "proof": proof,
                "token": {
                    "alg": t.alg().name(),
                    "kid": t.kid(),
                    "key": {"kid": t.key_id(), "thumbprint": t.key_thumbprint()},
                    "header": as_written(t.header()),
                    "claims": as_written(t.payload()),
                },
                "certificate_thumbprint": v.certificate_thumbprint(),
                "dpop_nonce": v.dpop_nonce(),
                "now": self.now,
            });
            emit(&format!("{out}\n"));
            return EXIT_OK;
        }
        let mut s = format!(
            "VALID  request verified at {} (scheme {})\n",
            format_utc(self.now),
            v.scheme().name()
        );
        if let Some(p) = v.proof() {
            s.push_str(&proof_line(p));
        }
        let kid = t
            .key_id()
            .map(|k| format!("kid {k:?}"))
            .unwrap_or_else(|| "no kid".into());
        s.push_str(&format!(
            "  token:  {kid}, alg {}, key thumbprint {}\n",
            t.alg(),
            t.key_thumbprint()
        ));
        if let Some(x5t) = v.certificate_thumbprint() {
            s.push_str(&format!(
                "  bound to the client certificate x5t#S256 {x5t}\n"
            ));
        }
        let claims = t
            .claims()
            .map(|c| Value::Object(c.clone()))
            .unwrap_or(Value::Null);
        s.push_str("  claims:\n");
        s.push_str(&indented_json(&claims, 4));
        if let Some(nonce) = v.dpop_nonce() {
            s.push_str(&format!("  answer with DPoP-Nonce: {nonce}\n"));
        }
        emit(&s);
        EXIT_OK
    }

    fn proof_passed(&self, p: &jwkskit::dpop::VerifiedProof) -> i32 {
        if self.json {
            let out = json!({
                "valid": true,
                "scheme": Value::Null,
                "dpop_jkt": p.jkt,
                "proof": proof_json(p),
                "token": Value::Null,
                "dpop_nonce": p.fresh_nonce,
                "now": self.now,
            });
            emit(&format!("{out}\n"));
            return EXIT_OK;
        }
        let mut s = format!(
            "VALID  DPoP proof verified at {} (alone: no access token verified)\n",
            format_utc(self.now)
        );
        s.push_str(&proof_line(p));
        if let Some(nonce) = &p.fresh_nonce {
            s.push_str(&format!("  answer with DPoP-Nonce: {nonce}\n"));
        }
        emit(&s);
        EXIT_OK
    }

    /// The refusal the core makes of `e`, printed; the exit code of `jwks verify`'s verdicts.
    fn refused(
        &self,
        verifier: &Verifier,
        request: &Request<'_>,
        e: &Error,
        realm: Option<&str>,
    ) -> i32 {
        let kind = e.kind();
        let (_, code) = verdict(e.category());
        let refusal = verifier.refusal(kind, Some(request), realm, None, self.now);
        if self.json {
            let refusal = match &refusal {
                Ok(r) => refusal_json(r),
                Err(re) => json!({"error_making_refusal": re.message()}),
            };
            let out = json!({
                "valid": false,
                "error": error_json(e),
                "refusal": refusal,
                "now": self.now,
            });
            emit(&format!("{out}\n"));
            return code;
        }
        let mut s = format!(
            "REFUSED  {} (code {}): {}\n  reason: {}\n",
            kind.name(),
            kind.code(),
            kind.description(),
            e.message()
        );
        match &refusal {
            Ok(r) => {
                s.push_str(&format!("  answer: HTTP {}\n", r.status));
                for c in &r.challenges {
                    s.push_str(&format!("          WWW-Authenticate: {c}\n"));
                }
                if let Some(nonce) = &r.dpop_nonce {
                    s.push_str(&format!("          DPoP-Nonce: {nonce}\n"));
                }
            }
            Err(re) => s.push_str(&format!("  answer: cannot be made: {}\n", re.message())),
        }
        emit(&s);
        code
    }

    /// The keys could not be had: no request was judged.
    fn unavailable(&self, e: &Error) -> i32 {
        let (label, code) = verdict(e.category());
        if self.json {
            let out = json!({"valid": false, "error": error_json(e), "now": self.now});
            emit(&format!("{out}\n"));
        } else {
            emit(&format!(
                "{label}  {} (code {}): {}\n  reason: {}\n",
                e.kind().name(),
                e.kind().code(),
                e.kind().description(),
                e.message()
            ));
        }
        code
    }
}

fn error_json(e: &Error) -> Value {
    json!({
        "name": e.kind().name(),
        "code": e.kind().code(),
        "category": category_name(e.category()),
        "description": e.kind().description(),
        "message": e.message(),
    })
}

fn refusal_json(r: &Refusal) -> Value {
    json!({
        "status": r.status,
        "error": r.error,
        "description": r.description,
        "www_authenticate": r.challenges,
        "dpop_nonce": r.dpop_nonce,
    })
}

fn proof_json(p: &jwkskit::dpop::VerifiedProof) -> Value {
    json!({
        "alg": p.alg.name(),
        "jkt": p.jkt,
        "jti": p.jti,
        // Whole seconds as an integer, as proofs usually write them.
        "iat": if p.iat.fract() == 0.0 && p.iat.abs() < 9.0e15 { json!(p.iat as i64) } else { json!(p.iat) },
        "header": as_written(&p.header),
        "payload": as_written(&p.payload),
    })
}

fn proof_line(p: &jwkskit::dpop::VerifiedProof) -> String {
    format!(
        "  proof:  alg {}, jkt {}, jti {:?}, iat {} ({})\n",
        p.alg,
        p.jkt,
        p.jti,
        p.iat,
        format_utc(p.iat.floor() as i64)
    )
}
