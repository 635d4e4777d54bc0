//! The generated admin password: 24 characters of `[A-Za-z0-9]` with at least one upper-case
//! letter, one lower-case letter and one digit, so it always meets Harbor's policy.

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
    let mut buffer = Zeroizing::new([0u8; 64]);
    loop {
        let mut password = Zeroizing::new(String::with_capacity(PASSWORD_LENGTH));
        while password.len() < PASSWORD_LENGTH {
            rng.fill_bytes(buffer.as_mut());
            for &byte in buffer.iter().filter(|&&byte| byte < REJECT_FROM) {
                if password.len() == PASSWORD_LENGTH {
                    break;
                }
                password.push(char::from(ALPHABET[usize::from(byte % 62)]));
            }
        }
        if meets_policy(&password) {
            return SecretString::new(std::mem::take(&mut *password));
        }
    }
}

fn meets_policy(password: &str) -> bool {
    password.bytes().any(|b| b.is_ascii_uppercase())
        && password.bytes().any(|b| b.is_ascii_lowercase())
        && password.bytes().any(|b| b.is_ascii_digit())
}

impl super::Generator {
    /// A new admin password, as [`crate::Credentials::resolve`] generates one: 24 characters
    /// of `[A-Za-z0-9]` with an upper-case letter, a lower-case letter and a digit. In
    /// reproducible mode the same seed always gives the same password.
    pub fn admin_password(&mut self) -> crate::Result<SecretString> {
        let mut rng = self.rng(super::generator::Purpose::Password, b"")?;
        Ok(generate(&mut rng))
    }
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
}
