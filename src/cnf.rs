//! Token binding (RFC 7800 `cnf`): what key or certificate an access token is bound to, and
//! the client certificate a request presents.
//!
//! - `cnf.jkt` (RFC 9449 §6.1): the RFC 7638 thumbprint of the DPoP key the token is bound to;
//! - `cnf.x5t#S256` (RFC 8705 §3.1): base64url(SHA-256(DER of the client certificate)).
//!
//! The client certificate comes from the TLS layer (DER or PEM), or from a header that a
//! trusted proxy sets after terminating TLS ([`ClientCert`]): nginx's
//! `$ssl_client_escaped_cert` (URL-encoded PEM), Envoy's `x-forwarded-client-cert`. Such a
//! header is only as trustworthy as the proxy that sets it: the proxy must remove any copy the
//! client sent (Envoy's default `SANITIZE`, or `SANITIZE_SET`; nginx sets the header it is told
//! to, replacing the client's).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use percent_encoding::percent_decode_str;
use ring::digest;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;

use crate::error::{err, shorten, Error, ErrorKind};
use crate::json::{read_object_member, Field, MemberObject};

/// The confirmation members of a token's `cnf` claim that binding uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Confirmation {
    /// `cnf.jkt`: the thumbprint of the DPoP key the token is bound to.
    pub jkt: Option<String>,
    /// `cnf.x5t#S256`: the SHA-256 thumbprint of the client certificate it is bound to.
    pub x5t_s256: Option<String>,
}

impl Confirmation {
    /// Reads `cnf` from a JWT payload (one the verifier accepted). No `cnf`: an unbound
    /// token. A `cnf` that is not an object, or whose `jkt` or `x5t#S256` is not a string:
    /// [`ErrorKind::InvalidClaim`].
    pub fn read(payload: &[u8], max_depth: usize) -> Result<Confirmation, Error> {
        let keep = |n: &str| n == "jkt" || n == "x5t#S256";
        let member = read_object_member(payload, max_depth, "cnf", &keep)
            .map_err(|_| err(ErrorKind::InvalidClaim, "the payload cannot be read"))?;
        let fields = match member {
            MemberObject::Absent => return Ok(Confirmation::default()),
            MemberObject::NotObject => {
                return Err(err(ErrorKind::InvalidClaim, "cnf is not a JSON object"))
            }
            MemberObject::Object(fields) => fields,
        };
        let text = |name: &str| match fields.get(name) {
            None => Ok(None),
            Some(Field::Str(s)) => Ok(Some(s.to_string())),
            Some(_) => Err(err(
                ErrorKind::InvalidClaim,
                format!("cnf.{name} is not a string"),
            )),
        };
        Ok(Confirmation {
            jkt: text("jkt")?,
            x5t_s256: text("x5t#S256")?,
        })
    }
}

/// The client certificate of a request, in the form the server has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientCert<'a> {
    /// DER, as a TLS library hands it over.
    Der(&'a [u8]),
    /// PEM (the first `CERTIFICATE` block is used).
    Pem(&'a [u8]),
    /// nginx's `$ssl_client_escaped_cert`: URL-encoded PEM, empty when the client sent no
    /// certificate (`proxy_set_header X-Client-Cert $ssl_client_escaped_cert;`).
    NginxEscaped(&'a str),
    /// Envoy's `x-forwarded-client-cert` (with `forward_client_cert_details` set to
    /// `SANITIZE_SET`, or `APPEND_FORWARD`: the last element is the client of the last hop):
    /// its `Cert` (URL-encoded PEM) if present, else its `Hash` (hex SHA-256 of the DER); both,
    /// when present, must agree.
    Xfcc(&'a str),
}

impl ClientCert<'_> {
    /// The certificate's `x5t#S256` thumbprint: base64url(SHA-256(DER)); `None` when the input
    /// says the client presented no certificate (an empty nginx value, an XFCC element with
    /// neither `Cert` nor `Hash`).
    ///
    /// Errors: [`ErrorKind::InvalidArgument`] for input that is not what its form says (the
    /// TLS layer or the proxy is misconfigured).
    pub fn thumbprint(&self) -> Result<Option<String>, Error> {
        match *self {
            ClientCert::Der(der) => Ok(Some(der_thumbprint(der)?)),
            ClientCert::Pem(pem) => Ok(Some(der_thumbprint(&pem_to_der(pem)?)?)),
            ClientCert::NginxEscaped(escaped) => {
                if escaped.is_empty() || escaped == "-" {
                    return Ok(None);
                }
                let pem = url_decode(escaped, "the nginx escaped certificate")?;
                Ok(Some(der_thumbprint(&pem_to_der(&pem)?)?))
            }
            ClientCert::Xfcc(header) => xfcc_thumbprint(header),
        }
    }
}

fn bad(message: impl Into<String>) -> Error {
    err(ErrorKind::InvalidArgument, message)
}

/// base64url(SHA-256(der)), for a DER certificate (an ASN.1 SEQUENCE).
pub fn der_thumbprint(der: &[u8]) -> Result<String, Error> {
    if der.first() != Some(&0x30) || der.len() < 16 {
        return Err(bad("the client certificate is not DER (an X.509 SEQUENCE)"));
    }
    Ok(URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, der)))
}

