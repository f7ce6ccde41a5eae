//! Strategies for hostile text and JSON: strings mixing ASCII, controls, format characters,
//! quotes and look-alikes, and arbitrary nested JSON values.

use proptest::prelude::*;
use serde_json::{Map, Number, Value};

/// One character an attacker likes: ASCII, controls, bidi and zero-width characters,
/// quotes, homoglyphs, full-width forms, surrogate-adjacent and astral code points.
pub fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => proptest::char::range('a', 'z'),
        2 => proptest::char::range(' ', '~'),
        1 => proptest::sample::select(vec![
            '\0', '\t', '\n', '\r', '\u{7f}', '\u{85}', '\u{a0}', '\u{ad}', '\u{200b}',
            '\u{200d}', '\u{200e}', '\u{202e}', '\u{2028}', '\u{3000}', '\u{feff}', '"', '\'',
            '\\', '@', '.', '\u{430}', '\u{ff41}', '\u{1d41a}', '\u{fb01}', '\u{212a}', 'ß',
            '\u{130}', '\u{fdfa}', '\u{d7ff}', '\u{e000}', '\u{10ffff}', '😀',
        ]),
        1 => any::<char>(),
    ]
}

pub fn hostile_string(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(hostile_char(), 0..max).prop_map(|chars| chars.into_iter().collect())
}

/// An email-shaped string: hostile local part, `@`, hostile domain with a dot, sometimes
/// broken on purpose.
pub fn email_like() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (hostile_string(12), hostile_string(8), "[a-z]{1,6}")
            .prop_map(|(local, domain, tld)| format!("{local}@{domain}.{tld}")),
        1 => hostile_string(40),
        1 => (1usize..300).prop_map(|n| format!("{}@example.com", "a".repeat(n))),
    ]
}

pub fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
        Just(Value::from(0)),
    ]
}

/// Any JSON value, nested a few levels.
pub fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        hostile_string(20).prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((hostile_string(8), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}
