//! `authd keys prune --older-than D [--dry-run]`: removes old key files, and for each one it
//! keeps says why (see `keys::retention`).

use anyhow::Context;

use super::rotation;
use crate::cli::format::{relative, rfc3339, span};
use crate::keys::retention::{
    plan, FileVerdict, KeepReason, KeyFileEntry, RetentionRules, Verdict,
};
use crate::keys::{read_key_files, KeyRing};
use crate::settings::Settings;
use crate::tokens::TokenPolicy;

pub fn run(settings: &Settings, older_than: u64, dry_run: bool) -> anyhow::Result<()> {
    let dir = &settings.keys.dir;
    let files = read_key_files(dir).context("AUTHD_KEYS_DIR")?;
    let entries: Vec<KeyFileEntry> = files.iter().map(KeyFileEntry::from).collect();
    let ring =
        KeyRing::from_files(dir, files, rotation(&settings.keys)).context("AUTHD_KEYS_DIR")?;
    let now = chrono::Utc::now().timestamp();
    let rules = rules(settings, older_than);
    let mut verdicts = plan(&entries, &ring.schedule(now), &rules, now);
    verdicts.sort_by(|a, b| a.file.path.cmp(&b.file.path));
    let outcomes: Vec<Outcome> = verdicts
        .iter()
        .map(|verdict| apply(verdict, dry_run, &rules, now))
        .collect();
    let count = |outcome| outcomes.iter().filter(|o| **o == outcome).count();
    let (removed, failed) = (count(Outcome::Removed), count(Outcome::Failed));
    summarize(dry_run, removed, count(Outcome::Kept));
    anyhow::ensure!(failed == 0, "could not remove {failed} key file(s)");
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Removed,
    Kept,
    Failed,
}

/// Carries out one verdict (a dry run removes nothing) and says what became of the file.
fn apply(verdict: &FileVerdict, dry_run: bool, rules: &RetentionRules, now: i64) -> Outcome {
    let path = verdict.file.path.display();
    match &verdict.verdict {
        Verdict::Remove if dry_run => {
            println!("would remove  {path}");
            Outcome::Removed
        }
        Verdict::Remove => match std::fs::remove_file(&verdict.file.path) {
            Ok(()) => {
                println!("removed       {path}");
                Outcome::Removed
            }
            Err(err) => {
                eprintln!("authd: could not remove {path}: {err}");
                Outcome::Failed
            }
        },
        Verdict::Recent { published_at } => {
            println!(
                "kept          {path}: {}",
                recent(*published_at, rules, now)
            );
            Outcome::Kept
        }
        Verdict::Keep(reason) => {
            println!("kept          {path}: {}", why(reason, now));
            Outcome::Kept
        }
    }
}

fn summarize(dry_run: bool, removed: usize, kept: usize) {
    let verb = if dry_run { "would remove" } else { "removed" };
    eprintln!("{verb} {removed} key file(s), kept {kept}");
    if removed > 0 && !dry_run {
        eprintln!("running servers drop them at their next reload (AUTHD_KEYS_RELOAD, or SIGHUP)");
    }
}

fn recent(published_at: i64, rules: &RetentionRules, now: i64) -> String {
    format!(
        "published {} ({}), not older than {}",
        rfc3339(published_at),
        relative(published_at, now),
        span(rules.older_than)
    )
}

/// The settings' token lifetimes and publication wait, and `--older-than`.
fn rules(settings: &Settings, older_than: u64) -> RetentionRules {
    let policy = TokenPolicy::new(&settings.tokens);
    let wait = rotation(&settings.keys).wait().as_secs();
    RetentionRules {
        older_than: i64::try_from(older_than).unwrap_or(i64::MAX),
        token_lifetime: policy
            .session_ttl
            .max(policy.refresh_ttl)
            .max(policy.access_ttl)
            .saturating_add(policy.leeway),
        publication_wait: i64::try_from(wait).unwrap_or(i64::MAX),
    }
}

fn why(reason: &KeepReason, now: i64) -> String {
    match reason {
        KeepReason::SignsNow => "the signing key".into(),
        KeepReason::SignsNext { from } => format!(
            "signs next, from {} ({})",
            rfc3339(*from),
            relative(*from, now)
        ),
        KeepReason::SignsLater { from } => format!("signs from {}", rfc3339(*from)),
        KeepReason::MayVerifyLiveTokens {
            stopped_signing: Some(stopped),
            until,
        } => format!(
            "may verify live tokens: stopped signing {}, its tokens may live until {} ({})",
            rfc3339(*stopped),
            rfc3339(*until),
            relative(*until, now)
        ),
        KeepReason::MayVerifyLiveTokens {
            stopped_signing: None,
            until,
        } => format!(
            "may verify live tokens: by its file times it could have signed, and such tokens \
             may live until {} ({})",
            rfc3339(*until),
            relative(*until, now)
        ),
        KeepReason::PublicOnly => "a public key only: its private half signs elsewhere, so \
             authd cannot tell when its tokens expire; remove it by hand"
            .into(),
    }
}
