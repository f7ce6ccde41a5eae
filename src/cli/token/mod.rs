//! `authd token inspect TOKEN|-`: decodes a token (never printing it or its signature
//! back), verifies it against the local keys and settings as of now, and says exactly why
//! it is rejected. Exit 0 valid, 1 rejected, 2 when it could not be checked.

mod decode;
mod explain;

use std::io::Read;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use serde_json::{Map, Value};

use super::format::{relative, rfc3339};
use crate::clock::SystemClock;
use crate::keys::KeyStore;
use crate::revocation::RevocationSet;
use crate::settings::Settings;
use crate::store::connect_stores;
use crate::tokens::{
    verify_refresh_token, AccessTokenVerifier, RefreshCheck, StalePolicy, TokenError, TokenPolicy,
    MAX_TOKEN_BYTES,
};
use decode::Decoded;
use explain::Inspection;

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Decode a token, verify it against the local keys and settings, say why it is rejected.
    Inspect {
        /// The token, or `-` to read it from standard input (which keeps it out of `ps`).
        token: String,
        /// Check it as this kind (default: as its `typ` says).
        #[arg(long = "as", value_enum)]
        kind: Option<TokenKind>,
    },
}

/// The two kinds of token authd issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TokenKind {
    Access,
    Refresh,
}

/// The exit code: 0 valid, 1 rejected, 2 not checked (no token read, no keys).
pub fn run(command: TokenCommand, settings: &Settings) -> ExitCode {
    let TokenCommand::Inspect { token, kind } = command;
    match inspect(&token, kind, settings) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(reason)) => {
            eprintln!("authd: token rejected: {reason}");
            ExitCode::from(1)
        }
        Err(err) => {
            eprintln!("authd: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// `Ok(Err(reason))` for a token that was checked and rejected.
fn inspect(
    argument: &str,
    kind: Option<TokenKind>,
    settings: &Settings,
) -> anyhow::Result<Result<(), String>> {
    let token = read_token(argument)?;
    let store = KeyStore::from_settings(&settings.keys).context("AUTHD_KEYS_DIR")?;
    let policy = TokenPolicy::new(&settings.tokens);
    let now = chrono::Utc::now().timestamp();
    let decoded = Decoded::of(&token);
    let kind = kind.unwrap_or(match decoded.header_str("typ") {
        Some("rt+jwt") => TokenKind::Refresh,
        _ => TokenKind::Access,
    });
    print_decoded(&decoded, now);
    let verified = match kind {
        TokenKind::Access => {
            let mut verifier = AccessTokenVerifier::new(
                store.clone(),
                &policy.issuer,
                &policy.audience,
                policy.leeway,
                Arc::new(SystemClock),
            );
            match revocation_facts(settings, now) {
                Ok(set) => {
                    verifier = verifier.with_revocations(set, StalePolicy::KeepVerifying);
                }
                Err(why) => eprintln!("note: revocation facts not checked: {why}"),
            }
            verifier.verify_at(&token, now).map(|_| ())
        }
        TokenKind::Refresh => {
            let ring = store.current();
            verify_refresh_token(&ring, &policy, &token, now, RefreshCheck::Live).map(|_| ())
        }
    };
    let ring = store.current();
    let inspection = Inspection {
        kind,
        token_len: token.len(),
        decoded: &decoded,
        ring: &ring,
        policy: &policy,
        now,
    };
    Ok(verified
        .map(|()| println!("{}", valid(kind, &decoded, now)))
        .map_err(|err: TokenError| inspection.reason(&err)))
}

/// The live revocation facts of the store the running servers use (`AUTHD_REDIS_URL`, else
/// the database), or why they could not be read within a few seconds.
fn revocation_facts(settings: &Settings, now: i64) -> Result<Arc<RevocationSet>, String> {
    let runtime = super::runtime().map_err(|e| format!("{e:#}"))?;
    runtime.block_on(async {
        let load = async {
            let stores = connect_stores(&settings.database, &settings.redis).await?;
            let facts = stores.revocations.since(0, now).await?;
            let set = RevocationSet::new();
            for fact in facts {
                set.apply(fact, now);
            }
            anyhow::Ok(Arc::new(set))
        };
        match tokio::time::timeout(Duration::from_secs(5), load).await {
            Ok(loaded) => loaded.map_err(|e| format!("{e:#}")),
            Err(_) => Err("the store did not answer within 5 s".to_owned()),
        }
    })
}

/// The argument, or standard input for `-`, without surrounding white space. Reading
/// stops a little past the size limit: anything longer is rejected as too long anyway.
fn read_token(argument: &str) -> anyhow::Result<String> {
    if argument != "-" {
        return Ok(argument.trim().to_owned());
    }
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(4 * MAX_TOKEN_BYTES as u64)
        .read_to_end(&mut bytes)
        .context("reading the token from standard input")?;
    let text = String::from_utf8(bytes).context("the token on standard input is not text")?;
    Ok(text.trim().to_owned())
}

/// The header and the claims, pretty, with the times also in RFC 3339.
fn print_decoded(decoded: &Decoded, now: i64) {
    let pretty = |map: &Map<String, Value>| {
        serde_json::to_string_pretty(map).unwrap_or_else(|_| String::from("{}"))
    };
    if let Some(header) = &decoded.header {
        println!("header {}", pretty(header));
    }
    let Some(claims) = &decoded.claims else {
        return;
    };
    println!("claims {}", pretty(claims));
    for name in ["iat", "nbf", "exp", "auth_time"] {
        if let Some(at) = decoded.claim_i64(name) {
            println!("{name:<9} {} ({})", rfc3339(at), relative(at, now));
        }
    }
}

fn valid(kind: TokenKind, decoded: &Decoded, now: i64) -> String {
    let expires = decoded
        .claim_i64("exp")
        .map(|exp| format!("expires {} ({})", rfc3339(exp), relative(exp, now)))
        .unwrap_or_default();
    match kind {
        TokenKind::Access => format!(
            "valid access token: sub {}, email {}, roles {}, {expires}",
            decoded.claim_text("sub"),
            decoded.claim_text("email"),
            decoded.claim_text("roles"),
        ),
        TokenKind::Refresh => format!(
            "valid refresh token by its signature and times: sub {}, session {}, {expires}; \
             not checked: whether its session was revoked or its user changed (the store's)",
            decoded.claim_text("sub"),
            decoded.claim_text("sid"),
        ),
    }
}
