//! The parameters: their declarations (one per parameter, in `parameters.rs`, from which the
//! schema, the validation, the defaults and the README's table are derived) and the validated
//! configuration ([`Config`]).

mod config;
mod effective;
pub(crate) mod parameters;
mod values;

pub use config::*;
pub use effective::EffectiveParameters;
pub use parameters::Metrics;
pub use values::*;
