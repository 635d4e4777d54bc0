//! Generated secrets made of `[A-Za-z0-9]`: the admin password (24 characters with at least one
//! upper-case letter, one lower-case letter and one digit, so it always meets Harbor's policy)
//! and Harbor's internal secrets (a fixed length, no class rule).

use rand_core::Rng;
use zeroize::Zeroizing;

use crate::secret::SecretString;

/// Length of a generated password.
pub(crate) const PASSWORD_LENGTH: usize = 24;

const ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Bytes at or above this are rejected: 248 = 4 * 62, so `byte % 62` is uniform below it.
const REJECT_FROM: u8 = 248;

/// Draws a password from `rng` (a CSPRNG). Characters are uniform over the alphabet
/// (rejection sampling, no modulo bias); a draw that misses a class is thrown away whole, so
/// the result is uniform over all policy-conforming passwords.
pub(crate) fn generate(rng: &mut impl Rng) -> SecretString {
    loop {
        let password = alphanumeric(rng, PASSWORD_LENGTH);
        if meets_policy(password.expose()) {
            return password;
        }
    }
}

/// `length` characters drawn uniformly from `[A-Za-z0-9]` (rejection sampling, no modulo
/// bias): what the chart's own `randAlphaNum` makes, from our stream instead.
pub(crate) fn alphanumeric(rng: &mut impl Rng, length: usize) -> SecretString {
    let mut buffer = Zeroizing::new([0u8; 64]);
    let mut text = Zeroizing::new(String::with_capacity(length));
    while text.len() < length {
        rng.fill_bytes(buffer.as_mut());
        for &byte in buffer.iter().filter(|&&byte| byte < REJECT_FROM) {
            if text.len() == length {
                break;
            }
            text.push(char::from(ALPHABET[usize::from(byte % 62)]));
        }
    }
    SecretString::new(std::mem::take(&mut *text))
}

fn meets_policy(password: &str) -> bool {
    password.bytes().any(|b| b.is_ascii_uppercase())
        && password.bytes().any(|b| b.is_ascii_lowercase())
        && password.bytes().any(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    use super::*;

    #[test]
    fn generated_passwords_meet_the_policy() {
        let mut rng = ChaCha20Rng::from_seed([7; 32]);
        for _ in 0..200 {
            let password = generate(&mut rng);
            assert_eq!(password.expose().len(), PASSWORD_LENGTH);
            assert!(password.expose().bytes().all(|b| ALPHABET.contains(&b)));
            assert!(meets_policy(password.expose()));
        }
    }

    #[test]
    fn alphanumeric_secrets_have_the_length_asked_for() {
        let mut rng = ChaCha20Rng::from_seed([9; 32]);
        for length in [16, 32] {
            let secret = alphanumeric(&mut rng, length);
            assert_eq!(secret.expose().len(), length);
            assert!(secret.expose().bytes().all(|b| ALPHABET.contains(&b)));
        }
    }
}