fn pem_to_der(pem: &[u8]) -> Result<Vec<u8>, Error> {
    CertificateDer::from_pem_slice(pem)
        .map(|c| c.as_ref().to_vec())
        .map_err(|e| bad(format!("the client certificate is not PEM: {e}")))
}

fn url_decode(s: &str, what: &str) -> Result<Vec<u8>, Error> {
    // Percent-decoding only: `+` stays `+` (base64 uses it), as nginx and Envoy encode.
    let bytes: Vec<u8> = percent_decode_str(s).collect();
    if bytes.is_empty() {
        return Err(bad(format!("{what} is empty")));
    }
    Ok(bytes)
}

fn xfcc_thumbprint(header: &str) -> Result<Option<String>, Error> {
    let header = header.trim();
    if header.is_empty() {
        return Ok(None);
    }
    let elements = xfcc_parser::element_list(header.as_bytes()).map_err(|e| {
        bad(format!(
            "x-forwarded-client-cert cannot be read: {}",
            shorten(&e.to_string())
        ))
    })?;
    // Each proxy appends its client's element: the last one is the client of the last hop.
    let Some(last) = elements.last() else {
        return Ok(None);
    };
    let from_hash = match &last.hash {
        None => None,
        Some(hex) => Some(hex_sha256(hex)?),
    };
    let from_cert = match &last.cert {
        None => None,
        Some(cert) => {
            let pem = url_decode(cert, "the XFCC Cert")?;
            Some(der_thumbprint(&pem_to_der(&pem)?)?)
        }
    };
    match (from_cert, from_hash) {
        (Some(c), Some(h)) if c != h => Err(bad(
            "x-forwarded-client-cert: its Hash is not the SHA-256 of its Cert",
        )),
        (Some(c), _) => Ok(Some(c)),
        (None, h) => Ok(h),
    }
}

/// The base64url form of a hex SHA-256 digest (XFCC's `Hash`).
fn hex_sha256(hex: &str) -> Result<String, Error> {
    let invalid = || bad("x-forwarded-client-cert: Hash is not a hex SHA-256 digest");
    // Checked here: `from_str_radix` would take a `+` sign.
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid());
    }
    let mut bytes = [0u8; 32];
    for (i, pair) in hex.as_bytes().chunks(2).enumerate() {
        let text = std::str::from_utf8(pair).map_err(|_| invalid())?;
        bytes[i] = u8::from_str_radix(text, 16).map_err(|_| invalid())?;
    }
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cnf() {
        let c = Confirmation::read(
            br#"{"sub":"a","cnf":{"jkt":"abc","x5t#S256":"def","other":[1]}}"#,
            16,
        )
        .unwrap();
        assert_eq!(c.jkt.as_deref(), Some("abc"));
        assert_eq!(c.x5t_s256.as_deref(), Some("def"));
        assert_eq!(
            Confirmation::read(br#"{"sub":"a"}"#, 16).unwrap(),
            Confirmation::default()
        );
        assert_eq!(
            Confirmation::read(br#"{"cnf":{}}"#, 16).unwrap(),
            Confirmation::default()
        );
        for bad in [
            &br#"{"cnf":"jkt"}"#[..],
            br#"{"cnf":{"jkt":1}}"#,
            br#"{"cnf":{"x5t#S256":["a"]}}"#,
            br#"{"cnf":{"jkt":"a","jkt":"b"}}"#,
            br#"{"cnf":{"jkt":"a"},"cnf":{"jkt":"b"}}"#,
        ] {
            assert_eq!(
                Confirmation::read(bad, 16).unwrap_err().kind(),
                ErrorKind::InvalidClaim,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn hex_digests() {
        let hex = "468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688";
        let b64 = hex_sha256(hex).unwrap();
        assert_eq!(URL_SAFE_NO_PAD.decode(&b64).unwrap()[0], 0x46);
        assert_eq!(hex_sha256(&hex.to_uppercase()).unwrap(), b64);
        assert!(hex_sha256(&hex[1..]).is_err());
        assert!(hex_sha256(&format!("{}zz", &hex[..62])).is_err());
        assert!(hex_sha256(&format!("{}é", &hex[..62])).is_err());
        assert!(hex_sha256(&format!("{}+f", &hex[..62])).is_err());
    }
}
