//! Messages in the collector's shapes (the Cohorly SDK's): the direct client
//! calls, and the mapping from logged events (analytics events, or any
//! events matching a pattern) with deduplicating `$insert_id`s.

use super::Endpoint;
use crate::IdSource;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use tickcascade::stable_hash;
use tickcascade::{Event, EventLog, pattern_matches};

/// One message ready for a consumer.
#[derive(Clone, Debug, PartialEq)]
pub struct Outgoing {
    /// Where the message goes.
    pub endpoint: Endpoint,
    /// A stable key (for the spool), when the message has one.
    pub key: Option<String>,
    /// Compact JSON.
    pub body: String,
}

const LIB: &str = "tickcascade";

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The direct API (mirrors the seed's `Cohorly` class): default properties
/// `token`, `distinct_id`, `time` (unix ms), `$insert_id`, `$lib`,
/// `$lib_version`, which user properties override.
pub struct Client {
    token: String,
    ids: IdSource,
}

impl Client {
    /// A client that signs messages with `token` and draws insert ids from `ids`.
    pub fn new(token: &str, ids: IdSource) -> Client {
        Client {
            token: token.to_owned(),
            ids,
        }
    }

    fn defaults(&mut self, distinct_id: &str) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("token".into(), json!(self.token));
        m.insert("distinct_id".into(), json!(distinct_id));
        m.insert("time".into(), json!(now_ms()));
        m.insert(
            "$insert_id".into(),
            json!(self.ids.uuid_v4().replace('-', "")),
        );
        m.insert("$lib".into(), json!(LIB));
        m.insert("$lib_version".into(), json!(env!("CARGO_PKG_VERSION")));
        m
    }

    /// An event for `/track`.
    pub fn track(&mut self, distinct_id: &str, event: &str, properties: &Value) -> Outgoing {
        let mut props = self.defaults(distinct_id);
        if let Value::Object(p) = properties {
            props.extend(p.clone());
        }
        let key = props
            .get("$insert_id")
            .and_then(Value::as_str)
            .map(str::to_owned);
        Outgoing {
            endpoint: Endpoint::Track,
            key,
            body: json!({"event": event, "properties": props}).to_string(),
        }
    }

    /// A historical event: `time` is `timestamp_ms`.
    pub fn import_data(
        &mut self,
        distinct_id: &str,
        event: &str,
        timestamp_ms: i64,
        properties: &Value,
    ) -> Outgoing {
        let mut p = properties.as_object().cloned().unwrap_or_default();
        p.insert("time".into(), json!(timestamp_ms));
        self.track(distinct_id, event, &Value::Object(p))
    }

    /// Links `alias_id` to `original`.
    pub fn alias(&mut self, alias_id: &str, original: &str) -> Outgoing {
        Outgoing {
            endpoint: Endpoint::Alias,
            key: None,
            body: json!({"alias": alias_id, "distinct_id": original, "token": self.token})
                .to_string(),
        }
    }

    /// A raw `/engage` operation (must include `distinct_id`).
    pub fn people_update(&mut self, message: &Value) -> Outgoing {
        let mut record = Map::new();
        record.insert("token".into(), json!(self.token));
        if let Value::Object(m) = message {
            record.extend(m.clone());
        }
        Outgoing {
            endpoint: Endpoint::Engage,
            key: None,
            body: Value::Object(record).to_string(),
        }
    }

    /// `$set`: sets profile properties.
    pub fn people_set(&mut self, distinct_id: &str, properties: &Value) -> Outgoing {
        self.people_update(&json!({"distinct_id": distinct_id, "$set": properties}))
    }
    /// `$set_once`: sets profile properties not set yet.
    pub fn people_set_once(&mut self, distinct_id: &str, properties: &Value) -> Outgoing {
        self.people_update(&json!({"distinct_id": distinct_id, "$set_once": properties}))
    }
    /// `$add`: adds to numeric profile properties.
    pub fn people_increment(&mut self, distinct_id: &str, properties: &Value) -> Outgoing {
        self.people_update(&json!({"distinct_id": distinct_id, "$add": properties}))
    }
    /// `$unset`: removes profile properties.
    pub fn people_unset(&mut self, distinct_id: &str, names: &[&str]) -> Outgoing {
        self.people_update(&json!({"distinct_id": distinct_id, "$unset": names}))
    }
    /// `$delete`: deletes the profile.
    pub fn people_delete(&mut self, distinct_id: &str) -> Outgoing {
        self.people_update(&json!({"distinct_id": distinct_id, "$delete": true}))
    }
}

/// The run id of a log: `run_id` in the first event's data (the demos put
/// one there), else a hash of the first 1,000 lines.
pub fn run_id_of(log: &EventLog) -> String {
    if let Some(first) = log.events().first()
        && let Ok(Value::Object(m)) = first.data_as::<Value>()
        && let Some(id) = m.get("run_id").and_then(Value::as_str)
    {
        return id.to_owned();
    }
    let mut text = String::new();
    for e in log.events().iter().take(1000) {
        text.push_str(&e.to_json());
        text.push('\n');
    }
    stable_hash(text.as_bytes())
}

/// A deduplication key for a logged event: 32 hex characters from the run
/// id, the event id and the occurrence index of that id (ids may repeat).
pub fn insert_id(run_id: &str, event_id: &str, occurrence: u32) -> String {
    format!(
        "{}{}",
        stable_hash(run_id.as_bytes()),
        stable_hash(format!("{event_id}#{occurrence}").as_bytes())
    )
}

