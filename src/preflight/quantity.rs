//! CPU counts and memory sizes as node inventories state them: plain numbers or Kubernetes
//! resource quantities (`16Gi`, `16384Mi`, `8G`, `16331636Ki`, `3500m`, `8e9`).
//!
//! Parsed exactly (as a fraction of two integers) so that `Gi` and `G` never blur: `8Gi` is
//! 8 × 2^30 bytes, `8G` is 8 × 10^9 bytes.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserialize, Deserializer, Visitor};

use crate::error::Error;

/// Longest quantity text accepted; real ones are a dozen characters.
const MAX_QUANTITY_LEN: usize = 64;

/// A number of CPUs, exact to the millicore (Kubernetes' CPU resolution).
///
/// Reads an integer (`4`), a decimal (`3.5`) or a quantity string (`"4"`, `"3500m"`).
///
/// ```
/// use harbor_edge::preflight::Cpus;
///
/// assert_eq!("3500m".parse::<Cpus>()?.millis(), 3500);
/// assert_eq!(Cpus::from_cores(4), "4".parse::<Cpus>()?);
/// # Ok::<(), harbor_edge::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cpus(u64);

impl Cpus {
    /// Whole CPUs.
    pub fn from_cores(cores: u32) -> Self {
        Self(u64::from(cores) * 1000)
    }

    /// Millicores (1000 per CPU).
    pub fn from_millis(millis: u64) -> Self {
        Self(millis)
    }

    /// Millicores (1000 per CPU).
    pub fn millis(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Cpus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, millis) = (self.0 / 1000, self.0 % 1000);
        if millis == 0 {
            write!(f, "{whole}")
        } else {
            let fraction = format!("{millis:03}");
            write!(f, "{whole}.{}", fraction.trim_end_matches('0'))
        }
    }
}

impl FromStr for Cpus {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        parse_quantity(text)
            .and_then(|exact| exact.ceil_times(1000))
            .map(Self)
            .map_err(|message| invalid(format!("CPU count `{text}`: {message}")))
    }
}

/// A memory size in bytes.
///
/// Reads an integer number of bytes or a quantity string. Binary suffixes (`Ki`, `Mi`, `Gi`,
/// `Ti`, `Pi`, `Ei`) are powers of 1024, decimal ones (`k`, `M`, `G`, `T`, `P`, `E`) powers of
/// 1000, and `e<n>` is a power of ten, as in Kubernetes.
///
/// ```
/// use harbor_edge::preflight::Memory;
///
/// assert_eq!("8Gi".parse::<Memory>()?.bytes(), 8 * 1024 * 1024 * 1024);
/// assert_eq!("8G".parse::<Memory>()?.bytes(), 8_000_000_000);
/// assert_eq!("16384Mi".parse::<Memory>()?, "16Gi".parse::<Memory>()?);
/// # Ok::<(), harbor_edge::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Memory(u64);

impl Memory {
    /// A size in bytes.
    pub fn from_bytes(bytes: u64) -> Self {
        Self(bytes)
    }

    /// The size in bytes.
    pub fn bytes(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Memory {
    /// Both units, since operators think in GiB and the pack's prerequisite is in GB.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Display only: the rules compare exact bytes, never this rounded figure.
        let gib = self.0 as f64 / f64::from(1u32 << 30);
        let gb = self.0 as f64 / 1e9;
        write!(f, "{gib:.2} GiB ({gb:.2} GB)")
    }
}

impl FromStr for Memory {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        parse_quantity(text)
            .and_then(|exact| exact.ceil_times(1))
            .map(Self)
            .map_err(|message| invalid(format!("memory size `{text}`: {message}")))
    }
}

fn invalid(message: String) -> Error {
    Error::Inventory {
        message,
        position: None,
    }
}

/// A non-negative quantity held exactly as `numerator / denominator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Exact {
    numerator: u128,
    denominator: u128,
}

impl Exact {
    /// `ceil(self × scale)` as a `u64`; Kubernetes rounds quantities up, too.
    fn ceil_times(self, scale: u128) -> Result<u64, String> {
        let scaled = self.numerator.checked_mul(scale).ok_or_else(too_large)?;
        let value = scaled.div_ceil(self.denominator);
        u64::try_from(value).map_err(|_| too_large())
    }
}

fn too_large() -> String {
    "the value is too large".to_owned()
}

/// Parses `<number><suffix>` as Kubernetes' `resource.Quantity` does, for non-negative values.
fn parse_quantity(text: &str) -> Result<Exact, String> {
    let text = text.trim();
    if text.len() > MAX_QUANTITY_LEN {
        return Err(format!("longer than {MAX_QUANTITY_LEN} characters"));
    }
    if text.starts_with('-') {
        return Err("negative".to_owned());
    }
    let text = text.strip_prefix('+').unwrap_or(text);
    let number_len = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(number_len);
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() {
        return Err("expected a number such as `16Gi`, `8G` or `4`".to_owned());
    }
    if fraction.contains('.') {
        return Err("more than one decimal point".to_owned());
    }
    let mut exact = Exact {
        numerator: digits_value(whole, fraction)?,
        denominator: pow(10, fraction.len())?,
    };
    match suffix_scale(suffix)? {
        Scale::Multiply(factor) => {
            exact.numerator = exact.numerator.checked_mul(factor).ok_or_else(too_large)?;
        }
        Scale::Divide(divisor) => {
            exact.denominator = exact
                .denominator
                .checked_mul(divisor)
                .ok_or_else(too_large)?;
        }
    }
    Ok(exact)
}

/// The integer written by the digits of `whole` followed by those of `fraction`.
fn digits_value(whole: &str, fraction: &str) -> Result<u128, String> {
    whole
        .bytes()
        .chain(fraction.bytes())
        .try_fold(0u128, |acc, digit| {
            acc.checked_mul(10)
                .and_then(|acc| acc.checked_add(u128::from(digit - b'0')))
                .ok_or_else(too_large)
        })
}

