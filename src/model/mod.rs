//! The parameters: the input shape ([`params`]) and the validated configuration ([`config`]).

pub mod config;
mod effective;
pub mod params;

pub use config::*;
pub use effective::EffectiveParameters;
