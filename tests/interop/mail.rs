//! Fixtures for binding: an SMTP sink on loopback that sydent mails its
//! validation tokens to, and a TLS front for a sydent (Synapse reaches
//! identity servers over https only).

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::servers::{Guarded, Interop, temp_dir};

/// One mail as the sink received it.
#[derive(Debug, Clone)]
pub struct Mail {
    /// `RCPT TO` addresses.
    pub to: Vec<String>,
    /// The message (headers and body), dot-unstuffed.
    pub data: String,
}

/// A minimal SMTP server that accepts every mail and keeps it.
pub struct SmtpSink {
    /// Its port on 127.0.0.1.
    pub port: u16,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind SMTP sink");
        let port = listener.local_addr().expect("address").port();
        let mails = Arc::new(Mutex::new(Vec::new()));
        let kept = mails.clone();
        // The thread ends with the test process; each connection is short.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let kept = kept.clone();
                std::thread::spawn(move || {
                    let _ = serve(stream, &kept);
                });
            }
        });
        SmtpSink { port, mails }
    }

    /// Waits for a mail to `to` and returns the token it carries (the line
    /// `Your validation token: …` of `verification_template.eml`).
    pub fn token_for(&self, to: &str, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            let found = self
                .mails
                .lock()
                .expect("mails")
                .iter()
                .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(to)))
                .find_map(|m| {
                    m.data.lines().find_map(|l| {
                        l.strip_prefix("Your validation token: ")
                            .map(|t| t.trim().to_owned())
                    })
                });
            if let Some(token) = found {
                return token;
            }
            assert!(
                Instant::now() < deadline,
                "no mail to {to} within {within:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Every mail so far.
    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().expect("mails").clone()
    }
}

/// One SMTP conversation (RFC 5321, the commands smtplib sends).
fn serve(stream: TcpStream, mails: &Mutex<Vec<Mail>>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    out.write_all(b"220 sink ESMTP\r\n")?;
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        if command.starts_with("EHLO") || command.starts_with("HELO") {
            out.write_all(b"250 sink\r\n")?;
        } else if command.starts_with("RCPT TO:") {
            let address = line.trim_end()[8..]
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned();
            to.push(address);
            out.write_all(b"250 OK\r\n")?;
        } else if command == "DATA" {
            out.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")?;
            let mut data = String::new();
            loop {
                line.clear();
                if reader.read_line(&mut line)? == 0 {
                    return Ok(());
                }
                let text = line.trim_end_matches(['\r', '\n']);
                if text == "." {
                    break;
                }
                data.push_str(text.strip_prefix('.').unwrap_or(text));
                data.push('\n');
            }
            mails.lock().expect("mails").push(Mail {
                to: std::mem::take(&mut to),
                data,
            });
            out.write_all(b"250 OK queued\r\n")?;
        } else if command == "QUIT" {
            out.write_all(b"221 bye\r\n")?;
            return Ok(());
        } else {
            // MAIL FROM, RSET, NOOP…
            out.write_all(b"250 OK\r\n")?;
        }
    }
}

/// `harness.py tls-proxy` in front of a sydent, with Synapse's self-signed
/// certificate (for 127.0.0.1), stopped when dropped.
pub struct TlsFront {
    /// Its port on 127.0.0.1.
    pub port: u16,
    _dir: tempfile::TempDir,
    _guard: Guarded,
}

impl TlsFront {
    pub fn start(interop: &'static Interop, upstream: &str) -> TlsFront {
        let upstream_port = upstream
            .rsplit(':')
            .next()
            .and_then(|p| p.trim_end_matches('/').parse::<u16>().ok())
            .expect("upstream port");
        let ports = interop.sydent_py(&[OsStr::new("free-ports"), OsStr::new("1")]);
        let port = ports[0].as_u64().expect("a port") as u16;
        let dir = temp_dir("tls-");
        let cert = interop.synapse_dir.join("tls.crt");
        let key = interop.synapse_dir.join("tls.key");
        let python = interop.sydent_python();
        let harness = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop/harness.py");
        let guard = Guarded::spawn(
            &python,
            &dir.path().join("tls-proxy.log"),
            dir.path(),
            &[],
            &[
                python.as_os_str(),
                harness.as_os_str(),
                OsStr::new("tls-proxy"),
                OsStr::new(&port.to_string()),
                OsStr::new(&upstream_port.to_string()),
                cert.as_os_str(),
                key.as_os_str(),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the TLS proxy did not listen:\n{}",
                guard.log_tail()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        TlsFront {
            port,
            _dir: dir,
            _guard: guard,
        }
    }

    /// `https://127.0.0.1:PORT`, the `-s` URL.
    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// The certificate to trust (`--ca-cert`).
    pub fn ca_cert(interop: &Interop) -> PathBuf {
        interop.synapse_dir.join("tls.crt")
    }
}
