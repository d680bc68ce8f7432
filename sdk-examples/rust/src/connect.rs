//! The connection flags every example binary shares: TLS (`--ca`, and `--cert`/`--key` for mTLS)
//! and a bearer token read from a file (`--token-file`), applied to a [`ClientConfig`].

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args;
use tidegate::client::{BearerToken, ClientConfig, TlsSettings};

/// How to reach a gateway that has TLS and authentication on (see docs/security.md). Without
/// any of these flags the connection is plaintext and anonymous.
#[derive(Args, Debug, Clone, Default)]
pub struct ConnectFlags {
    /// Connect over TLS, trusting this CA (PEM) for the gateway's certificate
    #[arg(long, value_name = "PEM")]
    pub ca: Option<PathBuf>,
    /// Client certificate chain (PEM, leaf first) for mTLS; needs --key (and implies TLS)
    #[arg(long, value_name = "PEM", requires = "key")]
    pub cert: Option<PathBuf>,
    /// Private key of --cert (PEM)
    #[arg(long, value_name = "PEM", requires = "cert")]
    pub key: Option<PathBuf>,
    /// Send the token in this file as `authorization: Bearer <token>`; read again on every
    /// (re)connect, so a rotated file is picked up
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
}

impl ConnectFlags {
    /// `config` with these settings; an error naming the flag whose file cannot be used.
    pub fn apply(&self, mut config: ClientConfig) -> anyhow::Result<ClientConfig> {
        if self.ca.is_some() || self.cert.is_some() {
            let mut tls = match &self.ca {
                Some(ca) => TlsSettings::ca_file(ca).context("--ca")?,
                None => TlsSettings::new(),
            };
            if let (Some(cert), Some(key)) = (&self.cert, &self.key) {
                tls = tls
                    .client_certificate_files(cert, key)
                    .context("--cert/--key")?;
            }
            config = config.tls(tls);
        }
        if let Some(path) = &self.token_file {
            let first = read_token(path).context("--token-file")?;
            if first.is_empty() {
                bail!("--token-file: {} is empty", path.display());
            }
            let path = path.clone();
            // Read on every (re)connect; a file that went missing keeps the last token read.
            let last = std::sync::Mutex::new(first);
            config = config.bearer_token(BearerToken::source(move || {
                let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
                match read_token(&path) {
                    Ok(t) if !t.is_empty() => *last = t,
                    Ok(_) => tracing::warn!(file = %path.display(), "token file is empty; sending the last token read"),
                    Err(e) => tracing::warn!(error = %e, "token file unreadable; sending the last token read"),
                }
                last.clone()
            }));
        }
        Ok(config)
    }
}

fn read_token(path: &std::path::Path) -> anyhow::Result<String> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(text.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_ca_file_names_the_flag() {
        let flags = ConnectFlags {
            ca: Some("/nonexistent/ca.pem".into()),
            ..Default::default()
        };
        let err = flags
            .apply(ClientConfig::new("127.0.0.1:1", "t"))
            .unwrap_err();
        assert!(format!("{err:#}").contains("--ca"), "{err:#}");
    }

    #[test]
    fn an_empty_token_file_is_refused() {
        let dir = std::env::temp_dir().join(format!("tg-token-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("token");
        std::fs::write(&file, "\n").unwrap();
        let flags = ConnectFlags {
            token_file: Some(file),
            ..Default::default()
        };
        let err = flags
            .apply(ClientConfig::new("127.0.0.1:1", "t"))
            .unwrap_err();
        assert!(format!("{err:#}").contains("is empty"), "{err:#}");
    }
}
