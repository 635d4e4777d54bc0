//! Reading YAML, with one parser (yaml-rust2) for every text harbor-edge reads: input
//! documents, macros files, existing Secrets, inventories, and rendered documents read back.
//!
//! [`read_one`] and [`Reader`] build a tree of [`Node`]s that know their positions, in one pass
//! over the parser's events, and [`from_node`] reads a `Deserialize` type from a tree; the
//! self-check of rendered documents walks the events itself without building a tree. Both
//! resolve plain scalars the same way ([`resolve_plain`]: YAML 1.2's core schema), and neither
//! quotes the text in an error, which could hold a secret.

mod de;
mod node;
mod read;
mod scalar;

pub(crate) use de::from_node;
pub(crate) use node::{Node, Value, key_text};
pub(crate) use read::{DuplicateKey, ReadError, ReadLimits, Reader, read_one, stream_parts};
pub(crate) use scalar::{Plain, resolve_plain, scalar_is, scalar_json};
