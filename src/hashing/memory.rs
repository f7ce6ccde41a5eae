//! argon2's working memory, kept by each pool thread from one hash to the next: at the
//! default cost a hash works in 19 MiB, and allocating (and faulting in) that block for
//! every hash costs about a quarter of the hash itself.

use argon2::password_hash::{Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// Blocks reused across hashes; grows to the largest cost seen, never shrinks.
#[derive(Default)]
pub struct Memory(Vec<Block>);

impl Memory {
    fn blocks(&mut self, params: &Params) -> &mut [Block] {
        let needed = params.block_count();
        if self.0.len() < needed {
            self.0.resize(needed, Block::default());
        }
        &mut self.0[..needed]
    }
}

/// A PHC string (`$argon2id$v=19$m=…`) of `password` under `params`, with a fresh salt.
pub(super) fn hash_in(
    memory: &mut Memory,
    password: &[u8],
    params: Params,
) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    let salt = Salt::from(&salt);
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let output = compute(memory, &argon2, password, salt, Params::DEFAULT_OUTPUT_LEN)
        .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params)
            .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?,
        salt: Some(salt),
        hash: Some(output),
    };
    Ok(hash.to_string())
}

/// Whether `password` hashes to `stored` under the algorithm, version and parameters that
/// `stored` records; the comparison is constant-time (`Output`'s equality).
pub(super) fn verify_in(memory: &mut Memory, password: &[u8], stored: &PasswordHash<'_>) -> bool {
    recompute(memory, password, stored).unwrap_or(false)
}

fn recompute(
    memory: &mut Memory,
    password: &[u8],
    stored: &PasswordHash<'_>,
) -> Result<bool, argon2::password_hash::Error> {
    let algorithm = Algorithm::try_from(stored.algorithm)?;
    let version = stored.version.map(Version::try_from).transpose()?;
    let params = Params::try_from(stored)?;
    let (Some(salt), Some(expected)) = (stored.salt, stored.hash) else {
        return Ok(false);
    };
    let argon2 = Argon2::new(algorithm, version.unwrap_or_default(), params);
    let computed = compute(memory, &argon2, password, salt, expected.len())?;
    Ok(computed == expected)
}

fn compute(
    memory: &mut Memory,
    argon2: &Argon2<'_>,
    password: &[u8],
    salt: Salt<'_>,
    output_len: usize,
) -> Result<Output, argon2::password_hash::Error> {
    let mut salt_bytes = [0u8; Salt::MAX_LENGTH];
    let salt = salt.decode_b64(&mut salt_bytes)?;
    let blocks = memory.blocks(argon2.params());
    Output::init_with(output_len, |out| {
        Ok(argon2.hash_password_into_with_memory(password, salt, out, &mut *blocks)?)
    })
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};

    use super::*;

    fn params(m: u32) -> Params {
        Params::new(m, 1, 1, None).unwrap()
    }

    #[test]
    fn its_hashes_are_the_argon2_crates_own_and_the_reverse() {
        let mut memory = Memory::default();
        let ours = hash_in(&mut memory, b"correct horse", params(64)).unwrap();
        assert!(ours.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default()
            .verify_password(b"correct horse", &parsed)
            .is_ok());

        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let theirs = Argon2::new(Algorithm::Argon2id, Version::V0x13, params(128))
            .hash_password(b"correct horse", &salt)
            .unwrap();
        assert!(verify_in(&mut memory, b"correct horse", &theirs));
        assert!(!verify_in(&mut memory, b"correct horsf", &theirs));
    }

    #[test]
    fn one_memory_serves_hashes_of_any_cost_in_any_order() {
        let mut memory = Memory::default();
        let big = hash_in(&mut memory, b"pw", params(256)).unwrap();
        let small = hash_in(&mut memory, b"pw", params(32)).unwrap();
        assert_eq!(memory.0.len(), 256);
        for stored in [&small, &big, &small] {
            let parsed = PasswordHash::new(stored).unwrap();
            assert!(verify_in(&mut memory, b"pw", &parsed));
            assert!(!verify_in(&mut memory, b"px", &parsed));
        }
    }

    #[test]
    fn argon2i_and_other_output_lengths_verify_by_what_the_hash_records() {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let custom = Params::new(64, 2, 1, Some(16)).unwrap();
        let stored = Argon2::new(Algorithm::Argon2i, Version::V0x10, custom)
            .hash_password(b"legacy", &salt)
            .unwrap();
        let mut memory = Memory::default();
        assert!(verify_in(&mut memory, b"legacy", &stored));
        assert!(!verify_in(&mut memory, b"legacy!", &stored));
    }

    #[test]
    fn a_hash_without_its_output_never_matches() {
        let stored = PasswordHash::new("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ").unwrap();
        assert!(!verify_in(&mut Memory::default(), b"", &stored));
    }
}
