//! One JWK (RFC 7517) -> a ready verification key; the RFC 7638 thumbprint.
//!
//! Every check that can be made on a key is made here, once, when the set is parsed:
//! RSA size and exponent and the ROCA fingerprint, EC points on their curve, HMAC secret
//! length, and the key's declared purpose (`use`, `key_ops`, `alg`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::{agreement, digest, hmac, rand, signature};
use serde_json::{Map, Value};

use crate::alg::{Algorithm, HmacKeys, KeyFamily, KeyMaterial};
use crate::nul_str::NulStr;

/// Smallest RSA modulus accepted, in bits.
pub const MIN_RSA_BITS: usize = 2048;
/// Largest RSA modulus accepted, in bits (ring's limit).
pub const MAX_RSA_BITS: usize = 8192;

/// A public key ready to verify signatures.
#[derive(Debug)]
pub struct Jwk {
    pub(crate) kid: Option<NulStr>,
    pub(crate) alg: Option<Algorithm>,
    pub(crate) material: KeyMaterial,
    pub(crate) thumbprint: NulStr,
}

impl Jwk {
    /// The key's `kid`, if it has one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The algorithm the key is restricted to by its `alg` member, if any.
    pub fn alg(&self) -> Option<Algorithm> {
        self.alg
    }

    /// The key family (RSA, EC P-256, ...).
    pub fn family(&self) -> KeyFamily {
        self.material.family()
    }

    /// The RFC 7638 SHA-256 thumbprint, base64url.
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// Whether this key may verify `alg`: the family fits and the key's own `alg`, if any, agrees.
    pub fn fits(&self, alg: Algorithm) -> bool {
        self.alg.is_none_or(|own| own == alg) && self.material.fits(alg)
    }

    /// Verifies a signature; `false` for any mismatch or failure.
    pub(crate) fn verify(&self, alg: Algorithm, msg: &[u8], sig: &[u8]) -> bool {
        self.fits(alg) && self.material.verify(alg, msg, sig)
    }

    /// Verifies `sig` over an arbitrary `msg` through the same path a token's signature takes.
    ///
    /// For primitive-level test vectors, whose messages are not JWS signing inputs. `Ok(false)`
    /// when the signature does not verify; `Err` ([`crate::error::ErrorKind::KeyMismatch`]) when this
    /// key cannot verify `alg` at all.
    #[doc(hidden)]
    pub fn verify_raw(
        &self,
        alg: Algorithm,
        msg: &[u8],
        sig: &[u8],
    ) -> Result<bool, crate::error::Error> {
        if !self.fits(alg) {
            return Err(crate::error::Error::new(
                crate::error::ErrorKind::KeyMismatch,
                format!("the key cannot verify {alg}"),
            ));
        }
        Ok(self.material.verify(alg, msg, sig))
    }

    /// Parses one JWK object. `Err` carries why the key cannot be used to verify.
    pub fn from_json(value: &Value) -> Result<Jwk, JwkRejection> {
        let obj = value
            .as_object()
            .ok_or_else(|| JwkRejection::malformed("the key is not a JSON object"))?;
        parse_object(obj)
    }
}

/// Why a JWK was not made into a verification key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwkRejection {
    /// The key is meant for verification but could not be parsed or failed a check.
    /// (Such keys still count when deciding whether a `kid` is ambiguous.)
    pub signing: bool,
    /// Whether the key is a well-formed key of a type this library does not support.
    pub unsupported: bool,
    /// A readable reason, e.g. `"RSA modulus is 1024 bits; at least 2048 required"`.
    pub reason: String,
}

impl JwkRejection {
    fn malformed(reason: impl Into<String>) -> JwkRejection {
        JwkRejection {
            signing: true,
            unsupported: false,
            reason: reason.into(),
        }
    }
    fn unsupported(reason: impl Into<String>) -> JwkRejection {
        JwkRejection {
            signing: true,
            unsupported: true,
            reason: reason.into(),
        }
    }
    fn not_for_signing(reason: impl Into<String>) -> JwkRejection {
        JwkRejection {
            signing: false,
            unsupported: false,
            reason: reason.into(),
        }
    }
}

