//! Tidegate from Rust: the generated stubs of the contract, a client over the `Connect` stream,
//! exact decimals, topic names, payload helpers and OpenTelemetry context propagation.
//!
//! The library logs with `tracing` and installs no subscriber; errors are the crate's own
//! (`thiserror`) types. Example programs built on it live in `sdk-examples/rust`.

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
    /// `tidegate.market.v1`: market data and order payloads.
    pub mod market {
        tonic::include_proto!("tidegate.market.v1");
        /// This module again under its package's path (`tidegate.market.v1`), the path by
        /// which code generated for `tidegate.v1` names market types (e.g. `RegimeChange`).
        #[doc(hidden)]
        pub mod v1 {
            pub use super::*;
        }
    }
}
