//! The example execution adapter: fill simulation ([`sim`]) and its gateway runtime
//! ([`adapter`]).

pub mod adapter;
pub mod sim;

pub use adapter::{AdapterConfig, ExecAdapter, Stats};
pub use sim::{OrderEvent, SimConfig, Simulator};
