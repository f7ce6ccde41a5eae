//! How the commands write for people: times as RFC 3339 UTC, spans as `3d 4h` or `12m 5s`,
//! and aligned tables.

/// Unix seconds as RFC 3339 UTC, whole seconds (as in the API's bodies).
pub fn rfc3339(secs: i64) -> String {
    match chrono::DateTime::from_timestamp(secs, 0) {
        Some(time) => crate::http::rfc3339(time),
        None => format!("{secs} (not a representable time)"),
    }
}

/// A length of time in its two largest units: `3d 4h`, `12m 5s`, `45s`.
pub fn span(secs: i64) -> String {
    let secs = secs.unsigned_abs();
    let units = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")];
    let Some(first) = units.iter().position(|(size, _)| secs >= *size) else {
        return "0s".into();
    };
    units[first..]
        .iter()
        .take(2)
        .scan(secs, |left, (size, name)| {
            let count = *left / size;
            *left %= size;
            Some((count, name))
        })
        .filter(|(count, _)| *count > 0)
        .map(|(count, name)| format!("{count}{name}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `at` seen from `now`: `in 4m 30s`, `3d 2h ago`, `now`.
pub fn relative(at: i64, now: i64) -> String {
    match at.saturating_sub(now) {
        0 => "now".into(),
        ahead if ahead > 0 => format!("in {}", span(ahead)),
        behind => format!("{} ago", span(behind)),
    }
}

/// `rows` under `headings`, each column as wide as its widest cell, two spaces apart.
pub fn table(headings: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headings.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    let mut out = vec![line(headings.to_vec())];
    out.extend(
        rows.iter()
            .map(|row| line(row.iter().map(String::as_str).collect())),
    );
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_show_their_two_largest_units() {
        assert_eq!(span(0), "0s");
        assert_eq!(span(45), "45s");
        assert_eq!(span(725), "12m 5s");
        assert_eq!(span(3 * 86_400 + 4 * 3_600 + 59), "3d 4h");
        assert_eq!(span(86_400 + 30), "1d");
        assert_eq!(span(-90), "1m 30s");
    }

    #[test]
    fn times_are_relative_to_now() {
        assert_eq!(relative(1_000, 1_000), "now");
        assert_eq!(relative(1_270, 1_000), "in 4m 30s");
        assert_eq!(relative(1_000, 1_192), "3m 12s ago");
    }

    #[test]
    fn times_are_rfc3339_utc_in_whole_seconds() {
        assert_eq!(rfc3339(1_800_000_000), "2027-01-15T08:00:00Z");
    }

    #[test]
    fn a_table_aligns_its_columns() {
        let rows = vec![
            vec!["k1".into(), "ES256".into()],
            vec!["a-longer-kid".into(), "EdDSA".into()],
        ];

        assert_eq!(
            table(&["KID", "ALG"], &rows),
            "KID           ALG\nk1            ES256\na-longer-kid  EdDSA"
        );
    }
}
