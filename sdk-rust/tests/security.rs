//! The client over TLS with a bearer token, against a real gateway jar whose certificates are
//! made here at test time with rcgen (no private key is committed).

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::Gateway;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
    SanType,
};
use tidegate::client::TlsSettings;
use tidegate::client::{BearerToken, Client, ClientConfig, ClientError, SubscribeOptions};
use tidegate::proto::v1::Message;

const TOKEN: &str = "sdk-rust-test-token";
const WAIT: Duration = Duration::from_secs(15);

/// A certificate authority writing its certificate and the ones it issues as PEM files into a
/// directory of its own (removed on drop).
struct LocalCa {
    dir: PathBuf,
    issuer: CertifiedIssuer<'static, KeyPair>,
    ca_file: PathBuf,
}

impl LocalCa {
    fn new(name: &str) -> LocalCa {
        let dir = std::env::temp_dir().join(format!(
            "tidegate-sdk-rust-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().expect("CA key"))
            .expect("CA certificate");
        let ca_file = dir.join("ca.pem");
        std::fs::write(&ca_file, issuer.pem()).expect("write ca.pem");
        LocalCa {
            dir,
            issuer,
            ca_file,
        }
    }

    /// Issues a certificate for `cn` with these SANs; returns (chain file, PKCS#8 key file).
    fn issue(&self, stem: &str, cn: &str, sans: Vec<SanType>) -> (PathBuf, PathBuf) {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.distinguished_name.push(DnType::CommonName, cn);
        params.subject_alt_names = sans;
        let key = KeyPair::generate().expect("key");
        let cert = params.signed_by(&key, &self.issuer).expect("certificate");
        let chain = self.dir.join(format!("{stem}.pem"));
        let key_file = self.dir.join(format!("{stem}.key"));
        std::fs::write(&chain, cert.pem() + &self.issuer.pem()).expect("write chain");
        std::fs::write(&key_file, key.serialize_pem()).expect("write key");
        (chain, key_file)
    }
}

impl Drop for LocalCa {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn sha256_hex(text: &str) -> String {
    ring::digest::digest(&ring::digest::SHA256, text.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A gateway serving TLS with a certificate from `ca`, asking for (not requiring) client
/// certificates, and knowing one static API token.
fn secure_gateway(ca: &LocalCa) -> Gateway {
    secure_gateway_on(ca, 0)
}

/// Like [`secure_gateway`] on a given port (0: any free one).
fn secure_gateway_on(ca: &LocalCa, port: u16) -> Gateway {
    let (chain, key) = ca.issue(
        "server",
        "localhost",
        vec![
            SanType::DnsName("localhost".try_into().expect("DNS name")),
            SanType::IpAddress([127, 0, 0, 1].into()),
        ],
    );
    let arg = |k: &str, v: &Path| format!("--{k}={}", v.display());
    Gateway::start_with(
        port,
        &[
            arg("security.tls.cert-chain-file", &chain),
            arg("security.tls.private-key-file", &key),
            arg("security.tls.client-ca-file", &ca.ca_file),
            "--security.tls.client-auth=optional".into(),
            format!(
                "--security.api-tokens.sdk-rust.sha256={}",
                sha256_hex(TOKEN)
            ),
        ],
    )
}

fn config(gw: &Gateway, tls: TlsSettings) -> ClientConfig {
    let mut config = ClientConfig::new(&gw.endpoint, "sdk-rust-tls").tls(tls);
    config.connect_timeout = Duration::from_secs(10);
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_trusting_the_ca_with_a_token_and_a_certificate_publishes_and_subscribes() {
    let ca = LocalCa::new("sdk-rust-test-ca");
    let gw = secure_gateway(&ca);
    let (chain, key) = ca.issue(
        "client",
        "sdk-rust",
        vec![SanType::URI(
            "spiffe://test/sdk-rust".try_into().expect("URI"),
        )],
    );
    let asked = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&asked);
    let tls = TlsSettings::ca_file(&ca.ca_file)
        .expect("CA file")
        .client_certificate_files(&chain, &key)
        .expect("client certificate files");
    let client = Client::connect(config(&gw, tls).bearer_token(BearerToken::source(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        TOKEN.to_string()
    })))
    .await
    .unwrap_or_else(|e| panic!("connect over TLS: {e}\n{}", gw.log()));
    assert_eq!(
        asked.load(Ordering::SeqCst),
        1,
        "the token source is asked once per connection"
    );

    let mut sub = client
        .subscribe(SubscribeOptions::broadcast(["sdk.tls.rust"]))
        .await
        .expect("subscribe over TLS");
    client
        .publish_one(Message {
            topic: "sdk.tls.rust".into(),
            payload: b"over tls".to_vec(),
            ..Default::default()
        })
        .await
        .expect("publish over TLS");
    let delivery = tokio::time::timeout(WAIT, sub.recv())
        .await
        .expect("a delivery within the timeout")
        .expect("subscription open");
    assert_eq!(delivery.message.expect("message").payload, b"over tls");
    client.close();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_certificate_alone_authenticates() {
    let ca = LocalCa::new("sdk-rust-test-ca");
    let gw = secure_gateway(&ca);
    let (chain, key) = ca.issue(
        "client-only",
        "sdk-rust-cert",
        vec![SanType::URI(
            "spiffe://test/sdk-rust-cert".try_into().expect("URI"),
        )],
    );
    let tls = TlsSettings::ca_file(&ca.ca_file)
        .expect("CA file")
        .client_certificate_files(&chain, &key)
        .expect("client certificate files");
    let client = Client::connect(config(&gw, tls))
        .await
        .unwrap_or_else(|e| panic!("connect with a client certificate: {e}\n{}", gw.log()));
    client.ping().await.expect("pong");
    client.close();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_source_is_asked_again_when_the_client_reconnects() {
    let ca = LocalCa::new("sdk-rust-test-ca");
    let mut gw = secure_gateway(&ca);
    let port = gw.port();
    let asked = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&asked);
    let mut config = config(&gw, TlsSettings::ca_file(&ca.ca_file).expect("CA file")).bearer_token(
        BearerToken::source(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            TOKEN.to_string()
        }),
    );
    config.backoff_max = Duration::from_millis(500);
    let client = Client::connect(config).await.expect("connect");
    let mut session = client.session_watch();
    gw.terminate();
    let _restarted = secure_gateway_on(&ca, port);
    tokio::time::timeout(
        Duration::from_secs(60),
        session.wait_for(|s| s.connection == 2),
    )
    .await
    .expect("reconnected within the timeout")
    .expect("client open");
    assert!(
        asked.load(Ordering::SeqCst) >= 2,
        "asked on the first connect and again on the reconnect"
    );
    client.ping().await.expect("pong on the new connection");
    client.close();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_or_missing_token_is_refused_with_unauthenticated_and_the_reason() {
    let ca = LocalCa::new("sdk-rust-test-ca");
    let gw = secure_gateway(&ca);
    let tls = TlsSettings::ca_file(&ca.ca_file).expect("CA file");

    let wrong = Client::connect(config(&gw, tls.clone()).bearer_token("wrong-token"))
        .await
        .err()
        .expect("a wrong token is refused");
    assert_eq!(wrong.code(), Some(tonic::Code::Unauthenticated), "{wrong}");
    assert!(
        matches!(&wrong, ClientError::Status(s) if s.message().contains("not a known API token")),
        "the gateway's reason: {wrong}"
    );

    let missing = Client::connect(config(&gw, tls))
        .await
        .err()
        .expect("no token is refused");
    assert_eq!(
        missing.code(),
        Some(tonic::Code::Unauthenticated),
        "{missing}"
    );
    assert!(
        missing.to_string().contains("authorization: Bearer"),
        "the gateway's reason: {missing}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_does_not_trust_the_gateways_ca_cannot_connect() {
    let ca = LocalCa::new("sdk-rust-test-ca");
    let other = LocalCa::new("sdk-rust-other-ca");
    let gw = secure_gateway(&ca);

    let err = Client::connect(
        config(&gw, TlsSettings::ca_file(&other.ca_file).expect("CA file")).bearer_token(TOKEN),
    )
    .await
    .err()
    .expect("a gateway certificate from an untrusted CA is refused");
    assert!(
        matches!(err, ClientError::Connect { .. }),
        "the TLS handshake fails: {err:?}"
    );
    let cause = format!("{:?}", std::error::Error::source(&err));
    assert!(cause.contains("UnknownIssuer"), "{cause}");
    assert_eq!(err.code(), None, "the gateway never answered: {err}");
}