/// `alg` values registered for encryption (RFC 7518 §4), which never verify signatures.
const ENCRYPTION_ALGS: &[&str] = &[
    "RSA1_5",
    "RSA-OAEP",
    "RSA-OAEP-256",
    "RSA-OAEP-384",
    "RSA-OAEP-512",
    "A128KW",
    "A192KW",
    "A256KW",
    "dir",
    "ECDH-ES",
    "ECDH-ES+A128KW",
    "ECDH-ES+A192KW",
    "ECDH-ES+A256KW",
    "A128GCMKW",
    "A192GCMKW",
    "A256GCMKW",
    "PBES2-HS256+A128KW",
    "PBES2-HS384+A192KW",
    "PBES2-HS512+A256KW",
    "A128GCM",
    "A192GCM",
    "A256GCM",
    "A128CBC-HS256",
    "A192CBC-HS384",
    "A256CBC-HS512",
];

fn parse_object(obj: &Map<String, Value>) -> Result<Jwk, JwkRejection> {
    let kty = str_member(obj, "kty")?.ok_or_else(|| JwkRejection::malformed("missing \"kty\""))?;
    check_purpose(obj)?;
    let alg = match str_member(obj, "alg")? {
        None => None,
        Some(name) => match Algorithm::from_name(name) {
            Some(a) => Some(a),
            None if ENCRYPTION_ALGS.contains(&name) => {
                return Err(JwkRejection::not_for_signing(format!(
                    "alg {name:?} is an encryption algorithm"
                )))
            }
            None => {
                return Err(JwkRejection::unsupported(format!(
                    "alg {name:?} is not a supported signature algorithm"
                )))
            }
        },
    };
    let kid = match obj.get("kid") {
        None => None,
        // Refused for the same reason as in a token header: C would read it cut at the NUL.
        Some(Value::String(s)) if s.contains('\0') => {
            return Err(JwkRejection::malformed(
                "\"kid\" contains a NUL character (U+0000)",
            ))
        }
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(JwkRejection::malformed("\"kid\" is not a string")),
    };
    let material = match kty {
        "RSA" => parse_rsa(obj)?,
        "EC" => parse_ec(obj)?,
        "OKP" => parse_okp(obj)?,
        "oct" => parse_oct(obj)?,
        other => {
            return Err(JwkRejection::unsupported(format!(
                "kty {other:?} is not supported"
            )))
        }
    };
    if let Some(a) = alg {
        if !material.fits(a) {
            return Err(JwkRejection::malformed(format!(
                "the key's alg {a} does not fit its type ({:?})",
                material
            )));
        }
    }
    let thumbprint = thumbprint_of(obj).map_err(JwkRejection::malformed)?;
    Ok(Jwk {
        kid: kid.as_deref().map(NulStr::new),
        alg,
        material,
        thumbprint: NulStr::new(&thumbprint),
    })
}

/// Rejects keys whose `use` or `key_ops` say they are not for verifying signatures.
fn check_purpose(obj: &Map<String, Value>) -> Result<(), JwkRejection> {
    if let Some(u) = str_member(obj, "use")? {
        if u != "sig" {
            return Err(JwkRejection::not_for_signing(format!(
                "use is {u:?}, not \"sig\""
            )));
        }
    }
    match obj.get("key_ops") {
        None => Ok(()),
        Some(Value::Array(ops)) => {
            let mut verify = false;
            for op in ops {
                match op.as_str() {
                    Some("verify") => verify = true,
                    Some(_) => {}
                    None => return Err(JwkRejection::malformed("key_ops holds a non-string")),
                }
            }
            if verify {
                Ok(())
            } else {
                Err(JwkRejection::not_for_signing(
                    "key_ops does not include \"verify\"",
                ))
            }
        }
        Some(_) => Err(JwkRejection::malformed("key_ops is not an array")),
    }
}

fn str_member<'a>(
    obj: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, JwkRejection> {
    match obj.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(JwkRejection::malformed(format!("{name:?} is not a string"))),
    }
}

fn b64_member(obj: &Map<String, Value>, name: &str) -> Result<Vec<u8>, JwkRejection> {
    let s = str_member(obj, name)?
        .ok_or_else(|| JwkRejection::malformed(format!("missing {name:?}")))?;
    URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| JwkRejection::malformed(format!("{name:?} is not strict base64url")))
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

