//! One HTTP POST and what came back. Non-2xx statuses are responses, not
//! errors; a network failure is a response without a status, with its kind.
//! `Retry-After` is read as HTTP allows it and nothing else.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Why a request got no status at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NetworkFailure {
    /// The request did not finish in time.
    Timeout,
    /// No connection (refused, reset, unreachable, name not found).
    Connection,
    /// The server answered something that is not HTTP.
    InvalidResponse,
    /// Anything else the transport reports.
    Other,
}

impl NetworkFailure {
    /// A short name for reports: `timeout`, `connection error`, ...
    pub fn name(self) -> &'static str {
        match self {
            NetworkFailure::Timeout => "timeout",
            NetworkFailure::Connection => "connection error",
            NetworkFailure::InvalidResponse => "invalid response",
            NetworkFailure::Other => "network error",
        }
    }
}

/// The outcome of one POST; nothing escapes as an error.
///
/// ```
/// use tickcascade_analytics::delivery::{NetworkFailure, Response};
/// let moved = Response::status(308).with_location("https://collector.example/");
/// assert!(moved.is_redirect() && !moved.retryable());
/// let slow = Response::network_error(NetworkFailure::Timeout, "timed out");
/// assert_eq!(slow.describe(), "timeout: timed out");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Response {
    /// The HTTP status, or `None` for a network failure.
    pub status: Option<u16>,
    /// The response body, or the network failure's text.
    pub body: String,
    /// `Retry-After` in seconds, when the server sent a valid one.
    pub retry_after: Option<f64>,
    /// The `Location` header of a redirect.
    pub location: Option<String>,
    /// What kind of network failure, when `status` is `None`.
    pub failure: Option<NetworkFailure>,
}

impl Response {
    /// A response with `status` and nothing else.
    pub fn status(status: u16) -> Response {
        Response {
            status: Some(status),
            body: String::new(),
            retry_after: None,
            location: None,
            failure: None,
        }
    }

    /// A request that got no status.
    pub fn network_error(failure: NetworkFailure, message: &str) -> Response {
        Response {
            status: None,
            body: message.to_owned(),
            retry_after: None,
            location: None,
            failure: Some(failure),
        }
    }

    /// Sets the body.
    pub fn with_body(self, body: &str) -> Response {
        Response {
            body: body.to_owned(),
            ..self
        }
    }

    /// Sets the `Retry-After` delay, in seconds.
    pub fn with_retry_after(self, seconds: f64) -> Response {
        Response {
            retry_after: Some(seconds),
            ..self
        }
    }

    /// Sets the `Location` header.
    pub fn with_location(self, location: &str) -> Response {
        Response {
            location: Some(location.to_owned()),
            ..self
        }
    }

    /// 2xx.
    pub fn ok(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }

    /// 3xx: the collector moved. Never followed for a POST and never
    /// retried: the endpoint stops and its messages stay unacknowledged.
    pub fn is_redirect(&self) -> bool {
        self.status.is_some_and(|s| (300..400).contains(&s))
    }

    /// 429, any 5xx, or a network failure.
    pub fn retryable(&self) -> bool {
        match self.status {
            None => true,
            Some(s) => s == 429 || s >= 500,
        }
    }

    /// What went wrong, for a report: `status 503`, `timeout: ...`.
    pub fn describe(&self) -> String {
        match (self.status, self.failure) {
            (Some(s), _) => format!("status {s}"),
            (None, kind) => {
                let name = kind.unwrap_or(NetworkFailure::Other).name();
                let text: String = self.body.chars().take(200).collect();
                if text.starts_with(name) {
                    text
                } else {
                    format!("{name}: {text}")
                }
            }
        }
    }
}

/// Sends one body to one URL.
pub trait Transport {
    /// Posts `body` to `url`; every outcome, failures included, is a `Response`.
    fn post(&mut self, url: &str, body: &str) -> Response;

    /// As [`post`](Transport::post), finishing within `timeout` (what is
    /// left of a deadline). The default ignores it: a transport that can
    /// bound one request should override this.
    fn post_within(&mut self, url: &str, body: &str, timeout: Duration) -> Response {
        let _ = timeout;
        self.post(url, body)
    }
}

/// `Retry-After` as HTTP defines it: delay-seconds (digits only) or an
/// HTTP-date (IMF-fixdate, as servers send it), as seconds from `now`.
/// Anything else (`-5`, `0.5`, `1e-300`, text) is `None`, so the caller's
/// own backoff applies. The caller clamps the value (see
/// [`RetryPolicy::delay`](super::RetryPolicy::delay)).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use tickcascade_analytics::delivery::parse_retry_after;
/// let now = UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
/// assert_eq!(parse_retry_after("120", now), Some(120.0));
/// assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:50:37 GMT", now), Some(60.0));
/// for bad in ["-5", "0.0001", "1e-300", "+3", "soon", ""] {
///     assert_eq!(parse_retry_after(bad, now), None, "{bad}");
/// }
/// ```
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<f64> {
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        // Digits only; a huge number is still a (clamped) delay.
        return Some(v.parse::<f64>().unwrap_or(f64::MAX));
    }
    let at = parse_http_date(v)?;
    let now = now.duration_since(UNIX_EPOCH).ok()?.as_secs() as i64;
    Some(at.saturating_sub(now).max(0) as f64)
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) as Unix seconds.
fn parse_http_date(v: &str) -> Option<i64> {
    let rest = v.split_once(", ")?.1;
    let mut parts = rest.split(' ');
    let day: i64 = parts.next().filter(|d| d.len() == 2)?.parse().ok()?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = parts.next().filter(|y| y.len() == 4)?.parse().ok()?;
    let mut hms = parts.next()?.split(':');
    let mut field = |max: i64| -> Option<i64> {
        let t: i64 = hms.next().filter(|t| t.len() == 2)?.parse().ok()?;
        (t <= max).then_some(t)
    };
    let (h, m, s) = (field(23)?, field(59)?, field(60)?);
    if parts.next()? != "GMT" || parts.next().is_some() || !(1..=31).contains(&day) {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + s)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_in_the_past_mean_now_and_malformed_ones_are_ignored() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now),
            Some(0.0)
        );
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT", now),
            Some(0.0)
        );
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        for bad in [
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT extra",
        ] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad}");
        }
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(1e23)
        );
    }
}
