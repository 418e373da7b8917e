//! A scripted test collector on 127.0.0.1: a real HTTP/1.1 server (std
//! sockets) that records every request and answers from a script.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How to answer one request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A status, with an optional `Retry-After` header value.
    Status(u16, Option<&'static str>),
    /// Read the request, then say nothing for this long and close.
    Hang(Duration),
    /// Close the connection without answering.
    Reset,
    /// A redirect (301, 302, 307, 308) to a `Location`.
    Redirect(u16, &'static str),
    /// Wait this long, then answer 200.
    Slow(Duration),
    /// Answer bytes that are not HTTP.
    Garbage,
}

#[derive(Clone, Debug)]
pub struct Request {
    pub path: String,
    pub body: String,
}

#[derive(Default)]
struct Shared {
    script: VecDeque<Reply>,
    /// Replies by path prefix, used before the general script.
    by_path: Vec<(String, VecDeque<Reply>)>,
    requests: Vec<Request>,
}

/// A running collector; stops when dropped (its thread ends with the test).
pub struct Collector {
    pub url: String,
    shared: Arc<Mutex<Shared>>,
}

impl Collector {
    /// Starts a collector answering `script` in order, then 200.
    pub fn start(script: Vec<Reply>) -> Collector {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let shared = Arc::new(Mutex::new(Shared {
            script: script.into(),
            ..Shared::default()
        }));
        let s = shared.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let s = s.clone();
                std::thread::spawn(move || serve(stream, s));
            }
        });
        Collector { url, shared }
    }

    /// Answers requests to `path` from `replies` first.
    pub fn script_path(&self, path: &str, replies: Vec<Reply>) {
        self.shared
            .lock()
            .unwrap()
            .by_path
            .push((path.to_owned(), replies.into()));
    }

    pub fn requests(&self) -> Vec<Request> {
        self.shared.lock().unwrap().requests.clone()
    }

    /// Every message received (batches unpacked), as JSON values.
    pub fn messages(&self) -> Vec<serde_json::Value> {
        self.requests()
            .iter()
            .flat_map(
                |r| match serde_json::from_str::<serde_json::Value>(&r.body) {
                    Ok(serde_json::Value::Array(items)) => items,
                    Ok(v) => vec![v],
                    Err(_) => vec![],
                },
            )
            .collect()
    }
}

fn next_reply(shared: &Mutex<Shared>, path: &str) -> Reply {
    let mut s = shared.lock().unwrap();
    for (prefix, replies) in &mut s.by_path {
        if path.starts_with(prefix.as_str())
            && let Some(r) = replies.pop_front()
        {
            return r;
        }
    }
    s.script.pop_front().unwrap_or(Reply::Status(200, None))
}

fn serve(stream: TcpStream, shared: Arc<Mutex<Shared>>) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
    let mut writer = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
        let mut length = 0usize;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let body = String::from_utf8_lossy(&body).into_owned();
        let reply = next_reply(&shared, &path);
        shared.lock().unwrap().requests.push(Request { path, body });
        match reply {
            Reply::Status(code, retry_after) => {
                let extra = retry_after
                    .map(|r| format!("Retry-After: {r}\r\n"))
                    .unwrap_or_default();
                let text = format!(
                    "HTTP/1.1 {code} Scripted\r\nContent-Length: 2\r\n{extra}Connection: keep-alive\r\n\r\nok"
                );
                if writer.write_all(text.as_bytes()).is_err() {
                    return;
                }
            }
            Reply::Hang(d) => {
                std::thread::sleep(d);
                return;
            }
            Reply::Reset => return,
            Reply::Redirect(code, location) => {
                let text = format!(
                    "HTTP/1.1 {code} Moved\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n"
                );
                if writer.write_all(text.as_bytes()).is_err() {
                    return;
                }
            }
            Reply::Slow(d) => {
                std::thread::sleep(d);
                let text =
                    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok";
                if writer.write_all(text.as_bytes()).is_err() {
                    return;
                }
            }
            Reply::Garbage => {
                let _ = writer.write_all(b"\x00\x01 this is not HTTP\r\n\r\n");
                return;
            }
        }
    }
}
