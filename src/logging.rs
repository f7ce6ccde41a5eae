//! Logging: env_logger under `RUST_LOG` (default `info`), as text or, with
//! `AUTHD_LOG_FORMAT=json`, one JSON object per line with the record's key-values as fields
//! (the access log's method, route, status, …). Nothing secret is ever logged: see
//! `http::access_log` and the redacting `Debug` impls.

use std::io::Write;

use crate::settings::LogFormat;

pub fn init(format: LogFormat) {
    let mut builder =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"));
    match format {
        // env_logger's own layout, without the key-values: the message already says them.
        LogFormat::Text => builder.format(|out, record| {
            let ts = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            writeln!(
                out,
                "[{ts} {:<5} {}] {}",
                record.level(),
                record.target(),
                record.args()
            )
        }),
        LogFormat::Json => builder.format(|out, record| {
            let mut line = serde_json::Map::new();
            line.insert(
                "ts".into(),
                chrono::Utc::now()
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
                    .into(),
            );
            line.insert(
                "level".into(),
                record.level().as_str().to_ascii_lowercase().into(),
            );
            line.insert("target".into(), record.target().into());
            line.insert("msg".into(), record.args().to_string().into());
            let mut fields = Fields(&mut line);
            let _ = record.key_values().visit(&mut fields);
            writeln!(out, "{}", serde_json::Value::Object(line))
        }),
    };
    builder.init();
}

/// Copies a record's key-values into the JSON line, numbers as numbers.
struct Fields<'a>(&'a mut serde_json::Map<String, serde_json::Value>);

impl<'kvs> log::kv::VisitSource<'kvs> for Fields<'_> {
    fn visit_pair(
        &mut self,
        key: log::kv::Key<'kvs>,
        value: log::kv::Value<'kvs>,
    ) -> Result<(), log::kv::Error> {
        let json = if let Some(n) = value.to_u64() {
            n.into()
        } else if let Some(n) = value.to_i64() {
            n.into()
        } else if let Some(x) = value.to_f64() {
            serde_json::Number::from_f64(x).map_or(serde_json::Value::Null, Into::into)
        } else {
            // An empty value is an absent one (the access log's user_id when anonymous).
            Some(value.to_string())
                .filter(|text| !text.is_empty())
                .map_or(serde_json::Value::Null, Into::into)
        };
        self.0.insert(key.as_str().to_owned(), json);
        Ok(())
    }
}
