//! Example programs on the Tidegate Rust SDK (`tidegate`, in `sdk-rust`): the execution adapter
//! and its venue simulator ([`exec`]), used by the `tidegate-exec` binary; the binaries
//! `tidegate-sub` and `tidegate-conformance` use the SDK directly; all three take the connection
//! flags of [`connect`] (TLS, mTLS, bearer token).

pub mod connect;
pub mod exec;

/// Logs to stderr, filtered by `RUST_LOG` when set, else at `default_level` (stdout stays for
/// the binaries' own output). Call once, at the start of `main`.
pub fn init_logging(default_level: &str) {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| default_level.into()),
        )
        .with_writer(std::io::stderr)
        .init();
}
