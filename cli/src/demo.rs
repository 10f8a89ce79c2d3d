//! `jwks demo`: a self-checking tour of issuing, publishing, rotating and verifying.
//!
//! Every step states what must happen and checks it; the first surprise stops the tour.

use std::path::{Path, PathBuf};
use std::time::Instant;

use jwkskit::issuer::{JwksServer, ServeOptions, SigningKey};
use jwkskit::{Algorithm, Error, ErrorKind, Policy, RemoteOptions, Verifier};
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::{json, Map, Value};

use crate::args::{flag, parse, Spec};
use crate::common::{emit, CliError, CliResult, EXIT_OK, EXIT_REJECTED};

pub const HELP: &str = "\
jwks demo - a self-checking tour on 127.0.0.1 (a few seconds, no network)

usage: jwks demo [--json]

Creates a key directory in a temporary folder, serves it with the built-in JWKS
server on a free loopback port, and verifies tokens through a remote verifier
(the same one `jwks verify --jwks URL` uses):

  1. the first token costs one fetch; a hundred more cost none (cache)
  2. rotation: a new key file is added and the old one removed; a token from
     the new key verifies after exactly one refetch
  3. a flood of tokens with random kids costs no fetch (unknown-kid cooldown)
  4. a tampered, an expired and a wrong-audience token are each rejected with
     their reason
  5. the verifier's cache statistics

