//! Where randomness and time come from (the operating system, or a seed), and the [`Generator`]
//! that draws credentials from them.

use std::fmt;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

use super::password;
use crate::error::{CredentialErrorKind, Error, Result};
use crate::secret::SecretString;

/// Validity start of reproducible mode when none is given: 2025-01-01T00:00:00Z.
const DEFAULT_REPRODUCIBLE_START: OffsetDateTime =
    match time::Date::from_calendar_date(2025, time::Month::January, 1) {
        Ok(date) => date.midnight().assume_utc(),
        // Evaluated at compile time: a wrong date fails the build, not a run.
        Err(_) => panic!("2025-01-01 is a valid date"),
    };

/// Back-dating in system mode, so a node whose clock runs a little behind accepts a
/// certificate made a moment ago.
const CLOCK_SKEW: Duration = Duration::minutes(1);

/// What a random stream is for. Each purpose has its own stream, so in reproducible mode the
/// password does not change when, say, the certificates are provided instead of generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// The admin password.
    Password,
    /// The CA's private key.
    CaKey,
    /// The CA certificate's serial number.
    CaSerial,
    /// The server certificate's private key.
    ServerKey,
    /// The server certificate's serial number.
    ServerSerial,
    /// Harbor's `secretKey`, the key core encrypts stored credentials with.
    SecretKey,
    /// Core's XSRF (CSRF) key.
    XsrfKey,
    /// `core.secret`, which core, jobservice and the registry controller authenticate with.
    CoreSecret,
    /// The jobservice secret.
    JobserviceSecret,
    /// The registry's HTTP secret.
    RegistryHttpSecret,
    /// The password core and jobservice use with the registry.
    RegistryPassword,
    /// The bcrypt salt of the registry's htpasswd line.
    RegistryHtpasswdSalt,
    /// The internal database's password.
    DatabasePassword,
    /// The RSA key core signs registry tokens with.
    TokenKey,
    /// The token certificate's serial number.
    TokenSerial,
    /// The secret of the nodes' pull-only robot (Palette layout).
    RobotSecret,
}

impl Purpose {
    fn label(self) -> &'static str {
        match self {
            Purpose::Password => "password",
            Purpose::CaKey => "ca-key",
            Purpose::CaSerial => "ca-serial",
            Purpose::ServerKey => "server-key",
            Purpose::ServerSerial => "server-serial",
            Purpose::SecretKey => "secret-key",
            Purpose::XsrfKey => "xsrf-key",
            Purpose::CoreSecret => "core-secret",
            Purpose::JobserviceSecret => "jobservice-secret",
            Purpose::RegistryHttpSecret => "registry-http-secret",
            Purpose::RegistryPassword => "registry-password",
            Purpose::RegistryHtpasswdSalt => "registry-htpasswd-salt",
            Purpose::DatabasePassword => "database-password",
            Purpose::TokenKey => "token-key",
            Purpose::TokenSerial => "token-serial",
            Purpose::RobotSecret => "robot-secret",
        }
    }
}

/// A point in time, UTC, to the second: a certificate validity start, or the time
/// certificates are checked against.
///
/// ```
/// use harbor_edge::Timestamp;
///
/// let start = Timestamp::parse_rfc3339("2025-01-01T00:00:00Z").expect("RFC 3339");
/// assert_eq!(start, Timestamp::from_unix_seconds(1_735_689_600).expect("in range"));
/// assert_eq!(start.to_string(), "2025-01-01T00:00:00Z");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// The time `seconds` after 1970-01-01T00:00:00Z (before it when negative); `None` outside
    /// the years -9999 to 9999.
    pub fn from_unix_seconds(seconds: i64) -> Option<Self> {
        OffsetDateTime::from_unix_timestamp(seconds).ok().map(Self)
    }

    /// An RFC 3339 date and time, e.g. `2025-01-01T00:00:00Z`.
    pub fn parse_rfc3339(text: &str) -> std::result::Result<Self, TimestampError> {
        OffsetDateTime::parse(text, &Rfc3339)
            .map(|time| Self(time.to_offset(time::UtcOffset::UTC)))
            .map_err(|_| TimestampError)
    }

    /// The system clock's time.
    pub fn now() -> Self {
        Self(OffsetDateTime::now_utc())
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn unix_seconds(self) -> i64 {
        self.0.unix_timestamp()
    }

    /// This time moved by `days` (earlier when negative); `None` outside the years -9999 to
    /// 9999.
    pub fn plus_days(self, days: i64) -> Option<Self> {
        self.0.checked_add(Duration::days(days)).map(Self)
    }

    pub(crate) fn time(self) -> OffsetDateTime {
        self.0
    }
}

/// RFC 3339, as `--not-before` takes it.
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.format(&Rfc3339) {
            Ok(text) => f.write_str(&text),
            Err(_) => write!(f, "{} seconds after the Unix epoch", self.unix_seconds()),
        }
    }
}

