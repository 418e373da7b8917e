//! `HttpTransport`: the `Transport` over ureq and rustls (the crate's
//! default `http` feature; without it, bring your own transport).

use super::transport::{Response, Transport, parse_retry_after};
use std::time::Duration;

/// A blocking HTTP client (ureq) with a timeout on every request.
pub struct HttpTransport {
    agent: ureq::Agent,
}

impl HttpTransport {
    /// Each request (connect, send, receive) must finish within `timeout`.
    pub fn new(timeout: Duration) -> HttpTransport {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .build();
        HttpTransport {
            agent: ureq::Agent::new_with_config(config),
        }
    }
}

impl Transport for HttpTransport {
    fn post(&mut self, url: &str, body: &str) -> Response {
        match self
            .agent
            .post(url)
            .header("Content-Type", "application/json")
            .send(body)
        {
            Ok(mut resp) => {
                let retry_after = resp
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(parse_retry_after);
                let status = resp.status().as_u16();
                let body = resp.body_mut().read_to_string().unwrap_or_default();
                Response {
                    status: Some(status),
                    body,
                    retry_after,
                }
            }
            Err(e) => Response {
                status: None,
                body: e.to_string(),
                retry_after: None,
            },
        }
    }
}