/// Which logged events become messages.
#[derive(Clone, Debug, PartialEq)]
pub enum MappedEvents {
    /// The analytics events, as the delivery subscriber maps them.
    Analytics,
    /// Any events whose type matches one of the patterns, sent to `/track`
    /// named by their type.
    Matching {
        /// Event type patterns (the bus's rules: exact, `a.*`, `*.b`, `*`).
        patterns: Vec<String>,
        /// Data key holding the distinct id (default `distinct_id`).
        distinct_id_key: String,
        /// When the data has none (default `simulation`).
        distinct_id: String,
    },
}

/// Turns logged events into messages.
pub struct EventMapper {
    token: String,
    run_id: String,
    selection: MappedEvents,
    seen: HashMap<String, u32>,
}

/// Why an event was not turned into a message (`None` from `map`: not selected).
pub type Skip = &'static str;

impl EventMapper {
    /// A mapper signing with `token`, deriving insert ids from `run_id`, for the events `selection` names.
    pub fn new(token: &str, run_id: &str, selection: MappedEvents) -> EventMapper {
        EventMapper {
            token: token.to_owned(),
            run_id: run_id.to_owned(),
            selection,
            seen: HashMap::new(),
        }
    }

    fn track_body(
        &self,
        event_name: &str,
        distinct_id: &str,
        e: &Event,
        insert: &str,
        props: Map<String, Value>,
    ) -> String {
        let mut all = Map::new();
        all.insert("$lib".into(), json!(LIB));
        all.insert("$lib_version".into(), json!(env!("CARGO_PKG_VERSION")));
        all.extend(props);
        // Event data can never override these.
        all.insert("token".into(), json!(self.token));
        all.insert("distinct_id".into(), json!(distinct_id));
        all.insert(
            "time".into(),
            json!((e.timestamp().as_f64() * 1000.0).floor() as i64),
        );
        all.insert("$insert_id".into(), json!(insert));
        json!({"event": event_name, "properties": all}).to_string()
    }

    /// The message for `e`: `None` when it is not selected, `Err(reason)`
    /// when it is selected but may not or cannot be sent.
    pub fn map(&mut self, e: &Event) -> Option<Result<Outgoing, Skip>> {
        let id = e.id().to_string();
        let occurrence = {
            let n = self.seen.entry(id.clone()).or_insert(0);
            *n += 1;
            *n - 1
        };
        let insert = insert_id(&self.run_id, &id, occurrence);
        let data: Value = e.data_as().unwrap_or(Value::Null);
        match &self.selection {
            MappedEvents::Matching {
                patterns,
                distinct_id_key,
                distinct_id,
            } => {
                if !patterns.iter().any(|p| pattern_matches(p, e.event_type())) {
                    return None;
                }
                let who = data
                    .get(distinct_id_key)
                    .and_then(Value::as_str)
                    .unwrap_or(distinct_id)
                    .to_owned();
                let mut props = match data {
                    Value::Object(m) => m,
                    other => {
                        let mut m = Map::new();
                        m.insert("data".into(), other);
                        m
                    }
                };
                props.insert("tick".into(), json!(e.tick()));
                props.insert(
                    "parent_id".into(),
                    json!(e.parent_id().map(|p| p.to_string())),
                );
                let body = self.track_body(e.event_type(), &who, e, &insert, props);
                Some(Ok(Outgoing {
                    endpoint: Endpoint::Track,
                    key: Some(insert),
                    body,
                }))
            }
            MappedEvents::Analytics => {
                if !e.event_type().starts_with("analytics.") {
                    return None;
                }
                let kind = e.event_type().trim_start_matches("analytics.");
                if !matches!(kind, "track" | "page" | "identify" | "alias") {
                    return None;
                }
                if !crate::identity::consent_granted(&data["consent"], "collector") {
                    return Some(Err("consent"));
                }
                let who = data["user_id"]
                    .as_str()
                    .or_else(|| data["anonymous_id"].as_str())
                    .unwrap_or("")
                    .to_owned();
                if who.is_empty() {
                    return Some(Err("unmappable"));
                }
                let name = data["name"].as_str().unwrap_or("").to_owned();
                let props = data["properties"].as_object().cloned().unwrap_or_default();
                let out = match kind {
                    "track" => Outgoing { endpoint: Endpoint::Track, key: Some(insert.clone()), body: self.track_body(&name, &who, e, &insert, props) },
                    "page" => {
                        let mut p = props;
                        p.insert("page".into(), json!(name));
                        Outgoing { endpoint: Endpoint::Track, key: Some(insert.clone()), body: self.track_body("$page", &who, e, &insert, p) }
                    }
                    "identify" => Outgoing {
                        endpoint: Endpoint::Engage,
                        key: Some(insert.clone()),
                        body: json!({"token": self.token, "distinct_id": who, "$set": data["traits"]}).to_string(),
                    },
                    _ => Outgoing {
                        endpoint: Endpoint::Alias,
                        key: Some(insert.clone()),
                        body: json!({"alias": who, "distinct_id": data["previous_id"], "token": self.token}).to_string(),
                    },
                };
                Some(Ok(out))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_collector_consent_that_is_not_true_is_not_delivered() {
        let mut log = tickcascade::EventLog::new();
        for flag in [
            json!(false),
            json!(null),
            json!("false"),
            json!(0),
            json!(true),
        ] {
            let data = json!({"type": "track", "name": "t", "properties": {}, "user_id": "u",
                "anonymous_id": "a", "timestamp": 1.0, "consent": {"analytics": true, "collector": flag}});
            let e = log
                .add_event("analytics.track", &data, None)
                .unwrap()
                .clone();
            let mut mapper = EventMapper::new("tok", "run", MappedEvents::Analytics);
            let mapped = mapper.map(&e);
            if flag == json!(true) {
                assert!(matches!(mapped, Some(Ok(_))), "{flag}");
            } else {
                assert!(matches!(mapped, Some(Err("consent"))), "{flag}");
            }
        }
    }
}
