//! Hostile email strings (OWASP input validation and authentication cheat sheets; ASVS 5.0
//! V6.2): control and format characters, header injection, bidi overrides, invisible
//! characters, quoting, over-long addresses, and homoglyphs. A rejected address stores
//! nothing; a look-alike is another account, never the original.

use serde_json::Value;

use super::{expect_error, spawn_target};
use crate::helpers::PASSWORD;

#[tokio::test]
async fn hostile_email_strings_are_422_and_store_nothing() {
    let target = spawn_target().await;
    let users = target.user_count().await;
    let long_local = format!("{}@example.com", "a".repeat(65));
    let long_domain = format!("a@{}.com", "d".repeat(250));
    let cases: Vec<(&str, String)> = vec![
        ("NUL inside", "alice\u{0}@example.com".into()),
        ("NUL at the end", "alice@example.com\u{0}".into()),
        (
            "CR LF header injection",
            "alice@example.com\r\nBcc: eve@example.com".into(),
        ),
        ("LF inside", "ali\nce@example.com".into()),
        ("tab inside", "ali\tce@example.com".into()),
        ("DEL", "alice\u{7f}@example.com".into()),
        ("C1 control", "alice\u{85}x@example.com".into()),
        (
            "RTL override",
            "alice\u{202e}moc.elpmaxe@example.com".into(),
        ),
        ("LTR mark", "alice\u{200e}@example.com".into()),
        ("zero-width space", "al\u{200b}ice@example.com".into()),
        ("zero-width joiner", "al\u{200d}ice@example.com".into()),
        ("BOM inside", "\u{feff}alice@example.com".into()),
        ("soft hyphen", "al\u{ad}ice@example.com".into()),
        ("no-break space", "al\u{a0}ice@example.com".into()),
        ("line separator", "alice\u{2028}@example.com".into()),
        ("ideographic space", "alice\u{3000}x@example.com".into()),
        ("space", "al ice@example.com".into()),
        ("double quotes", "\"alice\"@example.com".into()),
        ("quoted local with @", "\"a@b\"@example.com".into()),
        ("angle brackets", "<alice@example.com>".into()),
        ("display name", "Alice <alice@example.com>".into()),
        ("comment", "alice(x)@example.com".into()),
        ("list", "alice@example.com,eve@example.com".into()),
        ("semicolon", "alice@example.com;eve@example.com".into()),
        ("backslash", "ali\\ce@example.com".into()),
        ("IP literal", "alice@[127.0.0.1]".into()),
        ("two @", "alice@eve@example.com".into()),
        ("no @", "alice.example.com".into()),
        ("no domain dot", "alice@localhost".into()),
        ("empty local", "@example.com".into()),
        ("empty label", "alice@example..com".into()),
        ("local of 65", long_local),
        ("over 254 characters", long_domain),
        ("empty", String::new()),
        ("blank", "   ".into()),
    ];
    for (name, email) in &cases {
        let response = target.app.register(email, PASSWORD).await;
        expect_error(response, 422, "invalid_email", None, name).await;
        // Login with the same string is the generic failure, never a 422 oracle.
        let response = target.app.login(email, PASSWORD).await;
        expect_error(
            response,
            401,
            "invalid_credentials",
            None,
            &format!("login, {name}"),
        )
        .await;
    }
    assert_eq!(
        target.user_count().await,
        users,
        "no hostile address was stored"
    );
    target.assert_unharmed().await;
}

#[tokio::test]
async fn a_homoglyph_address_is_a_distinct_account_and_never_the_original() {
    let target = spawn_target().await;
    let app = &target.app;
    let latin = "alice@example.com";
    let cyrillic = "\u{430}lice@example.com"; // Cyrillic small a
    let other_password = "another fine passphrase here";
    let response = app.register(latin, PASSWORD).await;
    assert_eq!(response.status(), 201);
    let latin_id = response.json::<Value>().await.unwrap()["id"].clone();
    let users = target.user_count().await;
    let response = app.register(cyrillic, other_password).await;
    assert_eq!(response.status(), 201, "a look-alike is another account");
    let body: Value = response.json().await.unwrap();
    assert_ne!(body["id"], latin_id);
    assert_eq!(
        body["email"], cyrillic,
        "stored as typed, not folded to Latin"
    );
    assert_eq!(target.user_count().await, users + 1);
    // Each password opens only its own account.
    let response = app.login(latin, other_password).await;
    expect_error(
        response,
        401,
        "invalid_credentials",
        None,
        "Latin with the Cyrillic password",
    )
    .await;
    let response = app.login(cyrillic, PASSWORD).await;
    expect_error(
        response,
        401,
        "invalid_credentials",
        None,
        "Cyrillic with the Latin password",
    )
    .await;
    let tokens = app.logged_in(latin, PASSWORD).await;
    let me: Value = app
        .get_with_token("/auth/me", &tokens.access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["id"], latin_id);
    // Forms that NFKC and case folding make the Latin address collide with it (409), so
    // they can never become a second account that looks the same.
    for (name, email) in [
        ("upper case", "ALICE@EXAMPLE.COM"),
        ("full-width letters", "\u{ff41}lice@example.com"),
        ("surrounding spaces", "  alice@example.com "),
        ("mathematical a", "\u{1d41a}lice@example.com"),
    ] {
        let response = app.register(email, PASSWORD).await;
        expect_error(response, 409, "email_taken", None, name).await;
    }
    assert_eq!(target.user_count().await, users + 1);
    target.assert_unharmed().await;
}