fn bit_len(be: &[u8]) -> usize {
    match be.first() {
        None => 0,
        Some(&top) => be.len() * 8 - top.leading_zeros() as usize,
    }
}

fn parse_rsa(obj: &Map<String, Value>) -> Result<KeyMaterial, JwkRejection> {
    let n_raw = b64_member(obj, "n")?;
    let e_raw = b64_member(obj, "e")?;
    let n = strip_leading_zeros(&n_raw);
    let e = strip_leading_zeros(&e_raw);
    let bits = bit_len(n);
    if bits < MIN_RSA_BITS {
        return Err(JwkRejection::malformed(format!(
            "RSA modulus is {bits} bits; at least {MIN_RSA_BITS} required"
        )));
    }
    if bits > MAX_RSA_BITS {
        return Err(JwkRejection::unsupported(format!(
            "RSA modulus is {bits} bits; at most {MAX_RSA_BITS} supported"
        )));
    }
    if n.last().is_some_and(|b| b & 1 == 0) {
        return Err(JwkRejection::malformed("RSA modulus is even"));
    }
    // ring accepts exponents up to 33 bits; anything larger is not a real public key.
    if e.len() > 4 || e.is_empty() {
        return Err(JwkRejection::malformed(
            "RSA public exponent is out of range",
        ));
    }
    let e_val = e.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    if e_val <= 1 || e_val % 2 == 0 {
        return Err(JwkRejection::malformed(format!(
            "RSA public exponent {e_val} must be odd and greater than 1"
        )));
    }
    if crate::roca::has_fingerprint(n) {
        return Err(JwkRejection::malformed(
            "RSA modulus has the ROCA fingerprint (CVE-2017-15361)",
        ));
    }
    Ok(KeyMaterial::Rsa(signature::RsaPublicKeyComponents {
        n: n.to_vec(),
        e: e.to_vec(),
    }))
}

fn parse_ec(obj: &Map<String, Value>) -> Result<KeyMaterial, JwkRejection> {
    let crv = str_member(obj, "crv")?.ok_or_else(|| JwkRejection::malformed("missing \"crv\""))?;
    let (family, size, ecdh) = match crv {
        "P-256" => (KeyFamily::EcP256, 32, Some(&agreement::ECDH_P256)),
        "P-384" => (KeyFamily::EcP384, 48, Some(&agreement::ECDH_P384)),
        // ring has no P-521: `p521` checks the point (see below).
        "P-521" => (KeyFamily::EcP521, 66, None),
        other => {
            return Err(JwkRejection::unsupported(format!(
                "EC curve {other:?} is not supported"
            )))
        }
    };
    let x = b64_member(obj, "x")?;
    let y = b64_member(obj, "y")?;
    // Exactly the curve's size (RFC 7518 §6.2.1.2), so no leading-zero or padded variants.
    if x.len() != size || y.len() != size {
        return Err(JwkRejection::malformed(format!(
            "EC coordinates must be {size} bytes each for {crv}"
        )));
    }
    let mut point = Vec::with_capacity(1 + 2 * size);
    point.push(4);
    point.extend_from_slice(&x);
    point.extend_from_slice(&y);
    let off_curve = || JwkRejection::malformed(format!("the EC point is not on curve {crv}"));
    match ecdh {
        Some(ecdh) if point_is_on_curve(ecdh, &point) => Ok(KeyMaterial::Ec { family, point }),
        Some(_) => Err(off_curve()),
        // `from_sec1_bytes` checks that both coordinates are below p and that the point
        // satisfies the curve equation (P-521 has cofactor 1, so no subgroup check is needed).
        None => p521::ecdsa::VerifyingKey::from_sec1_bytes(&point)
            .map(|key| KeyMaterial::EcP521(Box::new(key)))
            .map_err(|_| off_curve()),
    }
}

/// ring validates a peer's public point (range and curve equation) before any ECDH, so an
/// agreement with a throwaway key is how we check a point with ring alone.
fn point_is_on_curve(alg: &'static agreement::Algorithm, point: &[u8]) -> bool {
    let rng = rand::SystemRandom::new();
    let Ok(private) = agreement::EphemeralPrivateKey::generate(alg, &rng) else {
        return false;
    };
    let peer = agreement::UnparsedPublicKey::new(alg, point);
    agreement::agree_ephemeral(private, &peer, |_| ()).is_ok()
}

