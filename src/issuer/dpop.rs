//! Minting DPoP proofs (RFC 9449 §4.2), for clients, tests and the command line tool: the
//! header `{"typ": "dpop+jwt", "alg", "jwk"}` with the key's public members only, the payload
//! `jti` (128 random bits unless given), `htm`, `htu`, `iat`, and `ath` and `nonce` when given.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::{json, Map, Value};

use super::keys::SigningKey;
use crate::dpop::{access_token_hash, DPOP_TYP};
use crate::error::{err, Error, ErrorKind};

/// What a proof says of its request.
#[derive(Debug, Clone, Default)]
pub struct ProofClaims<'a> {
    /// The request's method (`htm`).
    pub method: &'a str,
    /// The request's URI (`htu`; its query and fragment are left out here).
    pub uri: &'a str,
    /// The creation time (`iat`), unix seconds.
    pub iat: i64,
    /// The access token the proof comes with, whose hash becomes `ath`.
    pub access_token: Option<&'a str>,
    /// The server's nonce, if it asked for one.
    pub nonce: Option<&'a str>,
    /// The `jti`; `None` draws 128 random bits.
    pub jti: Option<&'a str>,
}

impl SigningKey {
    /// The public JWK of the key as a proof header carries it: `kty` and the key members
    /// (`crv`/`x`/`y`, `n`/`e`), nothing else.
    pub fn proof_jwk(&self) -> Value {
        let mut jwk = self.public_jwk();
        if let Some(members) = jwk.as_object_mut() {
            members.remove("kid");
            members.remove("alg");
            members.remove("use");
        }
        jwk
    }

    /// A DPoP proof for `claims`, signed with this key (asymmetric only: a proof's key is
    /// public).
    pub fn sign_dpop_proof(&self, claims: &ProofClaims<'_>) -> Result<String, Error> {
        let jti = match claims.jti {
            Some(j) => j.to_owned(),
            None => {
                let mut raw = [0u8; 16];
                SystemRandom::new()
                    .fill(&mut raw)
                    .map_err(|_| err(ErrorKind::Internal, "the system random generator failed"))?;
                URL_SAFE_NO_PAD.encode(raw)
            }
        };
        let mut payload = json!({
            "jti": jti,
            "htm": claims.method,
            "htu": claims.uri.split(['?', '#']).next().unwrap_or_default(),
            "iat": claims.iat,
        });
        if let Some(token) = claims.access_token {
            payload["ath"] = access_token_hash(token.as_bytes()).into();
        }
        if let Some(nonce) = claims.nonce {
            payload["nonce"] = nonce.into();
        }
        self.sign_dpop_payload(&Map::new(), &payload)
    }

    /// A proof with any payload and header members (the header's `typ`, `alg` and `jwk`
    /// unless `extra_header` says otherwise; `"jwk": null` leaves the key out): for tests of
    /// what a verifier refuses.
    pub fn sign_dpop_payload(
        &self,
        extra_header: &Map<String, Value>,
        payload: &Value,
    ) -> Result<String, Error> {
        if self.is_hmac() {
            return Err(err(
                ErrorKind::InvalidArgument,
                "a DPoP proof is signed with an asymmetric key (its public key goes in the header)",
            ));
        }
        let mut header = Map::new();
        header.insert("typ".into(), DPOP_TYP.into());
        header.insert("jwk".into(), self.proof_jwk());
        header.insert("kid".into(), Value::Null);
        for (name, value) in extra_header {
            if value.is_null() && name != "kid" {
                header.remove(name);
            } else {
                header.insert(name.clone(), value.clone());
            }
        }
        let bytes = serde_json::to_vec(payload)
            .map_err(|e| err(ErrorKind::InvalidArgument, format!("payload: {e}")))?;
        self.sign_with_header(&header, &bytes)
    }
}
