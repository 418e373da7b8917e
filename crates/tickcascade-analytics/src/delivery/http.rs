//! `HttpTransport`: the `Transport` over ureq and rustls (the crate's
//! default `http` feature; without it, bring your own transport). Redirects
//! are never followed: a POST's 3xx comes back as the response.

use super::transport::{NetworkFailure, Response, Transport, parse_retry_after};
use std::time::{Duration, SystemTime};

/// A blocking HTTP client (ureq) with a timeout on every request.
pub struct HttpTransport {
    agent: ureq::Agent,
    timeout: Duration,
}

/// The most of a response body kept (for error messages).
const MAX_BODY: u64 = 64 * 1024;

impl HttpTransport {
    /// Each request (connect, send, receive) must finish within `timeout`.
    pub fn new(timeout: Duration) -> HttpTransport {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .build();
        HttpTransport {
            agent: ureq::Agent::new_with_config(config),
            timeout,
        }
    }
}

fn failure_of(e: &ureq::Error) -> NetworkFailure {
    match e {
        ureq::Error::Timeout(_) => NetworkFailure::Timeout,
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => NetworkFailure::Timeout,
        ureq::Error::Io(_) | ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => {
            NetworkFailure::Connection
        }
        ureq::Error::Protocol(_) | ureq::Error::BodyExceedsLimit(_) => {
            NetworkFailure::InvalidResponse
        }
        _ => NetworkFailure::Other,
    }
}

impl Transport for HttpTransport {
    fn post(&mut self, url: &str, body: &str) -> Response {
        let timeout = self.timeout;
        self.post_within(url, body, timeout)
    }

    fn post_within(&mut self, url: &str, body: &str, timeout: Duration) -> Response {
        let timeout = timeout.min(self.timeout).max(Duration::from_millis(1));
        let sent = self
            .agent
            .post(url)
            .config()
            .timeout_global(Some(timeout))
            .build()
            .header("Content-Type", "application/json")
            .send(body);
        match sent {
            Ok(mut resp) => {
                let header = |name: &str| {
                    resp.headers()
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned)
                };
                let retry_after =
                    header("retry-after").and_then(|v| parse_retry_after(&v, SystemTime::now()));
                let location = header("location");
                let status = resp.status().as_u16();
                let text = resp
                    .body_mut()
                    .with_config()
                    .limit(MAX_BODY)
                    .read_to_string()
                    .unwrap_or_default();
                let mut r = Response::status(status).with_body(&text);
                if let Some(secs) = retry_after {
                    r = r.with_retry_after(secs);
                }
                if let Some(l) = location {
                    r = r.with_location(&l);
                }
                r
            }
            Err(e) => Response::network_error(failure_of(&e), &e.to_string()),
        }
    }
}