Each step is checked; a failed expectation is printed with what happened.
With --json: one object at the end, {\"ok\", \"issuer\", \"steps\": [{\"ok\", \"message\"}],
\"elapsed_ms\"}.

exit codes:
  0  every step behaved as expected
  1  a step did not
  2  the demo could not run (temporary directory, loopback port)
";

const SPECS: &[Spec] = &[flag("json")];

const AUDIENCE: &str = "demo-api";
const FLOOD: usize = 200;
const CACHED: usize = 100;

/// A temporary key directory, removed at the end.
struct KeyDir(PathBuf);

impl KeyDir {
    fn create() -> Result<KeyDir, CliError> {
        let mut random = [0u8; 8];
        SystemRandom::new()
            .fill(&mut random)
            .map_err(|_| CliError::unavailable("the system random generator failed"))?;
        let name: String = random.iter().map(|b| format!("{b:02x}")).collect();
        let dir = std::env::temp_dir().join(format!("jwks-demo-{name}"));
        std::fs::create_dir(&dir)
            .map_err(|e| CliError::unavailable(format!("cannot create {}: {e}", dir.display())))?;
        Ok(KeyDir(dir))
    }

    fn add(&self, key: &SigningKey) -> Result<(), String> {
        write_private(&self.file(key), key.to_key_file())
    }

    fn remove(&self, key: &SigningKey) -> Result<(), String> {
        let path = self.file(key);
        std::fs::remove_file(&path).map_err(|e| format!("cannot remove {}: {e}", path.display()))
    }

    fn file(&self, key: &SigningKey) -> PathBuf {
        self.0.join(format!("{}.pem", key.kid()))
    }
}

impl Drop for KeyDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn write_private(path: &Path, text: String) -> Result<(), String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The tour's state.
struct Tour {
    dir: KeyDir,
    server: JwksServer,
    verifier: Verifier,
    issuer: String,
    steps: usize,
    /// With --json: each step's outcome, printed as one object at the end.
    json: Option<Vec<Value>>,
}

/// A step's outcome: a line to print with a check mark, or what went wrong.
type Step = Result<String, String>;

fn expect(cond: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if cond {
        Ok(())
    } else {
        Err(what())
    }
}

fn random_kid(rng: &SystemRandom) -> Result<String, String> {
    let mut bytes = [0u8; 12];
    rng.fill(&mut bytes)
        .map_err(|_| "random generator failed")?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn describe(e: &Error) -> String {
    format!("{}: {}", e.kind().name(), e.message())
}

impl Tour {
    fn start(first: &SigningKey) -> Result<Tour, CliError> {
        let dir = KeyDir::create()?;
        dir.add(first).map_err(CliError::unavailable)?;
        let server = JwksServer::start(
            &dir.0,
            ServeOptions {
                port: 0,
                max_age: 300,
                ..ServeOptions::default()
            },
        )
        .map_err(|e| CliError::unavailable(e.message().to_owned()))?;
        let issuer = server.url().to_owned();
        let policy = Policy {
            issuers: vec![issuer.clone()],
            audiences: vec![AUDIENCE.into()],
            ..Policy::default()
        };
        let remote = RemoteOptions {
            allow_http: true,
            // The endpoint is on loopback: a proxy from the environment must not be in the way.
            proxy_from_env: false,
            ..RemoteOptions::default()
        };
        let verifier = Verifier::from_url(&server.jwks_url(), policy, remote)
            .map_err(|e| CliError::unavailable(describe(&e)))?;
        Ok(Tour {
            dir,
            server,
            verifier,
            issuer,
            steps: 0,
            json: None,
        })
    }

    fn claims(&self, exp_in: i64, aud: &str) -> Value {
        let now = jwkskit::unix_now();
        json!({"iss": self.issuer, "aud": aud, "sub": "demo-user", "iat": now, "exp": now + exp_in})
    }

    fn token(&self, key: &SigningKey) -> Result<String, String> {
        key.sign(&self.claims(600, AUDIENCE))
            .map_err(|e| describe(&e))
    }

    fn fetches(&self) -> u64 {
        self.server.jwks_request_count()
    }

    fn check_fetches(&self, expected: u64) -> Result<(), String> {
        let (served, counted) = (self.fetches(), self.verifier.stats().fetches);
        expect(served == expected && counted == expected, || {
            format!(
                "expected {expected} fetch(es); the server answered {served}, the verifier \
                 counted {counted}"
            )
        })
    }

    fn rejected(&self, token: &str, kind: ErrorKind, what: &str) -> Step {
        match self.verifier.verify(token.as_bytes()) {
            Ok(_) => Err(format!("the {what} token was accepted")),
            Err(e) if e.kind() == kind => Ok(format!("{what} token rejected: {}", describe(&e))),
            Err(e) => Err(format!(
                "the {what} token was rejected as {}, expected {}",
                describe(&e),
                kind.name()
            )),
        }
    }

    fn step(&mut self, outcome: Step) -> Result<(), String> {
        self.steps += 1;
        if let Some(log) = &mut self.json {
            log.push(match &outcome {
                Ok(line) => json!({"ok": true, "message": line}),
                Err(why) => json!({"ok": false, "message": why}),
            });
            return outcome.map(|_| ());
        }
        match outcome {
            Ok(line) => {
                emit(&format!("\u{2713} {line}\n"));
                Ok(())
            }
            Err(why) => {
                emit(&format!("\u{2717} step {}: {why}\n", self.steps));
                Err(why)
            }
        }
    }
}

pub fn run(args: &[String]) -> CliResult {
    let json_output = parse(args, SPECS, 0)?.flag("json");
    let started = Instant::now();
    let gen = |alg, kid: &str| {
        SigningKey::generate(alg)
            .map(|k| k.with_kid(kid))
            .map_err(|e| CliError::unavailable(e.message().to_owned()))
    };
    let old = gen(Algorithm::ES256, "demo-2024-a")?;
    let new = gen(Algorithm::EdDSA, "demo-2024-b")?;
    let mut tour = Tour::start(&old)?;
    if json_output {
        tour.json = Some(Vec::new());
        let ok = tour_steps(&mut tour, &old, &new).is_ok();
        let out = json!({
            "ok": ok,
            "issuer": tour.issuer,
            "steps": tour.json.take().unwrap_or_default(),
            "elapsed_ms": started.elapsed().as_millis() as u64,
        });
        emit(&format!("{out}\n"));
        return Ok(if ok { EXIT_OK } else { EXIT_REJECTED });
    }
    emit(&format!(
        "jwks demo: issuer {} serving {}\n\n",
        tour.issuer,
        tour.dir.0.display()
    ));
    match tour_steps(&mut tour, &old, &new) {
        Ok(()) => {
            emit(&format!(
                "\nall {} steps behaved as expected ({} ms)\n",
                tour.steps,
                started.elapsed().as_millis()
            ));
            Ok(EXIT_OK)
        }
        Err(_) => {
            emit("\nthe demo stopped at the first unexpected result\n");
            Ok(EXIT_REJECTED)
        }
    }
}

fn tour_steps(t: &mut Tour, old: &SigningKey, new: &SigningKey) -> Result<(), String> {
    let url = t.server.jwks_url();
    t.step(Ok(format!(
        "JWKS server on {url}: key {:?} ({}) published",
        old.kid(),
        old.alg()
    )))?;

    let first = (|| -> Step {
        let token = t.token(old)?;
        let ok = t
            .verifier
            .verify(token.as_bytes())
            .map_err(|e| format!("the first token was rejected: {}", describe(&e)))?;
        expect(ok.key_id() == Some(old.kid()), || {
            format!("verified by key {:?}", ok.key_id())
        })?;
        t.check_fetches(1)?;
        Ok(format!(
            "first token verified by kid {:?} (thumbprint {}) after 1 fetch",
            old.kid(),
            ok.key_thumbprint()
        ))
    })();
    t.step(first)?;

    let cached = (|| -> Step {
        for i in 0..CACHED {
            let token = t.token(old)?;
            t.verifier
                .verify(token.as_bytes())
                .map_err(|e| format!("cached token {i} rejected: {}", describe(&e)))?;
        }
        t.check_fetches(1)?;
        Ok(format!(
            "{CACHED} more tokens verified from the cache: still 1 fetch"
        ))
    })();
    t.step(cached)?;

    let rotated = (|| -> Step {
        t.dir.add(new)?;
        t.dir.remove(old)?;
        let token = t.token(new)?;
        let ok = t
            .verifier
            .verify(token.as_bytes())
            .map_err(|e| format!("the new key's token was rejected: {}", describe(&e)))?;
        expect(ok.key_id() == Some(new.kid()), || {
            format!("verified by key {:?}", ok.key_id())
        })?;
        t.check_fetches(2)?;
        let refreshes = t.verifier.stats().unknown_kid_refreshes;
        expect(refreshes == 1, || {
            format!("expected 1 unknown-kid refetch, the verifier counted {refreshes}")
        })?;
        Ok(format!(
            "rotated: {:?} ({}) added, {:?} removed; its token verified after exactly one \
             refetch (2 fetches)",
            new.kid(),
            new.alg(),
            old.kid()
        ))
    })();
    t.step(rotated)?;

    let flood = (|| -> Step {
        let rng = SystemRandom::new();
        let stranger = SigningKey::generate(Algorithm::ES256).map_err(|e| describe(&e))?;
        let payload = serde_json::to_vec(&t.claims(600, AUDIENCE)).map_err(|e| e.to_string())?;
        let before = t.verifier.stats().cooldown_rejections;
        for i in 0..FLOOD {
            let mut header = Map::new();
            header.insert("kid".into(), random_kid(&rng)?.into());
            header.insert("typ".into(), "JWT".into());
            let token = stranger
                .sign_with_header(&header, &payload)
                .map_err(|e| describe(&e))?;
            match t.verifier.verify(token.as_bytes()) {
                Err(e) if e.kind() == ErrorKind::UnknownKey => {}
                Err(e) => return Err(format!("flood token {i}: {}", describe(&e))),
                Ok(_) => return Err(format!("flood token {i} was accepted")),
            }
        }
        t.check_fetches(2)?;
        let cooled = t.verifier.stats().cooldown_rejections - before;
        expect(cooled == FLOOD as u64, || {
            format!("expected {FLOOD} cooldown rejections, the verifier counted {cooled}")
        })?;
        Ok(format!(
            "{FLOOD} tokens with random kids rejected (UNKNOWN_KEY) without a fetch: \
             {cooled} cooldown rejections, still 2 fetches"
        ))
    })();
    t.step(flood)?;

    let tampered = (|| -> Step {
        let token = t.token(new)?;
        let parts: Vec<&str> = token.split('.').collect();
        let mut claims = t.claims(600, AUDIENCE);
        claims["sub"] = "admin".into();
        let forged_payload = base64_url(&serde_json::to_vec(&claims).map_err(|e| e.to_string())?);
        let forged = format!("{}.{forged_payload}.{}", parts[0], parts[2]);
        t.rejected(&forged, ErrorKind::BadSignature, "tampered")
    })();
    t.step(tampered)?;

    let expired = (|| -> Step {
        let token = new
            .sign(&t.claims(-3600, AUDIENCE))
            .map_err(|e| describe(&e))?;
        t.rejected(&token, ErrorKind::Expired, "expired")
    })();
    t.step(expired)?;

    let audience = (|| -> Step {
        let token = new
            .sign(&t.claims(600, "another-api"))
            .map_err(|e| describe(&e))?;
        t.rejected(&token, ErrorKind::WrongAudience, "wrong-audience")
    })();
    t.step(audience)?;

    let stats = (|| -> Step {
        t.check_fetches(2)?;
        let s = t.verifier.stats();
        expect(s.failures == 0 && s.key_count == 1, || {
            format!("expected no failed fetch and 1 key, got {s:?}")
        })?;
        Ok(format!(
            "cache statistics: {} fetches, {} not modified, {} failures, {} unknown-kid \
             refetches, {} cooldown rejections, {} key(s), keys {} ms old",
            s.fetches,
            s.not_modified,
            s.failures,
            s.unknown_kid_refreshes,
            s.cooldown_rejections,
            s.key_count,
            s.keys_age_ms
        ))
    })();
    t.step(stats)
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    URL_SAFE_NO_PAD.encode(bytes)
}
