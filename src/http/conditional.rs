//! `If-None-Match` (RFC 9110 §13.1.2): whether the client's cached copy is current, so a GET
//! or HEAD can answer 304 Not Modified instead of the whole representation.

use actix_web::http::header::{HeaderMap, IF_NONE_MATCH};

/// Whether `If-None-Match` in `headers` matches `etag`, our current strong entity-tag
/// (quotes included): `*`, or a listed tag equal to it under the weak comparison that
/// §13.1.2 prescribes for this field (`W/"x"` matches `"x"`). Several fields count as one
/// list; a field that does not parse matches nothing, so the client gets the whole answer.
pub fn none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(IF_NONE_MATCH)
        .filter_map(|value| value.to_str().ok())
        .any(|field| field_matches(field, etag))
}

fn field_matches(field: &str, etag: &str) -> bool {
    if field.trim_matches([' ', '\t']) == "*" {
        return true;
    }
    let mut rest = field;
    loop {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        if rest.is_empty() {
            return false;
        }
        let tag = rest.strip_prefix("W/").unwrap_or(rest);
        // An entity-tag is a quoted string with no quote inside (§8.8.3), but it may hold a
        // comma: read up to the closing quote, never split the field on commas.
        let Some(opaque) = tag.strip_prefix('"') else {
            return false;
        };
        let Some(end) = opaque.find('"') else {
            return false;
        };
        if &tag[..end + 2] == etag {
            return true;
        }
        rest = &opaque[end + 1..];
    }
}

#[cfg(test)]
mod tests {
    use super::field_matches;

    const TAG: &str = "\"abc\"";

    #[test]
    fn star_and_the_tag_in_any_form_or_place_of_a_list_match() {
        for field in [
            "*",
            " * ",
            "\"abc\"",
            "W/\"abc\"",
            "\"x\", \"abc\"",
            "\"x\",W/\"abc\"",
        ] {
            assert!(field_matches(field, TAG), "{field}");
        }
    }

    #[test]
    fn other_tags_and_malformed_fields_do_not() {
        for field in [
            "",
            "\"abcd\"",
            "abc",
            "\"x,abc\"",
            "\"abc",
            "w/\"abc\"",
            "*, \"abc\"",
            "\"x\" junk \"abc\"",
        ] {
            assert!(!field_matches(field, TAG), "{field}");
        }
    }
}
