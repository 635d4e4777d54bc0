//! The parameters: their declarations ([`parameters`], one per parameter) and the validated
//! configuration ([`config`]).

mod config;
mod effective;
pub(crate) mod parameters;
mod values;

pub use config::*;
pub use effective::EffectiveParameters;
pub use parameters::Metrics;
pub use values::*;
