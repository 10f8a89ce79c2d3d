//! A throwaway certificate authority and a loopback server certificate it signs.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A CA (its PEM is what clients trust) and a server certificate for 127.0.0.1/localhost.
pub struct TestCa {
    pub ca_pem: String,
    cert: CertificateDer<'static>,
    key: Vec<u8>,
}

/// How the server certificate of a [`TestCa`] is made wrong (or not).
#[derive(Clone, Copy, PartialEq)]
pub enum ServerCert {
    /// Valid now, for 127.0.0.1 and localhost, signed by the CA.
    Good,
    /// Signed by the CA but for another host name only.
    WrongHost,
    /// Signed by the CA for the right names, but expired in 2020.
    Expired,
    /// For the right names, but signed by its own key instead of the CA.
    SelfSigned,
}

impl TestCa {
    pub fn new() -> TestCa {
        TestCa::with_server_cert(ServerCert::Good)
    }

    /// A CA whose server certificate is `kind`.
    pub fn with_server_cert(kind: ServerCert) -> TestCa {
        let ca_key = KeyPair::generate().expect("ca key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "jwks test CA");
        let ca_cert = ca_params.self_signed(&ca_key).expect("ca cert");
        let issuer = Issuer::new(ca_params, ca_key);
        let key = KeyPair::generate().expect("server key");
        let names = match kind {
            ServerCert::WrongHost => vec!["jwks.other.example".to_string()],
            _ => vec!["127.0.0.1".to_string(), "localhost".into()],
        };
        let mut params = CertificateParams::new(names).expect("server params");
        if kind == ServerCert::Expired {
            params.not_before = rcgen::date_time_ymd(2019, 1, 1);
            params.not_after = rcgen::date_time_ymd(2020, 1, 1);
        }
        let cert = match kind {
            ServerCert::SelfSigned => params.self_signed(&key).expect("self-signed cert"),
            _ => params.signed_by(&key, &issuer).expect("server cert"),
        };
        TestCa {
            ca_pem: ca_cert.pem(),
            cert: cert.der().clone(),
            key: key.serialize_der(),
        }
    }

    /// A rustls server configuration presenting the server certificate.
    pub fn server_config(&self) -> Arc<rustls::ServerConfig> {
        // ring, as the library's client (ureq's rustls) uses: rustls 0.23.48 deprecates its ring
        // provider for lacking post-quantum key exchange, which a loopback test server does
        // not need.
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key.clone()));
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(vec![self.cert.clone()], key)
            .expect("server config");
        Arc::new(config)
    }
}
