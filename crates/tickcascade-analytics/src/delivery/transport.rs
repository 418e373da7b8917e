//! One HTTP POST and what came back. Non-2xx statuses are responses, not
//! errors; a network failure is a response without a status.

/// The outcome of one POST; nothing escapes as an error.
#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    /// The HTTP status, or `None` for a network error (refused, reset, timeout).
    pub status: Option<u16>,
    /// The response body, or the network error's text.
    pub body: String,
    /// `Retry-After` in seconds, when the server sent one.
    pub retry_after: Option<f64>,
}

impl Response {
    /// 2xx.
    pub fn ok(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }

    /// 429, any 5xx, or a network error.
    pub fn retryable(&self) -> bool {
        match self.status {
            None => true,
            Some(s) => s == 429 || s >= 500,
        }
    }
}

/// Sends one body to one URL.
pub trait Transport {
    /// Posts `body` to `url`; every outcome, failures included, is a `Response`.
    fn post(&mut self, url: &str, body: &str) -> Response;
}

/// `Retry-After` as seconds (the delay form; dates are not honoured).
pub fn parse_retry_after(value: &str) -> Option<f64> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(|v| v.max(0.0))
}