fn pow(base: u128, exponent: usize) -> Result<u128, String> {
    u32::try_from(exponent)
        .ok()
        .and_then(|exponent| base.checked_pow(exponent))
        .ok_or_else(too_large)
}

enum Scale {
    Multiply(u128),
    Divide(u128),
}

fn suffix_scale(suffix: &str) -> Result<Scale, String> {
    let scale = match suffix {
        "" => Scale::Multiply(1),
        "Ki" => Scale::Multiply(1 << 10),
        "Mi" => Scale::Multiply(1 << 20),
        "Gi" => Scale::Multiply(1 << 30),
        "Ti" => Scale::Multiply(1 << 40),
        "Pi" => Scale::Multiply(1 << 50),
        "Ei" => Scale::Multiply(1 << 60),
        "n" => Scale::Divide(1_000_000_000),
        "u" => Scale::Divide(1_000_000),
        "m" => Scale::Divide(1_000),
        "k" => Scale::Multiply(1_000),
        "M" => Scale::Multiply(1_000_000),
        "G" => Scale::Multiply(1_000_000_000),
        "T" => Scale::Multiply(1_000_000_000_000),
        "P" => Scale::Multiply(1_000_000_000_000_000),
        "E" => Scale::Multiply(1_000_000_000_000_000_000),
        _ => return exponent_scale(suffix),
    };
    Ok(scale)
}

/// `e<n>` / `E<n>`, a power of ten (`8e9`).
fn exponent_scale(suffix: &str) -> Result<Scale, String> {
    let unknown = || {
        format!(
            "unknown suffix `{suffix}`; use Ki, Mi, Gi, Ti, Pi, Ei (powers of 1024), \
             k, M, G, T, P, E (powers of 1000), m (milli) or e<n>"
        )
    };
    let exponent = suffix
        .strip_prefix(['e', 'E'])
        .ok_or_else(unknown)?
        .parse::<i32>()
        .map_err(|_| unknown())?;
    let power = pow(10, exponent.unsigned_abs() as usize)?;
    Ok(if exponent >= 0 {
        Scale::Multiply(power)
    } else {
        Scale::Divide(power)
    })
}

/// Accepts an integer, a float or a quantity string, then converts it with `FromStr`.
struct QuantityVisitor<T>(std::marker::PhantomData<T>, &'static str);

impl<T> Visitor<'_> for QuantityVisitor<T>
where
    T: FromStr<Err = Error>,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.1)
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<T, E> {
        self.visit_str(&value.to_string())
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<T, E> {
        self.visit_str(&value.to_string())
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<T, E> {
        if !value.is_finite() {
            return Err(E::custom(format!("{value} is not a number of {}", self.1)));
        }
        // `{}` prints an f64 without exponent and with the shortest exact digits.
        self.visit_str(&format!("{value}"))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
        value.parse().map_err(|error: Error| match error {
            Error::Inventory { message, .. } => E::custom(message),
            other => E::custom(other),
        })
    }
}

impl<'de> Deserialize<'de> for Cpus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(QuantityVisitor(
            std::marker::PhantomData,
            "a CPU count such as 4 or \"3500m\"",
        ))
    }
}

impl<'de> Deserialize<'de> for Memory {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(QuantityVisitor(
            std::marker::PhantomData,
            "a memory size such as \"16Gi\", \"8G\" or a number of bytes",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(text: &str) -> u64 {
        text.parse::<Memory>()
            .map(Memory::bytes)
            .unwrap_or(u64::MAX)
    }

    #[test]
    fn binary_and_decimal_suffixes_differ() {
        assert_eq!(bytes("8Gi"), 8_589_934_592);
        assert_eq!(bytes("8G"), 8_000_000_000);
        assert_eq!(bytes("16384Mi"), 17_179_869_184);
        assert_eq!(bytes("16331636Ki"), 16_723_595_264);
        assert_eq!(bytes("1k"), 1000);
        assert_eq!(bytes("1Ki"), 1024);
        assert_eq!(bytes("8589934592"), 8_589_934_592);
    }

    #[test]
    fn fractions_and_exponents_are_exact() {
        assert_eq!(bytes("7.5Gi"), 8_053_063_680);
        assert_eq!(bytes("8e9"), 8_000_000_000);
        assert_eq!(bytes("8E9"), 8_000_000_000);
        assert_eq!(bytes("1E"), 1_000_000_000_000_000_000);
        assert_eq!(bytes(".5Ki"), 512);
        // A fraction of a byte rounds up, as Kubernetes does.
        assert_eq!(bytes("1500m"), 2);
    }

    #[test]
    fn cpus_in_millicores() {
        assert_eq!("4".parse::<Cpus>().map(Cpus::millis).ok(), Some(4000));
        assert_eq!("3500m".parse::<Cpus>().map(Cpus::millis).ok(), Some(3500));
        assert_eq!("3.5".parse::<Cpus>().map(Cpus::millis).ok(), Some(3500));
        assert_eq!(Cpus::from_millis(3500).to_string(), "3.5");
        assert_eq!(Cpus::from_millis(250).to_string(), "0.25");
        assert_eq!(Cpus::from_cores(8).to_string(), "8");
    }

    #[test]
    fn malformed_quantities_are_errors() {
        for text in [
            "",
            "Gi",
            "-8Gi",
            "8GB",
            "8 Gi x",
            "1.2.3",
            "8gi",
            "e5",
            "99999999999999999999Ei",
            "1e999",
        ] {
            assert!(
                text.parse::<Memory>().is_err(),
                "{text:?} should be rejected"
            );
        }
    }
}
