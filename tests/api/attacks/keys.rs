//! Key material for the attacks: the server's own key (read from its keys folder, as an
//! insider or a test of "a real signature over bad claims" needs it), its public key in
//! every form an algorithm-confusion attacker would try as an HMAC secret, an attacker's
//! own Ed25519 key, and a loopback server that counts whether authd ever fetches a `jku`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::KeyPair as _;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{json, Value};

use super::{b64, signing_input, signing_input_raw};
use crate::helpers::TestApp;

/// The one private key of an app's keys folder.
pub struct ServerKey {
    pub kid: String,
    pub alg: Algorithm,
    pub path: PathBuf,
    pub pem: Vec<u8>,
    encoding: EncodingKey,
    /// SubjectPublicKeyInfo DER.
    pub spki_der: Vec<u8>,
    /// Ed25519: the 32 bytes `x`; P-256: the uncompressed point; RSA: PKCS#1 DER.
    pub raw_public: Vec<u8>,
}

pub fn server_key(app: &TestApp) -> ServerKey {
    authd::install_crypto_provider();
    let mut private: Vec<PathBuf> = std::fs::read_dir(&app.settings.keys.dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_str().unwrap();
            name.ends_with(".pem") && !name.ends_with(".pub.pem")
        })
        .collect();
    assert_eq!(private.len(), 1, "one private key in {private:?}");
    let path = private.remove(0);
    let kid = path.file_stem().unwrap().to_str().unwrap().to_owned();
    let pem = std::fs::read(&path).unwrap();
    let der = pem::parse(&pem).unwrap().into_contents();
    let (alg, encoding, spki_der, raw_public) = if kid.ends_with("eddsa") {
        let pair = aws_lc_rs::signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der).unwrap();
        let public = pair.public_key();
        let spki = public.as_der().unwrap().as_ref().to_vec();
        let encoding = EncodingKey::from_ed_pem(&pem).unwrap();
        (Algorithm::EdDSA, encoding, spki, public.as_ref().to_vec())
    } else if kid.ends_with("es256") {
        let pair = aws_lc_rs::signature::EcdsaKeyPair::from_pkcs8(
            &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &der,
        )
        .unwrap();
        let public = pair.public_key();
        let spki = public.as_der().unwrap().as_ref().to_vec();
        let encoding = EncodingKey::from_ec_pem(&pem).unwrap();
        (Algorithm::ES256, encoding, spki, public.as_ref().to_vec())
    } else {
        let pair = aws_lc_rs::rsa::KeyPair::from_pkcs8(&der).unwrap();
        let public = pair.public_key();
        let spki = public.as_der().unwrap().as_ref().to_vec();
        let encoding = EncodingKey::from_rsa_pem(&pem).unwrap();
        (Algorithm::RS256, encoding, spki, public.as_ref().to_vec())
    };
    ServerKey {
        kid,
        alg,
        path,
        pem,
        encoding,
        spki_der,
        raw_public,
    }
}