/// A text that is not an RFC 3339 date and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimestampError;

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not an RFC 3339 date and time such as 2025-01-01T00:00:00Z")
    }
}

impl std::error::Error for TimestampError {}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    System,
    Reproducible {
        seed: u64,
        not_before: OffsetDateTime,
    },
}

/// The source of randomness and time for generated credentials.
///
/// - [`Generator::system`]: keys, serial numbers and passwords from ChaCha20 streams freshly
///   seeded from the operating system's CSPRNG; certificates valid from now (minus a minute for
///   clock skew).
/// - [`Generator::reproducible`]: every stream derived from a seed and its purpose, signatures
///   deterministic (RFC 6979), validity from a fixed start: the same seed gives the same bytes
///   on every run and machine. Anyone who knows the seed can derive the keys and the password,
///   so use it for tests, snapshots and build pipelines whose output is itself kept secret.
///
/// `Debug` shows the mode, never the seed.
#[derive(Clone)]
pub struct Generator {
    mode: Mode,
    check_time: Option<OffsetDateTime>,
}

impl Generator {
    /// OS randomness and the current time.
    pub fn system() -> Self {
        Self {
            mode: Mode::System,
            check_time: None,
        }
    }

    /// Reproducible output from `seed`; certificates valid from `not_before`, by default
    /// 2025-01-01T00:00:00Z.
    pub fn reproducible(seed: u64, not_before: Option<Timestamp>) -> Self {
        Self {
            mode: Mode::Reproducible {
                seed,
                not_before: not_before.map_or(DEFAULT_REPRODUCIBLE_START, Timestamp::time),
            },
            check_time: None,
        }
    }

    /// Checks provided and existing certificates ("valid now", "expires within 30 days")
    /// against `now` instead of the system clock. For tests and for planning ahead.
    #[must_use]
    pub fn with_check_time(mut self, now: Timestamp) -> Self {
        self.check_time = Some(now.time());
        self
    }

    /// True for [`Generator::reproducible`].
    pub fn is_reproducible(&self) -> bool {
        matches!(self.mode, Mode::Reproducible { .. })
    }

    /// The validity start of certificates made now.
    pub(crate) fn validity_start(&self) -> OffsetDateTime {
        match self.mode {
            Mode::System => OffsetDateTime::now_utc() - CLOCK_SKEW,
            Mode::Reproducible { not_before, .. } => not_before,
        }
    }

    /// The time certificates are checked against: the system clock unless
    /// [`Generator::with_check_time`] set one.
    pub(crate) fn check_time(&self) -> OffsetDateTime {
        self.check_time.unwrap_or_else(OffsetDateTime::now_utc)
    }

    /// A new admin password, as [`crate::Credentials::resolve`] generates one: 24 characters
    /// of `[A-Za-z0-9]` with an upper-case letter, a lower-case letter and a digit. In
    /// reproducible mode the same seed always gives the same password.
    pub fn admin_password(&mut self) -> Result<SecretString> {
        self.admin_password_for(b"")
    }

    /// [`Generator::admin_password`] from the stream `context` names (a rotation names what it
    /// replaces, so it never repeats the first password under the same seed).
    pub(crate) fn admin_password_for(&mut self, context: &[u8]) -> Result<SecretString> {
        let mut rng = self.rng(Purpose::Password, context)?;
        Ok(password::generate(&mut rng))
    }

    /// A CSPRNG stream for `purpose`. `context` tells apart two streams of the same purpose
    /// (e.g. a reissue names the certificate it replaces, so its serial number differs from
    /// the original's even under the same seed).
    pub(crate) fn rng(&mut self, purpose: Purpose, context: &[u8]) -> Result<ChaCha20Rng> {
        let mut seed = Zeroizing::new([0u8; 32]);
        match self.mode {
            Mode::System => getrandom::fill(seed.as_mut()).map_err(|error| {
                Error::credentials(
                    CredentialErrorKind::Generation,
                    "credentials",
                    format!("the operating system gave no randomness: {error}"),
                )
            })?,
            Mode::Reproducible {
                seed: user_seed, ..
            } => {
                // Domain-separated derivation: a versioned prefix, the purpose, the context,
                // then the seed. Length prefixes keep (label, context) pairs unambiguous.
                let mut hasher = Sha256::new();
                hasher.update(b"harbor-edge credentials v1\0");
                for part in [purpose.label().as_bytes(), context] {
                    hasher.update((part.len() as u64).to_be_bytes());
                    hasher.update(part);
                }
                hasher.update(user_seed.to_be_bytes());
                seed.copy_from_slice(&hasher.finalize());
            }
        }
        Ok(ChaCha20Rng::from_seed(*seed))
    }
}

impl fmt::Debug for Generator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.mode {
            Mode::System => f.write_str("Generator::System"),
            Mode::Reproducible { not_before, .. } => f
                .debug_struct("Generator::Reproducible")
                .field("seed", &crate::secret::REDACTED)
                .field("not_before", &not_before)
                .finish(),
        }
    }
}
