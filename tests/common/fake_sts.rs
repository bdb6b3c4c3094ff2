//! A stand-in for an STS endpoint on 127.0.0.1, for failures moto cannot
//! produce (silence, a stalled body, garbage, HTTP 500, hostile text) and for
//! a minimal working STS where no moto is needed. It is bounded: it stops when
//! dropped, and by itself after [`LIFETIME`] or [`MAX_CONNECTIONS`].

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

/// The longest a fake server lives, whatever the test does.
pub const LIFETIME: Duration = Duration::from_secs(60);
/// The most connections it accepts.
pub const MAX_CONNECTIONS: usize = 64;

/// What the server does with each request.
#[derive(Clone, Debug)]
pub enum Behaviour {
    /// Accepts the connection, reads the request, and never answers.
    Silent,
    /// Answers every request with `status` and `body`.
    Reply { status: u16, content_type: &'static str, body: Vec<u8> },
    /// Sends a 200 that promises `declared` bytes, sends `sent`, then stalls.
    Stall { declared: usize, sent: Vec<u8> },
    /// A working STS: `GetCallerIdentity` (an IAM user for `AKIA…` keys, the
    /// assumed role for keys it handed out) and `AssumeRole`.
    Sts,
}

/// A running fake server.
pub struct FakeSts {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    stop: Arc<AtomicBool>,
    bodies: Arc<Mutex<Vec<String>>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeSts {
    /// Starts a server on a free loopback port.
    pub fn start(behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("non-blocking listener");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let state = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
        let (stop2, bodies2) = (stop.clone(), bodies.clone());
        let thread = std::thread::spawn(move || {
            let deadline = Instant::now() + LIFETIME;
            let mut accepted = 0;
            while !stop2.load(Ordering::SeqCst) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((conn, _)) if accepted < MAX_CONNECTIONS => {
                        accepted += 1;
                        let (b, s, st, stop) = (behaviour.clone(), bodies2.clone(), state.clone(), stop2.clone());
                        std::thread::spawn(move || serve(conn, &b, &s, &st, &stop, deadline));
                    }
                    Ok(_) => {}
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Self { url, stop, bodies, thread: Some(thread) }
    }

    /// The bodies of the requests received so far (form-encoded STS calls).
    pub fn bodies(&self) -> Vec<String> {
        self.bodies.lock().unwrap().clone()
    }
}

impl Drop for FakeSts {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads one request: (headers, body).
fn read_request(conn: &mut TcpStream) -> Option<(String, String)> {
    conn.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = conn.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 1 << 20 {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case("content-length").then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = conn.read(&mut chunk).ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some((head, String::from_utf8_lossy(&buf[head_end..]).into_owned()))
}

fn hold(stop: &AtomicBool, deadline: Instant) {
    while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn respond(conn: &mut TcpStream, status: u16, content_type: &str, body: &[u8]) {
    let head = format!(
        "HTTP/1.1 {status} Whatever\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nx-amzn-RequestId: fake\r\n\r\n",
        body.len()
    );
    let _ = conn.write_all(head.as_bytes()).and_then(|()| conn.write_all(body));
}

type Issued = Mutex<Vec<(String, String)>>;

fn serve(
    mut conn: TcpStream,
    behaviour: &Behaviour,
    bodies: &Mutex<Vec<String>>,
    issued: &Issued,
    stop: &AtomicBool,
    deadline: Instant,
) {
    // Keep-alive: answer requests on this connection until it closes.
    while let Some((head, body)) = read_request(&mut conn) {
        bodies.lock().unwrap().push(body.clone());
        match behaviour {
            Behaviour::Silent => return hold(stop, deadline),
            Behaviour::Reply { status, content_type, body } => respond(&mut conn, *status, content_type, body),
            Behaviour::Stall { declared, sent } => {
                let head = format!("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {declared}\r\n\r\n");
                let _ = conn.write_all(head.as_bytes()).and_then(|()| conn.write_all(sent));
                return hold(stop, deadline);
            }
            Behaviour::Sts => {
                let xml = sts_answer(&head, &body, issued);
                respond(&mut conn, 200, "text/xml", xml.as_bytes());
            }
        }
    }
}

fn form(body: &str, key: &str) -> Option<String> {
    body.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| decode(v))
    })
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The access key id the request was signed with.
fn signer(head: &str) -> String {
    head.split("Credential=").nth(1).and_then(|rest| rest.split('/').next()).unwrap_or_default().to_owned()
}

fn sts_answer(head: &str, body: &str, issued: &Issued) -> String {
    const NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
    let meta = "<ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata>";
    match form(body, "Action").as_deref() {
        Some("AssumeRole") => {
            let role = form(body, "RoleArn").unwrap_or_default();
            let session = form(body, "RoleSessionName").unwrap_or_default();
            let secs: u64 = form(body, "DurationSeconds").and_then(|d| d.parse().ok()).unwrap_or(3600);
            let account = role.split(':').nth(4).unwrap_or_default().to_owned();
            let name = role.rsplit('/').next().unwrap_or_default().to_owned();
            let arn = format!("arn:aws:sts::{account}:assumed-role/{name}/{session}");
            let mut issued = issued.lock().unwrap();
            let key = format!("ASIAFAKE{:012}", issued.len());
            issued.push((key.clone(), arn.clone()));
            let exp = aws_smithy_types::DateTime::from(SystemTime::now() + Duration::from_secs(secs))
                .fmt(aws_smithy_types::date_time::Format::DateTime)
                .unwrap();
            format!(
                "<AssumeRoleResponse xmlns=\"{NS}\"><AssumeRoleResult><Credentials>\
                 <AccessKeyId>{key}</AccessKeyId><SecretAccessKey>fake-secret</SecretAccessKey>\
                 <SessionToken>fake-token</SessionToken><Expiration>{exp}</Expiration></Credentials>\
                 <AssumedRoleUser><AssumedRoleId>AROAFAKE:{session}</AssumedRoleId><Arn>{arn}</Arn></AssumedRoleUser>\
                 </AssumeRoleResult>{meta}</AssumeRoleResponse>"
            )
        }
        _ => {
            let key = signer(head);
            let known = issued.lock().unwrap().iter().find(|(k, _)| *k == key).map(|(_, arn)| arn.clone());
            let arn = known.unwrap_or_else(|| "arn:aws:iam::111111111111:user/alice".to_owned());
            let account = arn.split(':').nth(4).unwrap_or_default().to_owned();
            format!(
                "<GetCallerIdentityResponse xmlns=\"{NS}\"><GetCallerIdentityResult>\
                 <Arn>{arn}</Arn><UserId>AIDAFAKE</UserId><Account>{account}</Account>\
                 </GetCallerIdentityResult>{meta}</GetCallerIdentityResponse>"
            )
        }
    }
}
