//! The registry's htpasswd line (`REGISTRY_HTPASSWD`): the user core and jobservice log in to
//! the registry with, and a bcrypt hash of their password.
//!
//! The hash is written `$2a$`, as Go's `x/crypto/bcrypt` (which the registry verifies with)
//! and Helm's own `htpasswd` write it. The cost is bcrypt's minimum, 4: the password is 32
//! random characters (about 190 bits), beyond any guessing whatever the cost, and the
//! registry checks the hash on every request core forwards to it, so a higher cost would only
//! slow every pull on a small edge node. The salt comes from the generator, so reproducible
//! mode gives the same line every time.
//!
//! Even at cost 4 a bcrypt check takes about a millisecond, more than a whole re-render may.
//! So the Secret carries the annotation [`DIGEST_ANNOTATION`]: a SHA-256 over the password
//! and the line that harbor-edge checked (or made). When both still match it, the pair is the
//! one already verified and bcrypt is skipped; a change to either, or to the annotation, means
//! the full check. The digest reveals nothing of a random 32-character password, and whoever
//! can read the annotation can read the Secret's data anyway.

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::REGISTRY_USER;
use super::generator::{Generator, Purpose};
use crate::error::{CredentialErrorKind, Error, Result};
use crate::secret::SecretString;

/// bcrypt cost of a generated line.
pub(crate) const BCRYPT_COST: u32 = 4;

/// Annotation of the registry credentials Secret: `sha256:<hex>` over the password and the
/// htpasswd line harbor-edge checked or made, so a later run can skip bcrypt for that very
/// pair.
pub const DIGEST_ANNOTATION: &str = "harbor-edge/htpasswd-verified";

/// `sha256:<hex>` over a versioned label, the password and the htpasswd line (each with its
/// length in front, so no two pairs share a message).
pub(crate) fn pair_digest(password: &SecretString, line: &SecretString) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"harbor-edge htpasswd v1\0");
    for part in [password.expose(), line.expose()] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    let mut text = String::with_capacity(7 + 64);
    text.push_str("sha256:");
    for byte in digest {
        text.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        text.push(char::from(b"0123456789abcdef"[usize::from(byte & 15)]));
    }
    text
}

/// `harbor_registry_user:<bcrypt of password>`, with a salt from the generator's stream.
/// `context` separates the salt of a line made again for a reused password from the first.
pub(crate) fn generate(
    generator: &mut Generator,
    password: &SecretString,
    context: &[u8],
) -> Result<SecretString> {
    use rand_core::Rng as _;
    let mut salt = Zeroizing::new([0u8; 16]);
    generator
        .rng(Purpose::RegistryHtpasswdSalt, context)?
        .fill_bytes(salt.as_mut());
    let hash = bcrypt::hash_with_salt(password.expose(), BCRYPT_COST, *salt).map_err(|_| {
        Error::credentials(
            CredentialErrorKind::Generation,
            "credentials",
            "cannot hash the registry password with bcrypt",
        )
    })?;
    let line = Zeroizing::new(format!(
        "{REGISTRY_USER}:{}",
        hash.format_for_version(bcrypt::Version::TwoA)
    ));
    Ok(SecretString::new(line.as_str()))
}

/// Checks that `line` is `harbor_registry_user:<bcrypt hash>` and that the hash verifies
/// `password`, with bcrypt unless `recorded` (the Secret's [`DIGEST_ANNOTATION`]) shows this
/// very pair was verified before. `path` names the Secret and key in errors; neither value is
/// ever quoted.
pub(crate) fn verify(
    line: &SecretString,
    password: &SecretString,
    recorded: Option<&str>,
    path: &str,
) -> Result<()> {
    if recorded == Some(pair_digest(password, line).as_str()) {
        return Ok(());
    }
    let invalid = |message: &str| {
        Error::credentials(CredentialErrorKind::InvalidExistingSecret, path, message)
    };
    let text = line.expose().trim_end_matches(['\n', '\r']);
    let Some((user, hash)) = text.split_once(':') else {
        return Err(invalid("is not an htpasswd line (`user:hash`)"));
    };
    if user != REGISTRY_USER {
        return Err(invalid(
            "names another user than harbor_registry_user, the user core logs in to the \
             registry with",
        ));
    }
    match bcrypt::verify(password.expose(), hash) {
        Ok(true) => Ok(()),
        Ok(false) => Err(Error::credentials(
            CredentialErrorKind::KeyMismatch,
            path,
            "does not match REGISTRY_PASSWD: the registry would refuse core and jobservice; \
             remove REGISTRY_HTPASSWD to make it again from the password",
        )),
        Err(_) => Err(invalid("does not hold a bcrypt hash ($2a$, $2b$ or $2y$)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_line_verifies_and_a_wrong_password_does_not() {
        let password = SecretString::new("a-registry-password-of-32-chars!");
        let mut generator = Generator::reproducible(5, None);
        let line = generate(&mut generator, &password, b"").expect("hashes");
        assert!(line.expose().starts_with("harbor_registry_user:$2a$04$"));
        assert_eq!(line.expose().len(), REGISTRY_USER.len() + 1 + 60);
        verify(&line, &password, None, "here").expect("verifies");
        let other = SecretString::new("another");
        let error = verify(&line, &other, None, "here").expect_err("mismatch");
        assert_eq!(
            error.credential_kind(),
            Some(CredentialErrorKind::KeyMismatch)
        );
        let again = generate(&mut Generator::reproducible(5, None), &password, b"").expect("hash");
        assert_eq!(again, line, "the same seed gives the same salt");
    }

    #[test]
    fn a_recorded_digest_skips_bcrypt_only_for_the_very_pair_it_names() {
        let password = SecretString::new("a-registry-password-of-32-chars!");
        let line = generate(&mut Generator::reproducible(5, None), &password, b"").expect("hash");
        let digest = pair_digest(&password, &line);
        assert!(digest.starts_with("sha256:") && digest.len() == 71);
        // Not a bcrypt hash at all: only the digest can let it pass.
        let fake = SecretString::new("harbor_registry_user:x");
        let fake_digest = pair_digest(&password, &fake);
        verify(&fake, &password, Some(&fake_digest), "here").expect("recorded pair");
        assert!(verify(&fake, &password, Some(&digest), "here").is_err());
        let other = SecretString::new("another");
        assert!(verify(&line, &other, Some(&digest), "here").is_err());
    }
}