fn parse_okp(obj: &Map<String, Value>) -> Result<KeyMaterial, JwkRejection> {
    let crv = str_member(obj, "crv")?.ok_or_else(|| JwkRejection::malformed("missing \"crv\""))?;
    if crv != "Ed25519" {
        return Err(JwkRejection::unsupported(format!(
            "OKP curve {crv:?} is not supported"
        )));
    }
    let x = b64_member(obj, "x")?;
    let key: [u8; 32] = x
        .as_slice()
        .try_into()
        .map_err(|_| JwkRejection::malformed("Ed25519 key must be 32 bytes"))?;
    Ok(KeyMaterial::Ed25519(key))
}

fn parse_oct(obj: &Map<String, Value>) -> Result<KeyMaterial, JwkRejection> {
    let k = b64_member(obj, "k")?;
    if k.len() < 32 {
        return Err(JwkRejection::malformed(format!(
            "HMAC key is {} bytes; at least 32 required",
            k.len()
        )));
    }
    let prepare =
        |alg: hmac::Algorithm, min: usize| (k.len() >= min).then(|| hmac::Key::new(alg, &k));
    Ok(KeyMaterial::Oct(Box::new(HmacKeys {
        len: k.len(),
        hs256: hmac::Key::new(hmac::HMAC_SHA256, &k),
        hs384: prepare(hmac::HMAC_SHA384, 48),
        hs512: prepare(hmac::HMAC_SHA512, 64),
    })))
}

/// RFC 7638 thumbprint (SHA-256, base64url) of a JWK given as JSON.
pub fn thumbprint(jwk: &Value) -> Result<String, crate::error::Error> {
    let obj = jwk.as_object().ok_or_else(|| {
        crate::error::Error::new(
            crate::error::ErrorKind::InvalidArgument,
            "the JWK is not a JSON object",
        )
    })?;
    thumbprint_of(obj)
        .map_err(|m| crate::error::Error::new(crate::error::ErrorKind::InvalidArgument, m))
}

