//! Exec's streaming side, as `kubectl exec` reaches it through the kubelet:
//! a WebSocket to the URL the Exec call returned, subprotocol
//! `v4.channel.k8s.io`. Every message is binary; its first byte names the
//! channel (0 stdin, 1 stdout, 2 stderr, 3 the final status as JSON, 4 a
//! terminal resize as JSON).

use crate::report::Res;
use std::net::TcpStream;
use std::time::{Duration, Instant};
use tungstenite::client::IntoClientRequest;
use tungstenite::Message;

const PROTOCOL: &str = "v4.channel.k8s.io";

#[derive(Default, Debug)]
pub struct Session {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// The `metav1.Status` JSON of channel 3.
    pub status: Vec<u8>,
}

pub struct Input {
    /// Width and height, sent before anything else.
    pub resize: Option<(u16, u16)>,
    pub stdin: Vec<u8>,
}

/// Runs one session to its end; it blocks. containerd's streaming server
/// listens on 127.0.0.1 of its network namespace, which this program runs
/// in (cri-test.sh starts both in one).
pub fn exec(url: &str, input: Input) -> Res<Session> {
    let url = url
        .strip_prefix("http://")
        .map(|rest| format!("ws://{rest}"))
        .ok_or_else(|| format!("the exec URL {url:?} is not http://"))?;
    let authority = url["ws://".len()..].split('/').next().unwrap_or_default().to_string();
    // The test may only talk to loopback: refuse a streaming server
    // configured anywhere else rather than connect to it.
    let loopback = authority.starts_with("127.0.0.1:") || authority.starts_with("[::1]:");
    if !loopback {
        return Err(format!("the exec URL {url} is not on loopback"));
    }
    let tcp = TcpStream::connect(&authority).map_err(|e| format!("connect {authority}: {e}"))?;
    tcp.set_read_timeout(Some(Duration::from_secs(10)))
        .and_then(|()| tcp.set_write_timeout(Some(Duration::from_secs(10))))
        .map_err(|e| format!("socket timeouts: {e}"))?;

    let mut request = url.as_str().into_client_request().map_err(|e| format!("request for {url}: {e}"))?;
    request.headers_mut().insert("Sec-WebSocket-Protocol", tungstenite::http::HeaderValue::from_static(PROTOCOL));
    let (mut ws, response) = tungstenite::client(request, tcp).map_err(|e| format!("WebSocket handshake: {e}"))?;
    let agreed = response.headers().get("Sec-WebSocket-Protocol").and_then(|v| v.to_str().ok());
    if agreed != Some(PROTOCOL) {
        return Err(format!("the server agreed to subprotocol {agreed:?}"));
    }

    let frame = |channel: u8, data: &[u8]| {
        let mut bytes = Vec::with_capacity(data.len() + 1);
        bytes.push(channel);
        bytes.extend_from_slice(data);
        Message::Binary(bytes.into())
    };
    if let Some((width, height)) = input.resize {
        let size = format!(r#"{{"Width":{width},"Height":{height}}}"#);
        ws.send(frame(4, size.as_bytes())).map_err(|e| format!("send resize: {e}"))?;
    }
    if !input.stdin.is_empty() {
        ws.send(frame(0, &input.stdin)).map_err(|e| format!("send stdin: {e}"))?;
    }

    let mut session = Session::default();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        match ws.read() {
            Ok(Message::Binary(bytes)) => match bytes.split_first() {
                Some((1, data)) => session.stdout.extend_from_slice(data),
                Some((2, data)) => session.stderr.extend_from_slice(data),
                Some((3, data)) => session.status.extend_from_slice(data),
                _ => {}
            },
            Ok(Message::Close(_)) | Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                return Ok(session);
            }
            Ok(_) => {}
            Err(e) => return Err(format!("read: {e}; so far: {session:?}")),
        }
    }
    Err(format!("no end of the session within 30 s; so far: {session:?}"))
}

/// The exit code a v4 status reports: 0 for Success, the ExitCode cause
/// for NonZeroExitCode.
pub fn exit_code(status: &[u8]) -> Res<i32> {
    let text = String::from_utf8_lossy(status);
    let json: serde_json::Value = serde_json::from_slice(status).map_err(|e| format!("status {text:?}: {e}"))?;
    match json.get("status").and_then(|s| s.as_str()) {
        Some("Success") => Ok(0),
        Some("Failure") if json.get("reason").and_then(|r| r.as_str()) == Some("NonZeroExitCode") => json
            .pointer("/details/causes")
            .and_then(|c| c.as_array())
            .and_then(|causes| causes.iter().find(|c| c.get("reason").and_then(|r| r.as_str()) == Some("ExitCode")))
            .and_then(|c| c.get("message")?.as_str()?.parse().ok())
            .ok_or_else(|| format!("no ExitCode cause in {text}")),
        _ => Err(format!("status {text}")),
    }
}