impl ServerKey {
    pub fn alg_name(&self) -> &'static str {
        match self.alg {
            Algorithm::EdDSA => "EdDSA",
            Algorithm::ES256 => "ES256",
            _ => "RS256",
        }
    }

    /// A token with a genuine signature of the server's key over whatever JSON is given.
    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        self.sign_input(&signing_input(header, claims))
    }

    /// As [`ServerKey::sign`], over JSON texts taken verbatim.
    pub fn sign_raw(&self, header: &str, claims: &str) -> String {
        self.sign_input(&signing_input_raw(header, claims))
    }

    fn sign_input(&self, input: &str) -> String {
        let signature = jsonwebtoken::crypto::sign(input.as_bytes(), &self.encoding, self.alg)
            .expect("signing with the server key");
        format!("{input}.{signature}")
    }

    /// The header authd itself would write for an access token.
    pub fn access_header(&self) -> Value {
        json!({"alg": self.alg_name(), "kid": self.kid, "typ": "at+jwt"})
    }

    /// The refresh-token MAC key, derived as API.md says (HKDF-SHA256 over the key file).
    /// Tests that use it first check it signs a token authd accepts.
    pub fn refresh_secret(&self) -> [u8; 32] {
        use aws_lc_rs::hkdf::{Salt, HKDF_SHA256};
        let mut out = [0u8; 32];
        Salt::new(HKDF_SHA256, b"authd")
            .extract(&self.pem)
            .expand(&[b"authd refresh-token mac v1"], HKDF_SHA256)
            .unwrap()
            .fill(&mut out)
            .unwrap();
        out
    }

    /// Every form of the public key an algorithm-confusion attacker feeds HMAC with,
    /// named; `jwks` is the body the server publishes (it holds only this key).
    pub fn public_key_forms(&self, jwks: &str) -> Vec<(String, Vec<u8>)> {
        let pem_lf = pem::encode_config(
            &pem::Pem::new("PUBLIC KEY", self.spki_der.clone()),
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        );
        let pem_crlf = pem::encode(&pem::Pem::new("PUBLIC KEY", self.spki_der.clone()));
        let document: Value = serde_json::from_str(jwks).unwrap();
        let jwk = document["keys"][0].clone();
        assert_eq!(
            jwk["kid"],
            self.kid.as_str(),
            "the JWKS holds the server key"
        );
        // The JWK exactly as served: the document minus its `{"keys":[` … `]}` wrapper.
        let served_jwk = jwks
            .strip_prefix("{\"keys\":[")
            .and_then(|s| s.strip_suffix("]}"))
            .unwrap_or_default()
            .to_owned();
        let mut forms = vec![
            (
                "PEM (LF, trailing newline)".to_owned(),
                pem_lf.clone().into_bytes(),
            ),
            (
                "PEM (no trailing newline)".to_owned(),
                pem_lf.trim_end().as_bytes().to_vec(),
            ),
            ("PEM (CRLF)".to_owned(), pem_crlf.into_bytes()),
            ("SPKI DER".to_owned(), self.spki_der.clone()),
            ("raw public key".to_owned(), self.raw_public.clone()),
            ("JWK as served".to_owned(), served_jwk.into_bytes()),
            ("JWK re-serialized".to_owned(), jwk.to_string().into_bytes()),
            ("whole JWKS document".to_owned(), jwks.as_bytes().to_vec()),
        ];
        for member in ["x", "y", "n"] {
            if let Some(text) = jwk[member].as_str() {
                forms.push((format!("JWK '{member}' text"), text.as_bytes().to_vec()));
            }
        }
        if self.alg == Algorithm::ES256 {
            forms.push(("EC point x||y".to_owned(), self.raw_public[1..].to_vec()));
        }
        forms
    }
}

/// An Ed25519 key the attacker made, and its public JWK.
pub struct AttackerKey {
    pair: aws_lc_rs::signature::Ed25519KeyPair,
}

impl AttackerKey {
    pub fn generate() -> Self {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let pkcs8 = aws_lc_rs::signature::Ed25519KeyPair::generate_pkcs8v1(&rng).unwrap();
        let pair = aws_lc_rs::signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8.as_ref())
            .unwrap();
        AttackerKey { pair }
    }

    pub fn jwk(&self, kid: &str) -> Value {
        json!({"kty": "OKP", "crv": "Ed25519", "x": b64(self.pair.public_key().as_ref()),
               "kid": kid, "alg": "EdDSA", "use": "sig"})
    }

    pub fn spki_der(&self) -> Vec<u8> {
        self.pair.public_key().as_der().unwrap().as_ref().to_vec()
    }

    /// An EdDSA token over `header` and `claims`, signed by the attacker.
    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        let input = signing_input(header, claims);
        let signature = self.pair.sign(input.as_bytes());
        format!("{input}.{}", b64(signature.as_ref()))
    }
}

/// A loopback HTTP server of the attacker's that serves a JWKS and counts every connection,
/// so a test can show authd never followed a `jku`/`x5u` URL.
pub struct AttackerServer {
    pub url: String,
    hits: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl AttackerServer {
    pub async fn start(jwks: Value) -> Self {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        let body = jwks.to_string();
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                let mut buffer = [0u8; 4096];
                let _ = stream.read(&mut buffer).await;
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            }
        });
        AttackerServer { url, hits, task }
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

impl Drop for AttackerServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
