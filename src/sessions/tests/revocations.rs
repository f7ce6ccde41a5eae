//! Each way a session ends leaves the fact that ends its access tokens too.

use super::*;
use crate::revocation::Holder;

fn holder_of(logged_in: &LoggedIn, gen: i64) -> Holder {
    Holder {
        sub: logged_in.user.id,
        sid: logged_in.session.sid,
        gen,
    }
}

#[tokio::test]
async fn a_logout_revokes_the_sessions_access_tokens_until_the_last_could_expire() {
    let f = fixture(0);
    let logged_in = f.logged_in().await;
    let claims = f
        .sessions
        .verify_refresh(
            &f.ring(),
            &logged_in.pair.refresh_token,
            NOW,
            RefreshCheck::Live,
        )
        .unwrap();

    f.sessions.log_out(&claims, NOW).await.unwrap();

    let set = &f.sessions.revocations.set;
    let holder = holder_of(&logged_in, 0);
    // The last access token was issued no later than now: it expires by now + 900, and
    // is accepted up to the 30 s leeway after.
    assert!(set.revokes(&holder, NOW + 900 + 30));
    assert!(!set.revokes(&holder, NOW + 900 + 31));
    let facts = f.sessions.revocations.store.since(0, NOW).await.unwrap();
    assert_eq!(facts.len(), 1);
    assert_eq!(facts[0].until, NOW + 930);
}

#[tokio::test]
async fn logout_everywhere_revokes_every_older_generation_of_the_user() {
    let f = fixture(0);
    let logged_in = f.logged_in().await;

    f.sessions
        .log_out_everywhere(logged_in.user.id, NOW)
        .await
        .unwrap();

    let set = &f.sessions.revocations.set;
    assert!(set.revokes(&holder_of(&logged_in, 0), NOW));
    let other_session = Holder {
        sid: uuid::Uuid::new_v4(),
        ..holder_of(&logged_in, 0)
    };
    assert!(set.revokes(&other_session, NOW));
    assert!(
        !set.revokes(&holder_of(&logged_in, 1), NOW),
        "the next login's tokens"
    );
}

#[tokio::test]
async fn a_replay_revokes_the_sessions_access_tokens() {
    let f = fixture(0);
    let logged_in = f.logged_in().await;
    f.refresh(&logged_in.pair.refresh_token, NOW + 1)
        .await
        .unwrap();

    let replay = f.refresh(&logged_in.pair.refresh_token, NOW + 2).await;

    assert!(matches!(replay, Err(SessionError::InvalidGrant)));
    assert!(f
        .sessions
        .revocations
        .set
        .revokes(&holder_of(&logged_in, 0), NOW + 2));
}

#[tokio::test]
async fn a_rotation_revokes_nothing() {
    let f = fixture(0);
    let logged_in = f.logged_in().await;
    f.refresh(&logged_in.pair.refresh_token, NOW + 1)
        .await
        .unwrap();
    assert!(f.sessions.revocations.set.is_empty());
}
