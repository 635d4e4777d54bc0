//! How long Harbor keeps what its proxy-cache projects cached: the bootstrap Job sets each
//! project's tag retention policy to it.

use std::fmt;
use std::str::FromStr;

use crate::diagnostic::{Diagnostic, DiagnosticKind, Diagnostics};
use crate::error::{Error, Result};
use crate::path::Path;

/// The most days [`CacheRetention::days_since_last_pull`] takes: ten years. A longer rule keeps
/// everything in practice: [`CacheRetention::KEEP`] says so.
pub const MAX_CACHE_RETENTION_DAYS: u16 = 3650;

/// What the proxy-cache projects' retention policy keeps (layout
/// [`crate::node::MirrorLayout::ProxyCache`]; the `spectro-images` project is filled by
/// Palette, not a cache, and keeps Harbor's settings).
///
/// Harbor gives every new proxy-cache project a policy that keeps only what was pulled within
/// the last 7 days, applied daily. A node runs images from its own store and may not pull them
/// for weeks; once Harbor has removed them, a node added or rebuilt during an outage cannot get
/// them. The bootstrap Job therefore sets each project's policy to:
///
/// - [`CacheRetention::KEEP`] (the default): one rule that retains every artifact (`always`) and
///   no schedule, so nothing is ever removed. The registry volume only grows.
/// - [`CacheRetention::days_since_last_pull`]`(n)`: Harbor's own rule with `n` days, applied
///   daily; `7` is Harbor's default policy. Removed artifacts free space once Harbor's garbage
///   collection runs.
///
/// ```
/// use harbor_edge::render::CacheRetention;
///
/// assert_eq!(CacheRetention::default(), CacheRetention::KEEP);
/// assert_eq!("keep".parse::<CacheRetention>()?, CacheRetention::KEEP);
/// let month = "30".parse::<CacheRetention>()?;
/// assert_eq!(month.days(), Some(30));
/// assert_eq!(month, CacheRetention::days_since_last_pull(30)?);
/// assert!("0".parse::<CacheRetention>().is_err());
/// assert!(CacheRetention::days_since_last_pull(20_000).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CacheRetention(Option<u16>);

impl CacheRetention {
    /// Cached images are never removed by a schedule.
    pub const KEEP: CacheRetention = CacheRetention(None);

    /// Harbor's rule: keep what was pulled within the last `days` days (1 to
    /// [`MAX_CACHE_RETENTION_DAYS`]); anything else is [`Error::Invalid`] at
    /// `bootstrap.cacheRetentionDays`.
    pub fn days_since_last_pull(days: u32) -> Result<Self> {
        match u16::try_from(days) {
            Ok(days) if (1..=MAX_CACHE_RETENTION_DAYS).contains(&days) => Ok(Self(Some(days))),
            _ => Err(Error::Invalid(Diagnostics::one(
                Diagnostic::new(
                    DiagnosticKind::OutOfRange,
                    Path::root().key("bootstrap").key("cacheRetentionDays"),
                    format!("{days} days is not 1 to {MAX_CACHE_RETENTION_DAYS}"),
                )
                .with_hint(HINT),
            ))),
        }
    }

    /// The days of the rule, or `None` for [`CacheRetention::KEEP`].
    pub fn days(self) -> Option<u16> {
        self.0
    }
}

const HINT: &str = "write keep (cached images are never removed) or the days since its last \
                    pull after which Harbor may remove a cached image, e.g. 90";

impl fmt::Display for CacheRetention {
    /// `keep` or the number of days, as [`FromStr`] reads them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str("keep"),
            Some(days) => write!(f, "{days}"),
        }
    }
}

/// Text that is neither `keep` nor a number of days from 1 to [`MAX_CACHE_RETENTION_DAYS`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a cache retention: write keep or a number of days from 1 to {max}",
    max = MAX_CACHE_RETENTION_DAYS
)]
pub struct InvalidCacheRetention(pub String);

impl FromStr for CacheRetention {
    type Err = InvalidCacheRetention;

    /// `keep`, or the days as a decimal number (`30`).
    fn from_str(text: &str) -> std::result::Result<Self, Self::Err> {
        let invalid = || InvalidCacheRetention(text.chars().take(40).collect());
        if text == "keep" {
            return Ok(Self::KEEP);
        }
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        text.parse::<u32>()
            .ok()
            .and_then(|days| Self::days_since_last_pull(days).ok())
            .ok_or_else(invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_and_bounds_hold() {
        for text in ["keep", "1", "7", "3650"] {
            assert_eq!(text.parse::<CacheRetention>().unwrap().to_string(), text);
        }
        for text in [
            "",
            "0",
            "3651",
            "-1",
            "+7",
            "7d",
            " 7",
            "Keep",
            "99999999999",
        ] {
            assert!(text.parse::<CacheRetention>().is_err(), "{text:?}");
        }
        let error = CacheRetention::days_since_last_pull(0).unwrap_err();
        let problem = &error.problems().unwrap().as_slice()[0];
        assert_eq!(problem.path().to_string(), "bootstrap.cacheRetentionDays");
    }
}
