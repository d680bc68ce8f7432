//! Tidegate from Rust: generated stubs, a client over the `Connect` stream, exact decimals,
//! and the pieces of the example execution adapter and subscriber CLI.

pub mod client;
pub mod decimal;
pub mod exec;
pub mod payload;
pub mod telemetry;
pub mod topic;

/// Logs to stderr, filtered by `RUST_LOG` when set, else at `default_level` (stdout stays for
/// the binaries' own output).
pub fn init_logging(default_level: &str) {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| default_level.into()),
        )
        .with_writer(std::io::stderr)
        .init();
}

/// Code generated from `proto/` at build time (see `build.rs`).
pub mod proto {
    /// `tidegate.v1`: the gateway's wire contract.
    pub mod v1 {
        tonic::include_proto!("tidegate.v1");
    }
    /// `tidegate.market.v1`: market data and order payloads.
    pub mod market {
        tonic::include_proto!("tidegate.market.v1");
    }
}