fn thumbprint_of(obj: &Map<String, Value>) -> Result<String, String> {
    let kty = obj
        .get("kty")
        .and_then(Value::as_str)
        .ok_or("missing \"kty\"")?;
    // The required members of each key type, already in lexicographic order.
    let members: &[&str] = match kty {
        "RSA" => &["e", "kty", "n"],
        "EC" => &["crv", "kty", "x", "y"],
        "OKP" => &["crv", "kty", "x"],
        "oct" => &["k", "kty"],
        other => return Err(format!("no thumbprint is defined for kty {other:?}")),
    };
    let mut canonical = String::from("{");
    for (i, name) in members.iter().enumerate() {
        let value = obj
            .get(*name)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("missing string member {name:?}"))?;
        if i > 0 {
            canonical.push(',');
        }
        canonical.push_str(&Value::from(*name).to_string());
        canonical.push(':');
        canonical.push_str(&Value::from(value).to_string());
    }
    canonical.push('}');
    Ok(URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, canonical.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rfc7638_thumbprint() {
        let jwk = json!({"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"});
        assert_eq!(
            thumbprint(&jwk).unwrap(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn purpose_checks() {
        let base =
            json!({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"});
        assert!(Jwk::from_json(&base).is_ok());
        let mut enc = base.clone();
        enc["use"] = json!("enc");
        let r = Jwk::from_json(&enc).unwrap_err();
        assert!(!r.signing, "{r:?}");
        let mut ops = base.clone();
        ops["key_ops"] = json!(["encrypt"]);
        assert!(!Jwk::from_json(&ops).unwrap_err().signing);
        ops["key_ops"] = json!(["verify"]);
        assert!(Jwk::from_json(&ops).is_ok());
        let mut wrong_alg = base.clone();
        wrong_alg["alg"] = json!("ES256");
        assert!(Jwk::from_json(&wrong_alg).unwrap_err().signing);
        let mut enc_alg = base;
        enc_alg["alg"] = json!("RSA-OAEP");
        assert!(!Jwk::from_json(&enc_alg).unwrap_err().signing);
    }

    #[test]
    fn ec_point_must_be_on_curve() {
        let good = json!({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"});
        assert!(Jwk::from_json(&good).is_ok());
        let mut bad = good.clone();
        bad["y"] = json!("x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a1");
        assert!(Jwk::from_json(&bad).is_err());
        let mut p521 = good;
        p521["crv"] = json!("P-521");
        let r = Jwk::from_json(&p521).unwrap_err();
        assert!(!r.unsupported && r.reason.contains("66 bytes"), "{r:?}");
        let mut secp256k1 = p521;
        secp256k1["crv"] = json!("secp256k1");
        assert!(Jwk::from_json(&secp256k1).unwrap_err().unsupported);
    }

    /// The RFC 7515 A.4 key and its ES512 token.
    const A4_X: &str =
        "AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk";
    const A4_Y: &str =
        "ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDly79ajL4Kkd0AZMaZmh9ubmf63e3kyMj2";
    const A4_INPUT: &[u8] = b"eyJhbGciOiJFUzUxMiJ9.UGF5bG9hZA";
    const A4_SIG: &str = "AdwMgeerwtHoh-l192l60hp9wAHZFVJbLfD_UxMi70cwnZOYaRI1bKPWROc-mZZqwqT2SI-KGDKB34XO0aw_7XdtAG8GaSwFKdCAPZgoXD2YBJZCPEX3xKpRwcdOO8KpEHwJjyqOgzDO7iKvU8vcnwNrmxYbSW9ERBXukOXolLzeO_Jn";
    /// The order n of P-521, big-endian, 66 bytes.
    const P521_N: &str = "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\
                          fa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409";

    fn a4_key() -> Value {
        json!({"kty":"EC","crv":"P-521","x":A4_X,"y":A4_Y})
    }

    fn unhex(hex: &str) -> Vec<u8> {
        let hex: String = hex.split_whitespace().collect();
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    /// `a - b` for big-endian numbers of equal length, `a >= b`.
    fn sub_be(a: &[u8], b: &[u8]) -> Vec<u8> {
        let mut out = vec![0u8; a.len()];
        let mut borrow = 0i16;
        for i in (0..a.len()).rev() {
            let d = i16::from(a[i]) - i16::from(b[i]) - borrow;
            borrow = i16::from(d < 0);
            out[i] = d.rem_euclid(256) as u8;
        }
        assert_eq!(borrow, 0);
        out
    }

    #[test]
    fn p521_keys_are_checked_like_the_other_curves() {
        let key = Jwk::from_json(&a4_key()).unwrap();
        assert_eq!(key.family(), KeyFamily::EcP521);
        assert!(key.fits(Algorithm::ES512));
        assert!(!key.fits(Algorithm::ES256) && !key.fits(Algorithm::ES384));

        // Off the curve: malformed (it still makes its kid ambiguous), not unsupported.
        let mut off = a4_key();
        off["y"] = json!(format!("{}3", &A4_Y[..A4_Y.len() - 1]));
        let r = Jwk::from_json(&off).unwrap_err();
        assert!(r.signing && !r.unsupported, "{r:?}");
        assert!(r.reason.contains("not on curve"), "{r:?}");

        // Coordinates are exactly 66 bytes: the leading zero byte of y may not be dropped,
        // nor an extra one added.
        let y = URL_SAFE_NO_PAD.decode(A4_Y).unwrap();
        assert_eq!((y.len(), y[0]), (66, 0));
        for bad_y in [y[1..].to_vec(), [&[0u8][..], &y].concat()] {
            let mut k = a4_key();
            k["y"] = json!(URL_SAFE_NO_PAD.encode(bad_y));
            let r = Jwk::from_json(&k).unwrap_err();
            assert!(r.reason.contains("66 bytes"), "{r:?}");
        }

        // A coordinate equal to the field prime p = 2^521 - 1 is out of range.
        let mut p = vec![0xffu8; 66];
        p[0] = 0x01;
        let mut k = a4_key();
        k["x"] = json!(URL_SAFE_NO_PAD.encode(&p));
        assert!(Jwk::from_json(&k).is_err());

        // crv and alg must agree both ways.
        let mut k = a4_key();
        k["alg"] = json!("ES256");
        assert!(Jwk::from_json(&k).unwrap_err().signing);
        k["alg"] = json!("ES512");
        assert_eq!(Jwk::from_json(&k).unwrap().alg(), Some(Algorithm::ES512));
        let p256 = json!({"kty":"EC","crv":"P-256","alg":"ES512","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"});
        assert!(Jwk::from_json(&p256).is_err());
    }

    #[test]
    fn es512_signatures_are_raw_r_s_of_66_bytes() {
        let key = Jwk::from_json(&a4_key()).unwrap();
        let sig = URL_SAFE_NO_PAD.decode(A4_SIG).unwrap();
        assert_eq!(sig.len(), 132);
        assert_eq!(key.verify_raw(Algorithm::ES512, A4_INPUT, &sig), Ok(true));
        assert_eq!(
            key.verify_raw(Algorithm::ES512, b"eyJhbGciOiJFUzUxMiJ9.UGF5bG9hZB", &sig),
            Ok(false)
        );
        let (r, s) = sig.split_at(66);

        // High S (n - s) verifies too, as ring does for P-256/P-384 and as Wycheproof expects.
        let n = unhex(P521_N);
        let high = [r, &sub_be(&n, s)].concat();
        assert_ne!(high, sig);
        assert_eq!(key.verify_raw(Algorithm::ES512, A4_INPUT, &high), Ok(true));

        // R or S of zero, or equal to n, are refused.
        for bad in [
            [&[0u8; 66][..], s].concat(),
            [r, &[0u8; 66][..]].concat(),
            [r, &n[..]].concat(),
            [&n[..], s].concat(),
        ] {
            assert_eq!(key.verify_raw(Algorithm::ES512, A4_INPUT, &bad), Ok(false));
        }

        // DER (SEQUENCE { INTEGER r, INTEGER s }) is refused, as are truncated or padded R||S.
        let der_int = |v: &[u8]| {
            let v = strip_leading_zeros(v);
            let mut out = vec![0x02];
            let pad = v[0] & 0x80 != 0;
            out.push((v.len() + usize::from(pad)) as u8);
            if pad {
                out.push(0);
            }
            out.extend_from_slice(v);
            out
        };
        let body = [der_int(r), der_int(s)].concat();
        let der = [&[0x30, 0x81, body.len() as u8][..], &body].concat();
        assert_eq!(key.verify_raw(Algorithm::ES512, A4_INPUT, &der), Ok(false));
        assert_eq!(
            key.verify_raw(Algorithm::ES512, A4_INPUT, &sig[..131]),
            Ok(false)
        );
        let padded = [&sig[..], &[0u8]].concat();
        assert_eq!(
            key.verify_raw(Algorithm::ES512, A4_INPUT, &padded),
            Ok(false)
        );
        let left_padded = [&[0u8][..], r, &[0u8][..], s].concat();
        assert_eq!(
            key.verify_raw(Algorithm::ES512, A4_INPUT, &left_padded),
            Ok(false)
        );
    }

    #[test]
    fn verify_raw_checks_fit_and_signature() {
        let k = [7u8; 32];
        let jwk = Jwk::from_json(&json!({"kty":"oct","k": URL_SAFE_NO_PAD.encode(k)})).unwrap();
        let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &k), b"msg");
        assert_eq!(
            jwk.verify_raw(Algorithm::HS256, b"msg", tag.as_ref()),
            Ok(true)
        );
        assert_eq!(
            jwk.verify_raw(Algorithm::HS256, b"msh", tag.as_ref()),
            Ok(false)
        );
        let e = jwk.verify_raw(Algorithm::HS384, b"msg", tag.as_ref());
        assert_eq!(e.unwrap_err().kind(), crate::error::ErrorKind::KeyMismatch);
        let e = jwk.verify_raw(Algorithm::ES256, b"msg", tag.as_ref());
        assert_eq!(e.unwrap_err().kind(), crate::error::ErrorKind::KeyMismatch);
    }

    #[test]
    fn hmac_keys_need_32_bytes() {
        let short = json!({"kty":"oct","k": URL_SAFE_NO_PAD.encode([7u8; 31])});
        assert!(Jwk::from_json(&short).is_err());
        let empty = json!({"kty":"oct","k": ""});
        assert!(Jwk::from_json(&empty).is_err());
        let k32 =
            Jwk::from_json(&json!({"kty":"oct","k": URL_SAFE_NO_PAD.encode([7u8; 32])})).unwrap();
        assert!(k32.fits(Algorithm::HS256));
        assert!(!k32.fits(Algorithm::HS384));
    }
}
