//! The argon2id cost setting, and hashing and verifying on the calling thread under it.

use std::str::FromStr;

use argon2::password_hash::PasswordHash;
use argon2::Params;

use super::memory::{hash_in, verify_in, Memory};
use crate::domain::Password;

/// argon2id cost: memory in KiB, passes, lanes (`m=19456,t=2,p=1`, OWASP's choice).
/// Built only by its checked parser (`"m=19456,t=2,p=1".parse()`), so a value always holds
/// parameters argon2 accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Settings {
    m_cost: u32,
    t_cost: u32,
    p_cost: u32,
}

impl FromStr for Argon2Settings {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, String> {
        let (mut m, mut t, mut p) = (None, None, None);
        for part in value.split(',').map(str::trim) {
            let (name, number) = part
                .split_once('=')
                .ok_or_else(|| format!("'{part}' is not name=value"))?;
            let number: u32 = number
                .trim()
                .parse()
                .map_err(|_| format!("'{number}' is not a whole number"))?;
            match name.trim() {
                "m" => m = Some(number),
                "t" => t = Some(number),
                "p" => p = Some(number),
                other => return Err(format!("unknown argon2 parameter '{other}' (use m, t, p)")),
            }
        }
        let settings = Argon2Settings {
            m_cost: m.ok_or("m is missing")?,
            t_cost: t.ok_or("t is missing")?,
            p_cost: p.ok_or("p is missing")?,
        };
        settings.params()?;
        Ok(settings)
    }
}

impl Argon2Settings {
    fn params(&self) -> Result<Params, String> {
        Params::new(self.m_cost, self.t_cost, self.p_cost, None).map_err(|e| e.to_string())
    }

    /// Hashes on the calling thread, in memory allocated for this hash alone (the CLI).
    pub fn hash(&self, password: &Password) -> anyhow::Result<String> {
        self.hash_in(&mut Memory::default(), password)
    }

    /// Hashes in `memory`, reused from the previous hash (the pool's workers).
    pub fn hash_in(&self, memory: &mut Memory, password: &Password) -> anyhow::Result<String> {
        let params = self.params().map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
        hash_in(memory, password.expose().as_bytes(), params)
    }

    /// Whether `password` matches `stored`, and whether `stored` is weaker than these settings.
    pub fn verify(&self, password: &Password, stored: &str) -> Verification {
        self.verify_in(&mut Memory::default(), password, stored)
    }

    /// [`Self::verify`] in `memory`, reused from the previous hash.
    pub fn verify_in(
        &self,
        memory: &mut Memory,
        password: &Password,
        stored: &str,
    ) -> Verification {
        let Ok(parsed) = PasswordHash::new(stored) else {
            return Verification {
                matches: false,
                needs_rehash: false,
            };
        };
        // Verified with the algorithm and parameters the hash itself records.
        let matches = verify_in(memory, password.expose().as_bytes(), &parsed);
        let needs_rehash = matches && self.is_weaker(&parsed);
        Verification {
            matches,
            needs_rehash,
        }
    }

    fn is_weaker(&self, hash: &PasswordHash<'_>) -> bool {
        if hash.algorithm.as_str() != "argon2id" || hash.version != Some(0x13) {
            return true;
        }
        match Params::try_from(hash) {
            Ok(p) => {
                p.m_cost() < self.m_cost || p.t_cost() < self.t_cost || p.p_cost() < self.p_cost
            }
            Err(_) => true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verification {
    pub matches: bool,
    pub needs_rehash: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> Argon2Settings {
        "m=64,t=1,p=1".parse().unwrap()
    }

    fn password(raw: &str) -> Password {
        Password::presented(raw).unwrap()
    }

    #[test]
    fn settings_parse_and_reject_nonsense() {
        let s: Argon2Settings = "m=19456,t=2,p=1".parse().unwrap();
        assert_eq!(
            s,
            Argon2Settings {
                m_cost: 19456,
                t_cost: 2,
                p_cost: 1
            }
        );
        assert!("m=19456,t=2".parse::<Argon2Settings>().is_err());
        assert!("m=1,t=1,p=1".parse::<Argon2Settings>().is_err());
        assert!("x=1".parse::<Argon2Settings>().is_err());
    }

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hash = cheap()
            .hash(&password("correct horse battery staple"))
            .unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert!(
            cheap()
                .verify(&password("correct horse battery staple"), &hash)
                .matches
        );
        assert!(
            !cheap()
                .verify(&password("wrong horse battery staple"), &hash)
                .matches
        );
    }

    #[test]
    fn weaker_hashes_need_a_rehash() {
        let weak = cheap()
            .hash(&password("correct horse battery staple"))
            .unwrap();
        let stronger: Argon2Settings = "m=128,t=1,p=1".parse().unwrap();
        let verification = stronger.verify(&password("correct horse battery staple"), &weak);
        assert!(verification.matches && verification.needs_rehash);
        assert!(
            !cheap()
                .verify(&password("correct horse battery staple"), &weak)
                .needs_rehash
        );
    }
}
