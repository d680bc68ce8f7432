//! How the client proves who the gateway is and who it is: TLS settings (the CA to trust, an
//! optional client certificate for mTLS) and a bearer token sent as `authorization` metadata.
//!
//! Both are plain values inside [`super::ClientConfig`]: cloned with it, read by the connection
//! actor on every (re)connect, shared between threads.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::Interceptor;
use tonic::transport::{Certificate, ClientTlsConfig, Identity};
use tonic::{Request, Status};

/// Connect over TLS. PEM bytes are read when the settings are made (the `*_file` methods), so a
/// missing file fails there and not on some later reconnect.
///
/// Without a CA the system's trust store is used; with [`TlsSettings::ca_pem`] or
/// [`TlsSettings::ca_file`] only that CA (or bundle) is trusted.
#[derive(Clone, Default)]
pub struct TlsSettings {
    ca_pem: Option<Vec<u8>>,
    /// Certificate chain and PKCS#8 (or SEC1/PKCS#1) private key, both PEM.
    identity: Option<(Vec<u8>, Vec<u8>)>,
    domain_name: Option<String>,
}

impl TlsSettings {
    /// TLS trusting the system's roots.
    pub fn new() -> Self {
        Self::default()
    }

    /// TLS trusting only the CA certificate(s) in this PEM file.
    pub fn ca_file(path: impl AsRef<Path>) -> std::io::Result<Self> {
        Ok(Self::new().ca_pem(read(path.as_ref())?))
    }

    /// Trusts only the CA certificate(s) in these PEM bytes.
    pub fn ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_pem = Some(pem.into());
        self
    }

    /// Presents this client certificate (PEM chain, leaf first) and its private key (PEM), for
    /// gateways that ask for mTLS.
    pub fn client_certificate_files(
        self,
        chain: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> std::io::Result<Self> {
        Ok(self.client_certificate_pem(read(chain.as_ref())?, read(key.as_ref())?))
    }

    /// Like [`TlsSettings::client_certificate_files`] from PEM bytes.
    pub fn client_certificate_pem(
        mut self,
        chain: impl Into<Vec<u8>>,
        key: impl Into<Vec<u8>>,
    ) -> Self {
        self.identity = Some((chain.into(), key.into()));
        self
    }

    /// The name the gateway's certificate must carry, when it is not the endpoint's host (for
    /// example when connecting by IP to a certificate issued for a DNS name).
    pub fn domain_name(mut self, name: impl Into<String>) -> Self {
        self.domain_name = Some(name.into());
        self
    }

    pub(super) fn client_config(&self) -> ClientTlsConfig {
        let mut config = ClientTlsConfig::new();
        config = match &self.ca_pem {
            Some(pem) => config.ca_certificate(Certificate::from_pem(pem)),
            None => config.with_native_roots(),
        };
        if let Some((chain, key)) = &self.identity {
            config = config.identity(Identity::from_pem(chain, key));
        }
        if let Some(name) = &self.domain_name {
            config = config.domain_name(name.clone());
        }
        config
    }
}

/// Never prints key material.
impl fmt::Debug for TlsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsSettings")
            .field(
                "ca",
                &if self.ca_pem.is_some() {
                    "given"
                } else {
                    "system roots"
                },
            )
            .field("client_certificate", &self.identity.is_some())
            .field("domain_name", &self.domain_name)
            .finish()
    }
}

fn read(path: &Path) -> std::io::Result<Vec<u8>> {
    std::fs::read(path)
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))
}

/// The token sent as `authorization: Bearer <token>` on every RPC: a JWT or a static API token.
#[derive(Clone)]
pub enum BearerToken {
    /// The same token on every connection.
    Static(String),
    /// Asked on every (re)connect, so a source that refreshes keeps reconnects authenticated.
    /// It is called on the connection task: it must not block for long.
    Source(Arc<dyn Fn() -> String + Send + Sync>),
}

impl BearerToken {
    /// A token source asked on every (re)connect.
    pub fn source(f: impl Fn() -> String + Send + Sync + 'static) -> Self {
        BearerToken::Source(Arc::new(f))
    }

    /// The `authorization` value for a new connection; an error when the token cannot be sent
    /// as gRPC metadata (not visible ASCII).
    pub(super) fn header(&self) -> Result<MetadataValue<Ascii>, Status> {
        let token = match self {
            BearerToken::Static(t) => t.clone(),
            BearerToken::Source(f) => f(),
        };
        let token = token.trim();
        // HTTP/2 would pass bytes above 0x7F, but gRPC ASCII metadata is visible ASCII only.
        let refused = || {
            Status::invalid_argument(
                "the bearer token holds characters gRPC metadata cannot carry (visible ASCII only)",
            )
        };
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(refused());
        }
        format!("Bearer {token}").parse().map_err(|_| refused())
    }
}

impl From<String> for BearerToken {
    fn from(token: String) -> Self {
        BearerToken::Static(token)
    }
}

impl From<&str> for BearerToken {
    fn from(token: &str) -> Self {
        BearerToken::Static(token.to_string())
    }
}

/// Never prints the token.
impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BearerToken::Static(_) => "BearerToken::Static(..)",
            BearerToken::Source(_) => "BearerToken::Source(..)",
        })
    }
}

/// Adds the connection's `authorization` header (when there is one) to every request.
#[derive(Clone)]
pub(super) struct Authorization(pub(super) Option<MetadataValue<Ascii>>);

impl Interceptor for Authorization {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        if let Some(value) = &self.0 {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn a_token_source_is_asked_for_each_header() {
        let calls = Arc::new(AtomicU32::new(0));
        let counter = Arc::clone(&calls);
        let token =
            BearerToken::source(move || format!("t{}", counter.fetch_add(1, Ordering::SeqCst) + 1));
        assert_eq!(token.header().unwrap(), "Bearer t1");
        assert_eq!(token.header().unwrap(), "Bearer t2");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_token_metadata_cannot_carry_is_refused_with_a_reason() {
        let err = BearerToken::from("caf\u{e9}\n").header().unwrap_err();
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
        assert!(err.message().contains("visible ASCII"), "{err}");
    }

    #[test]
    fn debug_output_shows_no_secret() {
        let token = format!("{:?}", BearerToken::from("s3cret"));
        assert!(!token.contains("s3cret"), "{token}");
        let tls = format!(
            "{:?}",
            TlsSettings::new().client_certificate_pem("CHAIN", "PRIVATE KEY BYTES")
        );
        assert!(!tls.contains("PRIVATE KEY BYTES"), "{tls}");
        assert!(tls.contains("client_certificate: true"), "{tls}");
    }

    #[test]
    fn a_missing_ca_file_is_named_in_the_error() {
        let err = TlsSettings::ca_file("/nonexistent/ca.pem").unwrap_err();
        assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
    }
}
