//! Tidegate from Rust: the generated stubs of the contract, a client over the `Connect` stream,
//! order books kept from a subscription ([`book`]), exact decimals, topic names, payload helpers
//! and OpenTelemetry context propagation.
//!
//! The library logs with `tracing` and installs no subscriber; errors are the crate's own
//! (`thiserror`) types. Example programs built on it live in `sdk-examples/rust`.

pub mod book;
pub mod client;
pub mod decimal;
pub mod payload;
pub mod telemetry;
pub mod topic;

/// Code generated from `proto/` at build time (see `build.rs`).
pub mod proto {
    /// `tidegate.v1`: the gateway's wire contract.
    pub mod v1 {
        tonic::include_proto!("tidegate.v1");
    }
    /// `tidegate.market.v1`: market data and order payloads, also re-exported as `proto::market`.
    pub mod market {
        /// The package's own module, where the generated `tidegate.v1` code refers to it.
        pub mod v1 {
            tonic::include_proto!("tidegate.market.v1");
        }
        pub use v1::*;
    }
}
