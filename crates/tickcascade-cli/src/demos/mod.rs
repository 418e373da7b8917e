//! The two demo simulations, an adventure game and a trading bot, with
//! their projections; `tickcascade demo` and `tickcascade sweep` run them
//! from a seed, and the examples show them from code.

pub mod adventure;
pub mod trading;

/// The event's data as JSON (the demos' events always hold objects).
pub(crate) fn data(e: &tickcascade::Event) -> serde_json::Value {
    e.data_as().unwrap_or_default()
}

/// A string field of event data ("" when absent).
pub(crate) fn text(v: &serde_json::Value, key: &str) -> String {
    v.get(key)
        .and_then(|x| x.as_str())
        .unwrap_or_default()
        .to_owned()
}

/// An integer field of event data (0 when absent).
pub(crate) fn int(v: &serde_json::Value, key: &str) -> i64 {
    v.get(key).and_then(|x| x.as_i64()).unwrap_or_default()
}
