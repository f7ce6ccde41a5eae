//! CSRF tokens: a MAC of the session id, checked by double submit (echo equals cookie, and
//! the value is the token of the session).

use super::*;

#[test]
fn a_csrf_token_verifies_for_its_session_only() {
    let fixture = fixture();
    let ring = fixture.store.current();
    let (sid, other) = (Uuid::new_v4(), Uuid::new_v4());

    let token = issue_csrf_token(&ring, sid, NOW).unwrap();

    assert!(token.starts_with(&format!("{}.", fixture.kid)), "{token}");
    assert!(verify_csrf_token(&ring, sid, &token));
    assert!(!verify_csrf_token(&ring, other, &token));
    let tag = token.split_once('.').unwrap().1;
    for bad in [tag.to_owned(), format!("nope.{tag}"), format!("{token}!")] {
        assert!(!verify_csrf_token(&ring, sid, &bad), "{bad}");
    }
}

#[test]
fn the_double_submit_needs_the_echo_to_be_the_cookie_and_the_sessions_token() {
    let fixture = fixture();
    let ring = fixture.store.current();
    let (sid, other_sid) = (Uuid::new_v4(), Uuid::new_v4());
    let token = issue_csrf_token(&ring, sid, NOW).unwrap();
    let other = issue_csrf_token(&ring, other_sid, NOW).unwrap();

    assert_eq!(check_csrf(Some(&token), Some(&token), &ring, sid), Ok(()));
    for (echoed, cookie) in [
        (None, Some(&token)),
        (Some(&token), None),
        (None, None),
        // The echo is the session's token, but the cookie is not the echo.
        (Some(&token), Some(&other)),
        (Some(&other), Some(&token)),
        // Echo and cookie agree, on another session's genuine token.
        (Some(&other), Some(&other)),
    ] {
        assert_eq!(
            check_csrf(
                echoed.map(String::as_str),
                cookie.map(String::as_str),
                &ring,
                sid
            ),
            Err(CsrfError),
            "echo {echoed:?}, cookie {cookie:?}"
        );
    }
}
