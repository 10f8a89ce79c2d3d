//! The corpus's cases and their expected answers, declared here by hand: the rules of
//! README.md ("one reading of the claims", "scopes") and of `jwks.h` written as examples. The
//! Rust runner (`run.rs`) checks the core against them and the runner of every language
//! checks its binding against the file written from them.

use super::build::*;
use super::format::Corpus;
use super::keys::{jwks, Key};

pub const ISS: &str = "https://issuer.test";
pub const AUD: &str = "api";
const EXP: i64 = NOW + 600;
const IAT: i64 = NOW - 10;

/// The usual claims (issuer, audience, subject, iat, exp), then `extra` (members to append,
/// each starting with a comma), as JSON text written exactly so.
pub fn claims(extra: &str) -> String {
    format!(r#"{{"iss":"{ISS}","aud":"{AUD}","sub":"alice","iat":{IAT},"exp":{EXP}{extra}}}"#)
}

/// An array nested `levels` deep in a member of the usual claims (the claims object is the
/// first level): 17 is one more than the default limit of 16.
fn nested(levels: usize) -> String {
    claims(&format!(
        r#","x":{}{}"#,
        "[".repeat(levels - 1),
        "]".repeat(levels - 1)
    ))
}

const PREAMBLE: &[&str] = &[
    "The cross-language corpus of jwkskit: tokens, how each is verified, and what every",
    "language must answer about the verified token. Written by tests/corpus",
    "(`BLESS=1 cargo test --test corpus` rewrites it; the test fails when it differs).",
    "Do not edit by hand. Format, origin and licence: README.md beside this file.",
];

/// The whole corpus.
pub fn corpus() -> Corpus {
    let ed = Key::ed25519("jwkskit corpus: Ed25519 key ed-1", "ed-1");
    let es = Key::es256("jwkskit corpus: ES256 key es-1", "es-1");
    // A kid with a non-ASCII letter, a no-break space and a tab: read whole by every language.
    let ed2 = Key::ed25519("jwkskit corpus: Ed25519 key 2", "k\u{e9}\u{a0}y\t2");
    // A key whose kid holds a NUL: C would read it as "es"; the set skips it.
    let es_nul = Key::es256("jwkskit corpus: ES256 key with a NUL kid", "es\u{0}x");
    let stranger = Key::ed25519("jwkskit corpus: a key no set holds", "ed-1");
    let anonymous = Key::ed25519("jwkskit corpus: Ed25519 key without kid", "-").without_kid();
    let empty_kid = Key::es256("jwkskit corpus: ES256 key with an empty kid", "");

    let mut g = Builder::new(PREAMBLE);
    g.keyset("main", jwks(&[&ed, &es, &ed2]));
    g.keyset("nul-kid", jwks(&[&ed, &es_nul]));
    g.keyset("no-kids", jwks(&[&anonymous, &empty_kid]));

    plain(&mut g, &ed, &es, &ed2);
    absent_and_empty_kids(&mut g, &anonymous, &empty_kid);
    refused(&mut g, &ed, &es, &stranger);
    nul_kids(&mut g, &ed, &es_nul);
    case_collisions(&mut g, &ed);
    scopes(&mut g, &ed, &es);
    numbers(&mut g, &ed);
    names_and_strings(&mut g, &ed);
    duplicates(&mut g, &ed);
    signature_only(&mut g, &ed, &es);
    g.corpus
}

fn plain(g: &mut Builder, ed: &Key, es: &Key, ed2: &Key) {
    g.add(
        case(
            "eddsa-valid",
            "A plain EdDSA JWT under an issuer and audience policy: every getter, present and absent.",
        )
        .iss_aud()
        .by(ed, claims(""))
        .jwt(OK)
        .readable(Ok(()))
        .case_unique(Ok(()))
        .string("sub", Ok("alice"))
        .string("iss", Ok(ISS))
        .string("aud", Ok(AUD))
        .json("sub", Ok(r#""alice""#))
        .int("exp", Ok(EXP))
        .int("iat", Ok(IAT))
        .contains("aud", "api", Ok(true))
        .contains("aud", "API", Ok(false))
        .int("sub", Err(TYPE_MISMATCH))
        .bool("sub", Err(TYPE_MISMATCH))
        .string("exp", Err(TYPE_MISMATCH))
        .string("nope", Err(NOT_FOUND))
        .int("nope", Err(NOT_FOUND))
        .bool("nope", Err(NOT_FOUND))
        .json("nope", Err(NOT_FOUND))
        .contains("nope", "x", Err(NOT_FOUND))
        .string("Sub", Err(NOT_FOUND))
        .scopes(Ok(&[]))
        .has_scopes(ALL, &[], Ok(true))
        .has_scopes(ANY, &[], Ok(false))
        .has_scopes(ALL, &["read"], Ok(false)),
    );
    g.add(
        case(
            "es256-valid",
            "A plain ES256 JWT with claims of every type, strings with escapes, a NUL and nothing.",
        )
        .iss_aud()
        .by(
            es,
            claims(
                r#","admin":true,"off":false,"level":7,"neg":-7,"groups":["staff","ops"],"scope":"read write","nested":{"a":[1,{"b":null}]},"esc":"a\"b\u00e9\n\/","nul":"a\u0000b","empty":"","n":null"#,
            ),
        )
        .jwt(OK)
        .readable(Ok(()))
        .case_unique(Ok(()))
        .bool("admin", Ok(true))
        .bool("off", Ok(false))
        .int("level", Ok(7))
        .int("neg", Ok(-7))
        .contains("groups", "staff", Ok(true))
        .contains("groups", "ops", Ok(true))
        .contains("groups", "x", Ok(false))
        .contains("groups", "", Ok(false))
        .json("groups", Ok(r#"["staff","ops"]"#))
        .json("nested", Ok(r#"{"a":[1,{"b":null}]}"#))
        .json("n", Ok("null"))
        .json("level", Ok("7"))
        .string("n", Err(TYPE_MISMATCH))
        .bool("n", Err(TYPE_MISMATCH))
        .int("n", Err(TYPE_MISMATCH))
        .string("admin", Err(TYPE_MISMATCH))
        .int("admin", Err(TYPE_MISMATCH))
        .bool("level", Err(TYPE_MISMATCH))
        .string("groups", Err(TYPE_MISMATCH))
        .string("nested", Err(TYPE_MISMATCH))
        .contains("level", "7", Err(TYPE_MISMATCH))
        .contains("nested", "a", Err(TYPE_MISMATCH))
        .contains("admin", "true", Err(TYPE_MISMATCH))
        .string("esc", Ok("a\"b\u{e9}\n/"))
        .json("esc", Ok(r#""a\"b\u00e9\n\/""#))
        .contains("esc", "a\"b\u{e9}\n/", Ok(true))
        .string("nul", Ok("a\u{0}b"))
        .json("nul", Ok(r#""a\u0000b""#))
        .string("empty", Ok(""))
        .contains("empty", "", Ok(true))
        .scopes(Ok(&["read", "write"]))
        .has_scopes(ALL, &["read", "write"], Ok(true))
        .has_scopes(ANY, &["admin", "write"], Ok(true))
        .has_scopes(ALL, &["read", "admin"], Ok(false))
        .has_scopes(ANY, &["admin"], Ok(false)),
    );
    g.add(
        case(
            "no-kid",
            "A header without kid: the kid is absent, the key that verified it has one.",
        )
        .iss_aud()
        .signed(ed, r#"{"alg":"EdDSA"}"#, claims(""))
        .jwt(OK)
        .string("sub", Ok("alice")),
    );
    g.add(
        case(
            "kid-unicode",
            "A kid holding a non-ASCII letter, a no-break space and a tab, read whole.",
        )
        .iss_aud()
        .by(ed2, claims(""))
        .jwt(OK),
    );
    g.add(
        case(
            "kid-escaped",
            "The header's kid written with an escape (\\u0065d-1): its decoded value picks the key.",
        )
        .iss_aud()
        .signed(ed, r#"{"alg":"EdDSA","kid":"\u0065d-1"}"#, claims(""))
        .jwt(OK),
    );
    g.add(
        case(
            "default-policy",
            "The default policy: no issuer or audience configured, a token without aud.",
        )
        .by(ed, format!(r#"{{"sub":"bob","exp":{EXP}}}"#))
        .jwt(OK)
        .string("sub", Ok("bob"))
        .string("iss", Err(NOT_FOUND)),
    );
}

fn absent_and_empty_kids(g: &mut Builder, anonymous: &Key, empty_kid: &Key) {
    g.add(
        case(
            "key-without-kid",
            "Set no-kids: a key without kid verifies a token without kid; neither has a kid.",
        )
        .keys("no-kids")
        .iss_aud()
        .by(anonymous, claims(""))
        .jwt(OK),
    );
    g.add(
        case(
            "empty-kid",
            "A key whose kid is the empty string, named by a header kid \"\": present, and empty.",
        )
        .keys("no-kids")
        .iss_aud()
        .by(empty_kid, claims(""))
        .jwt(OK),
    );
}

fn refused(g: &mut Builder, ed: &Key, es: &Key, stranger: &Key) {
    let expired = format!(
        r#"{{"iss":"{ISS}","aud":"{AUD}","sub":"alice","exp":{}}}"#,
        NOW - 1
    );
    g.add(
        case("expired", "exp one second before now.")
            .iss_aud()
            .by(ed, &expired)
            .jwt("EXPIRED"),
    );
    g.add(
        case(
            "expired-signature-only",
            "The expired token verified by its signature alone: no claim is checked, all are read.",
        )
        .by(ed, &expired)
        .jws(OK)
        .readable(Ok(()))
        .int("exp", Ok(NOW - 1))
        .string("aud", Ok(AUD)),
    );
    g.add(
        case("not-yet-valid", "nbf 100 s after now.")
            .iss_aud()
            .by(ed, claims(&format!(r#","nbf":{}"#, NOW + 100)))
            .jwt("NOT_YET_VALID"),
    );
    g.add(
        case("no-exp", "No exp: required by default.")
            .iss_aud()
            .by(
                ed,
                format!(r#"{{"iss":"{ISS}","aud":"{AUD}","sub":"alice"}}"#),
            )
            .jwt("MISSING_CLAIM"),
    );
    g.add(
        case("wrong-issuer", "An issuer the policy does not allow.")
            .iss_aud()
            .by(
                ed,
                format!(r#"{{"iss":"https://evil.test","aud":"{AUD}","exp":{EXP}}}"#),
            )
            .jwt("WRONG_ISSUER"),
    );
    g.add(
        case("wrong-audience", "An audience the policy does not allow.")
            .iss_aud()
            .by(
                ed,
                format!(r#"{{"iss":"{ISS}","aud":["web","mobile"],"exp":{EXP}}}"#),
            )
            .jwt("WRONG_AUDIENCE"),
    );
    g.add(
        case(
            "aud-without-policy",
            "A token carrying aud under a policy naming no audience is refused.",
        )
        .by(ed, claims(""))
        .jwt("WRONG_AUDIENCE"),
    );
    g.add(
        case(
            "algorithm-not-allowed",
            "An EdDSA token under a policy allowing ES256 only.",
        )
        .iss_aud()
        .policy("alg", "ES256")
        .by(ed, claims(""))
        .jwt("ALGORITHM_NOT_ALLOWED"),
    );
    g.add(
        case(
            "algorithm-allowed",
            "An ES256 token under a policy allowing ES256 only.",
        )
        .iss_aud()
        .policy("alg", "ES256")
        .by(es, claims(""))
        .jwt(OK),
    );
    let good = es.token(br#"{"alg":"ES256","kid":"es-1"}"#, claims("").as_bytes());
    let (input, sig) = good.rsplit_once('.').unwrap();
    let flipped = if sig.starts_with('A') { "B" } else { "A" };
    g.add(
        case(
            "bad-signature",
            "An ES256 signature with its first character changed.",
        )
        .iss_aud()
        .token(format!("{input}.{flipped}{}", &sig[1..]))
        .jwt("BAD_SIGNATURE"),
    );
    g.add(
        case(
            "signed-by-another-key",
            "Signed by a key the set does not hold, under the kid of one it does.",
        )
        .iss_aud()
        .by(stranger, claims(""))
        .jwt("BAD_SIGNATURE"),
    );
    g.add(
        case("unknown-kid", "A kid the set does not hold.")
            .iss_aud()
            .signed(ed, r#"{"alg":"EdDSA","kid":"nobody"}"#, claims(""))
            .jwt("UNKNOWN_KEY"),
    );
    let none = format!(
        "{}.{}.c2ln",
        super::keys::b64(br#"{"alg":"none","kid":"ed-1"}"#),
        super::keys::b64(claims("").as_bytes())
    );
    g.add(
        case("alg-none", "An unsigned token (alg none): never accepted.")
            .iss_aud()
            .token(none)
            .jwt("ALGORITHM_NOT_ALLOWED"),
    );
    g.add(
        case(
            "header-duplicate",
            "A header naming kid twice: refused, whichever a reader would take.",
        )
        .iss_aud()
        .signed(
            ed,
            r#"{"alg":"EdDSA","kid":"ed-1","kid":"es-1"}"#,
            claims(""),
        )
        .jwt(MALFORMED),
    );
}

fn nul_kids(g: &mut Builder, ed: &Key, es_nul: &Key) {
    g.add(
        case(
            "kid-nul-jwt",
            "A header kid holding a NUL (\"ed-1\\u0000x\", which C would read as \"ed-1\"): refused.",
        )
        .iss_aud()
        .signed(ed, r#"{"alg":"EdDSA","kid":"ed-1\u0000x"}"#, claims(""))
        .jwt(MALFORMED),
    );
    g.add(
        case(
            "kid-nul-signature-only",
            "The same token verified by its signature alone.",
        )
        .signed(ed, r#"{"alg":"EdDSA","kid":"ed-1\u0000x"}"#, claims(""))
        .jws(MALFORMED),
    );
    g.add(
        case(
            "key-kid-nul-exact",
            "Set nul-kid holds a key whose kid is \"es\\u0000x\" (skipped): a header naming that kid is refused.",
        )
        .keys("nul-kid")
        .iss_aud()
        .signed(es_nul, r#"{"alg":"ES256","kid":"es\u0000x"}"#, claims(""))
        .jwt(MALFORMED),
    );
    g.add(
        case(
            "key-kid-nul-prefix",
            "A header naming \"es\", the part of that kid before its NUL: no such key.",
        )
        .keys("nul-kid")
        .iss_aud()
        .signed(es_nul, r#"{"alg":"ES256","kid":"es"}"#, claims(""))
        .jwt("UNKNOWN_KEY"),
    );
    g.add(
        case(
            "key-kid-nul-no-kid",
            "No kid in the header: the skipped key is no candidate either.",
        )
        .keys("nul-kid")
        .iss_aud()
        .signed(es_nul, r#"{"alg":"ES256"}"#, claims(""))
        .jwt("UNKNOWN_KEY"),
    );
    g.add(
        case(
            "key-kid-nul-other-key",
            "The other key of that set verifies as usual.",
        )
        .keys("nul-kid")
        .iss_aud()
        .by(ed, claims(""))
        .jwt(OK),
    );
}

fn case_collisions(g: &mut Builder, ed: &Key) {
    g.add(
        case(
            "case-collision-top",
            "iss and Iss, sub and SUB: the getters read the exact name; case-insensitive decoders are warned off.",
        )
        .iss_aud()
        .by(ed, claims(r#","Iss":"https://evil.test","SUB":"mallory""#))
        .jwt(OK)
        .readable(Ok(()))
        .case_unique(Err(INVALID_CLAIM))
        .string("iss", Ok(ISS))
        .string("Iss", Ok("https://evil.test"))
        .string("ISS", Err(NOT_FOUND))
        .string("sub", Ok("alice"))
        .string("SUB", Ok("mallory")),
    );
    g.add(
        case("case-collision-nested", "role and Role in a nested object.")
            .iss_aud()
            .by(ed, claims(r#","x":{"role":"user","Role":"admin"}"#))
            .jwt(OK)
            .case_unique(Err(INVALID_CLAIM))
            .json("x", Ok(r#"{"role":"user","Role":"admin"}"#)),
    );
    g.add(
        case(
            "case-collision-kelvin",
            "k and the Kelvin sign U+212A, which Unicode case folding makes k.",
        )
        .iss_aud()
        .by(ed, claims(r#","k":1,"\u212a":2"#))
        .jwt(OK)
        .case_unique(Err(INVALID_CLAIM))
        .int("k", Ok(1))
        .int("\u{212a}", Ok(2))
        .int("K", Err(NOT_FOUND)),
    );
    g.add(
        case(
            "case-collision-long-s",
            "s and the long s U+017F, in an object inside an array.",
        )
        .iss_aud()
        .by(ed, claims(r#","x":[{"s":1,"\u017f":2}]"#))
        .jwt(OK)
        .case_unique(Err(INVALID_CLAIM))
        .json("x", Ok(r#"[{"s":1,"\u017f":2}]"#)),
    );
    g.add(
        case(
            "case-distinct",
            "The same name in sibling objects, and values differing in case: no collision.",
        )
        .iss_aud()
        .by(
            ed,
            claims(r#","x":{"iss":1},"y":[{"Iss":1},{"ISS":2}],"groups":["API","api"]"#),
        )
        .jwt(OK)
        .case_unique(Ok(()))
        .contains("groups", "API", Ok(true))
        .contains("groups", "Api", Ok(false)),
    );
    g.add(
        case(
            "case-collision-signature-only",
            "sub and Sub in a payload verified by its signature alone: readable, not case-unique.",
        )
        .by(ed, r#"{"sub":"a","Sub":"b"}"#)
        .jws(OK)
        .readable(Ok(()))
        .case_unique(Err(INVALID_CLAIM))
        .string("sub", Ok("a"))
        .string("Sub", Ok("b")),
    );
}

fn scopes(g: &mut Builder, ed: &Key, es: &Key) {
    g.add(
        case(
            "scope-spaces",
            "Leading, trailing and repeated spaces separate nothing; a repeated scope counts once.",
        )
        .iss_aud()
        .by(ed, claims(r#","scope":"  read  write  read ""#))
        .jwt(OK)
        .scopes(Ok(&["read", "write"]))
        .has_scopes(ALL, &["read", "write"], Ok(true))
        .string("scope", Ok("  read  write  read ")),
    );
    for (name, sep, escaped) in [
        ("tab", "\t", r"\t"),
        ("line-feed", "\n", r"\n"),
        ("nbsp", "\u{a0}", r"\u00a0"),
        ("nel", "\u{85}", r"\u0085"),
        ("ideographic-space", "\u{3000}", r"\u3000"),
    ] {
        let one = format!("read{sep}write");
        g.add(
            case(
                &format!("scope-{name}"),
                &format!("A {name} is part of a scope, not a separator: \"read{escaped}write admin\" is two scopes."),
            )
            .iss_aud()
            .by(es, claims(&format!(r#","scope":"read{escaped}write admin""#)))
            .jwt(OK)
            .scopes(Ok(&[&one, "admin"]))
            .has_scopes(ALL, &["read"], Ok(false))
            .has_scopes(ANY, &["read", "write"], Ok(false))
            .has_scopes(ALL, &["admin"], Ok(true)),
        );
    }
    g.add(
        case("scp-string", "scp as a string, split as scope is.")
            .iss_aud()
            .by(ed, claims(r#","scp":" read  write""#))
            .jwt(OK)
            .scopes(Ok(&["read", "write"])),
    );
    g.add(
        case(
            "scp-array",
            "scp as an array: each element one scope taken whole (\"a b\" is one, which no required scope equals), empty ones dropped.",
        )
        .iss_aud()
        .by(ed, claims(r#","scp":["read","a b","","write","read"]"#))
        .jwt(OK)
        .scopes(Ok(&["read", "a b", "write"]))
        .has_scopes(ALL, &["read", "write"], Ok(true))
        .has_scopes(ANY, &["a", "b"], Ok(false))
        .has_scopes(ALL, &["a b"], Err(INVALID_ARGUMENT))
        .contains("scp", "a b", Ok(true)),
    );
    g.add(
        case("scope-and-scp", "scope, then scp, each scope once.")
            .iss_aud()
            .by(
                ed,
                claims(r#","scope":"read write","scp":["write","admin"]"#),
            )
            .jwt(OK)
            .scopes(Ok(&["read", "write", "admin"]))
            .has_scopes(ALL, &["read", "admin"], Ok(true)),
    );
    for (name, member, note) in [
        ("scope-number", r#","scope":1"#, "scope as a number"),
        ("scope-array", r#","scope":["read"]"#, "scope as an array"),
        (
            "scope-object",
            r#","scope":{"read":true}"#,
            "scope as an object",
        ),
        ("scp-object", r#","scp":{"read":true}"#, "scp as an object"),
        (
            "scp-mixed-array",
            r#","scp":["read",1]"#,
            "scp as an array holding a number",
        ),
        ("scp-bool", r#","scp":true"#, "scp as a boolean"),
        (
            "scp-nested-array",
            r#","scp":[["read"]]"#,
            "scp as an array of arrays",
        ),
    ] {
        g.add(
            case(
                name,
                &format!("{note}: the token verifies, its scopes are unreadable (a rejection, never \"no scopes\")."),
            )
            .iss_aud()
            .by(ed, claims(&format!(r#"{member},"scp2":"read""#)))
            .jwt(OK)
            .scopes(Err(INVALID_CLAIM))
            .has_scopes(ALL, &["read"], Err(INVALID_CLAIM))
            .has_scopes(ANY, &[], Err(INVALID_CLAIM))
            .string("scp2", Ok("read")),
        );
    }
    g.add(
        case("scope-null", "scope and scp null: no scopes.")
            .iss_aud()
            .by(ed, claims(r#","scope":null,"scp":null"#))
            .jwt(OK)
            .scopes(Ok(&[]))
            .string("scope", Err(TYPE_MISMATCH))
            .json("scope", Ok("null")),
    );
    g.add(
        case(
            "scope-empty",
            "An empty scope string and an empty scp array: no scopes.",
        )
        .iss_aud()
        .by(ed, claims(r#","scope":"","scp":[]"#))
        .jwt(OK)
        .scopes(Ok(&[]))
        .has_scopes(ALL, &[], Ok(true)),
    );
    g.add(
        case(
            "required-scopes",
            "Required scopes must be RFC 6749 scope-tokens: printable ASCII but space, \" and \\.",
        )
        .iss_aud()
        .by(ed, claims(r#","scope":"read read:orders""#))
        .jwt(OK)
        .has_scopes(ALL, &["read"], Ok(true))
        .has_scopes(ALL, &["read:orders", "read"], Ok(true))
        .has_scopes(ANY, &["write", "read"], Ok(true))
        .has_scopes(ALL, &["read", "write"], Ok(false))
        .has_scopes(ALL, &[""], Err(INVALID_ARGUMENT))
        .has_scopes(ANY, &["read", ""], Err(INVALID_ARGUMENT))
        .has_scopes(ALL, &["read write"], Err(INVALID_ARGUMENT))
        .has_scopes(ALL, &["read\t"], Err(INVALID_ARGUMENT))
        .has_scopes(ANY, &["caf\u{e9}"], Err(INVALID_ARGUMENT))
        .has_scopes(ALL, &["a\"b"], Err(INVALID_ARGUMENT))
        .has_scopes(ALL, &["a\\b"], Err(INVALID_ARGUMENT))
        .has_scopes(ALL, &["read\u{a0}"], Err(INVALID_ARGUMENT)),
    );
}

fn numbers(g: &mut Builder, ed: &Key) {
    g.add(
        case(
            "integers-in-range",
            "Integers are exact in [-2^63, 2^64-1]: 2^53 and its neighbours, 2^63-1, 2^63, 2^64-1, -2^63. The integer getter reads int64.",
        )
        .iss_aud()
        .by(
            ed,
            claims(
                r#","p53m1":9007199254740991,"p53":9007199254740992,"p53p1":9007199254740993,"i63max":9223372036854775807,"p63":9223372036854775808,"u64max":18446744073709551615,"i63min":-9223372036854775808,"zero":0"#,
            ),
        )
        .jwt(OK)
        .int("p53m1", Ok(9_007_199_254_740_991))
        .int("p53", Ok(9_007_199_254_740_992))
        .int("p53p1", Ok(9_007_199_254_740_993))
        .int("i63max", Ok(i64::MAX))
        .int("i63min", Ok(i64::MIN))
        .int("zero", Ok(0))
        .int("p63", Err(TYPE_MISMATCH))
        .int("u64max", Err(TYPE_MISMATCH))
        .json("p53p1", Ok("9007199254740993"))
        .json("p63", Ok("9223372036854775808"))
        .json("u64max", Ok("18446744073709551615"))
        .json("i63min", Ok("-9223372036854775808")),
    );
    for (name, value, note) in [
        ("integer-2^64", "18446744073709551616", "2^64"),
        ("integer-below-int64", "-9223372036854775809", "-2^63-1"),
        (
            "integer-huge",
            "123456789012345678901234567890",
            "a 30-digit integer",
        ),
        (
            "float-2^63",
            "9223372036854775808.0",
            "2^63 written with a fraction",
        ),
        (
            "float-minus-2^63",
            "-9.223372036854775808e18",
            "-2^63 written with an exponent",
        ),
        ("float-9.3e18", "9.3e18", "9.3e18"),
        ("float-1e300", "1e300", "1e300"),
        ("float-1e999", "1e999", "1e999 (beyond any double)"),
        ("float-minus-1e999", "-1e999", "-1e999"),
    ] {
        g.add(
            case(
                name,
                &format!("{note}: readers of JSON disagree beyond the 64-bit range, so the claims are refused."),
            )
            .iss_aud()
            .by(ed, claims(&format!(r#","x":{value}"#)))
            .jwt(INVALID_CLAIM),
        );
    }
    g.add(
        case(
            "float-1e999-nested",
            "1e999 deep in an array and an object: refused wherever it is.",
        )
        .iss_aud()
        .by(ed, claims(r#","x":[1,{"y":1e999}]"#))
        .jwt(INVALID_CLAIM),
    );
    for (name, value) in [
        ("integer-2^64", "18446744073709551616"),
        ("float-1e999", "1e999"),
    ] {
        g.add(
            case(
                &format!("{name}-signature-only"),
                &format!("{value} in a payload verified by its signature alone: it verifies, its claims are unreadable."),
            )
            .by(ed, format!(r#"{{"sub":"alice","scope":"read","x":{value}}}"#))
            .jws(OK)
            .readable(Err(INVALID_CLAIM))
            .case_unique(Err(INVALID_CLAIM))
            .string("sub", Err(NOT_FOUND))
            .int("x", Err(NOT_FOUND))
            .json("x", Err(NOT_FOUND))
            .scopes(Err(INVALID_CLAIM))
            .has_scopes(ALL, &["read"], Err(INVALID_CLAIM)),
        );
    }
    g.add(
        case(
            "floats-in-range",
            "Numbers with a fraction or an exponent below 2^63 in magnitude: numbers, never integers.",
        )
        .iss_aud()
        .by(
            ed,
            claims(
                r#","f92":9.2e18,"fm92":-9.2e18,"near":9.223372036854775e18,"half":1.5,"e2":1e2,"one":1.0,"tiny":1e-400"#,
            ),
        )
        .jwt(OK)
        .int("f92", Err(TYPE_MISMATCH))
        .int("e2", Err(TYPE_MISMATCH))
        .int("one", Err(TYPE_MISMATCH))
        .int("tiny", Err(TYPE_MISMATCH))
        .json("f92", Ok("9.2e18"))
        .json("fm92", Ok("-9.2e18"))
        .json("near", Ok("9.223372036854775e18"))
        .json("half", Ok("1.5"))
        .json("one", Ok("1.0"))
        .json("tiny", Ok("1e-400")),
    );
    g.add(
        case(
            "minus-zero",
            "-0 and -0.0 are the floating-point negative zero: numbers, not integers.",
        )
        .iss_aud()
        .by(ed, claims(r#","z":-0,"zf":-0.0,"ze":-0e0,"za":[-0]"#))
        .jwt(OK)
        .int("z", Err(TYPE_MISMATCH))
        .int("zf", Err(TYPE_MISMATCH))
        .bool("z", Err(TYPE_MISMATCH))
        .string("z", Err(TYPE_MISMATCH))
        .contains("z", "0", Err(TYPE_MISMATCH))
        .json("z", Ok("-0"))
        .json("zf", Ok("-0.0"))
        .json("ze", Ok("-0e0"))
        .json("za", Ok("[-0]")),
    );
}

fn names_and_strings(g: &mut Builder, ed: &Key) {
    g.add(
        case(
            "escaped-names",
            "Member names written with escapes (\\u0073ub, s\\u0063ope, \\u0065xp) are the names they decode to, for the checks and the getters.",
        )
        .iss_aud()
        .by(
            ed,
            format!(
                r#"{{"iss":"{ISS}","aud":"{AUD}","\u0073ub":"alice","s\u0063ope":"read","\u00e9t\u00e9":"summer","\u0065xp":{EXP}}}"#
            ),
        )
        .jwt(OK)
        .string("sub", Ok("alice"))
        .json("sub", Ok(r#""alice""#))
        .int("exp", Ok(EXP))
        .string("\u{e9}t\u{e9}", Ok("summer"))
        .string("\\u0073ub", Err(NOT_FOUND))
        .scopes(Ok(&["read"])),
    );
    for (name, member, note) in [
        (
            "lone-surrogate-value",
            r#","x":"\ud800""#,
            "a lone high surrogate in a value",
        ),
        (
            "lone-surrogate-low",
            r#","x":["\udc00"]"#,
            "a lone low surrogate in an array",
        ),
        (
            "lone-surrogate-name",
            r#","\ud800":1"#,
            "a lone surrogate in a member name",
        ),
        (
            "surrogate-then-letter",
            r#","x":"\ud83dx""#,
            "a high surrogate followed by a letter",
        ),
    ] {
        g.add(
            case(
                name,
                &format!("{note}: no UTF-8 reading exists, so the claims are refused."),
            )
            .iss_aud()
            .by(ed, claims(member))
            .jwt(INVALID_CLAIM),
        );
    }
    g.add(
        case(
            "lone-surrogate-signature-only",
            "A lone surrogate in a payload verified by its signature alone: unreadable claims.",
        )
        .by(ed, r#"{"sub":"alice","x":"\ud800"}"#)
        .jws(OK)
        .readable(Err(INVALID_CLAIM))
        .string("sub", Err(NOT_FOUND)),
    );
    g.add(
        case(
            "paired-surrogates",
            "A surrogate pair is one character, the same as written in UTF-8.",
        )
        .iss_aud()
        .by(
            ed,
            claims(r#","emoji":"\ud83d\ude00","raw":"😀","\ud83d\ude00":"name""#),
        )
        .jwt(OK)
        .string("emoji", Ok("\u{1f600}"))
        .string("raw", Ok("\u{1f600}"))
        .contains("emoji", "\u{1f600}", Ok(true))
        .string("\u{1f600}", Ok("name")),
    );
}

fn duplicates(g: &mut Builder, ed: &Key) {
    for (name, payload, note) in [
        (
            "duplicate-jwt",
            claims(r#","sub":"mallory""#),
            "sub twice: readers would each pick one, so the token is refused",
        ),
        (
            "duplicate-escaped-jwt",
            claims(r#","\u0073ub":"mallory""#),
            "sub and \\u0073ub: the same name twice",
        ),
        (
            "duplicate-nested-jwt",
            claims(r#","x":{"role":"user","role":"admin"}"#),
            "role twice in a nested object",
        ),
        (
            "duplicate-in-array-jwt",
            claims(r#","x":[{"c":1},{"c":1,"c":2}]"#),
            "c twice in an object inside an array",
        ),
    ] {
        g.add(
            case(name, &format!("{note}."))
                .iss_aud()
                .by(ed, payload)
                .jwt(INVALID_CLAIM),
        );
    }
    g.add(
        case(
            "duplicate-signature-only",
            "sub twice in a payload verified by its signature alone: the signature verifies, no claim is read.",
        )
        .by(ed, r#"{"sub":"alice","scope":"read","sub":"mallory"}"#)
        .jws(OK)
        .readable(Err(INVALID_CLAIM))
        .case_unique(Err(INVALID_CLAIM))
        .string("sub", Err(NOT_FOUND))
        .json("sub", Err(NOT_FOUND))
        .int("sub", Err(NOT_FOUND))
        .bool("sub", Err(NOT_FOUND))
        .contains("sub", "alice", Err(NOT_FOUND))
        .string("scope", Err(NOT_FOUND))
        .scopes(Err(INVALID_CLAIM))
        .has_scopes(ALL, &["read"], Err(INVALID_CLAIM)),
    );
    g.add(
        case(
            "duplicate-nested-signature-only",
            "A name twice in a nested object of a payload verified by its signature alone.",
        )
        .by(ed, r#"{"sub":"alice","x":{"r":1,"r":2}}"#)
        .jws(OK)
        .readable(Err(INVALID_CLAIM))
        .string("sub", Err(NOT_FOUND)),
    );
}

fn signature_only(g: &mut Builder, ed: &Key, es: &Key) {
    g.add(
        case(
            "signature-only-claims",
            "A payload of claims without exp, verified by its signature alone: read as a JWT's are.",
        )
        .by(es, r#"{"sub":"alice","scope":"read write"}"#)
        .jws(OK)
        .readable(Ok(()))
        .case_unique(Ok(()))
        .string("sub", Ok("alice"))
        .int("exp", Err(NOT_FOUND))
        .scopes(Ok(&["read", "write"]))
        .has_scopes(ALL, &["write"], Ok(true)),
    );
    for (name, payload, note) in [
        (
            "signature-only-text",
            &b"hello, world"[..],
            "a payload of text, not JSON",
        ),
        (
            "signature-only-binary",
            b"\x00\xff\xfe binary \x00",
            "a payload of bytes, not UTF-8",
        ),
        (
            "signature-only-array",
            b"[1,2]",
            "a JSON array, not an object",
        ),
        ("signature-only-empty", b"", "an empty payload"),
        (
            "signature-only-trailing",
            br#"{"sub":"alice"} {}"#,
            "an object followed by another",
        ),
    ] {
        g.add(
            case(
                name,
                &format!("{note}: the signature verifies, the payload is as received, it holds no claims."),
            )
            .by(ed, payload)
            .jws(OK)
            .readable(Err(INVALID_CLAIM))
            .case_unique(Err(INVALID_CLAIM))
            .string("sub", Err(NOT_FOUND))
            .json("sub", Err(NOT_FOUND))
            .scopes(Err(INVALID_CLAIM)),
        );
    }
    g.add(
        case(
            "too-deep-jwt",
            "Nested 17 levels, one more than the default limit.",
        )
        .iss_aud()
        .by(ed, nested(17))
        .jwt(TOO_LARGE),
    );
    g.add(
        case("deep-enough-jwt", "Nested 16 levels, the default limit.")
            .iss_aud()
            .by(ed, nested(16))
            .jwt(OK)
            .readable(Ok(())),
    );
    g.add(
        case(
            "too-deep-signature-only",
            "Nested 17 levels, verified by its signature alone: the claims are too deep to read.",
        )
        .by(ed, nested(17))
        .jws(OK)
        .readable(Err(TOO_LARGE))
        .string("sub", Err(NOT_FOUND))
        .scopes(Err(TOO_LARGE))
        .case_unique(Err(TOO_LARGE)),
    );
}
