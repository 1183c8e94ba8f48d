//! `mxlookup bind` and `unbind`: publish one of the user's own addresses on
//! an identity server, the way the specification has it today.
//!
//! Bind: the identity server sends a token to the address
//! (`validate/{medium}/requestToken`), the user gives it back
//! (`submitToken`), the homeserver binds the validated session on the
//! identity server (`account/3pid/bind`, which hands the homeserver our IS
//! token as `id_access_token`), and the identity server's signed association
//! (`3pid/bind` on the same session answers it) is checked: ed25519 over
//! canonical JSON, with the key from `pubkey/{keyId}`. Unbind asks the
//! homeserver (`account/3pid/unbind`), which holds the binding.

use std::io::{BufRead, IsTerminal, Write};

use serde::Serialize;
use serde_json::Value;
use url::Url;

use super::{Completion, JobError, NetworkSettings, Verbosity, runtime};
use mxlookup::identity::signed::{self, SignatureError};
use mxlookup::identity::wire::{
    BindRequest, EmailTokenRequest, HsBindRequest, HsUnbindRequest, MsisdnTokenRequest, SubmitToken,
};
use mxlookup::identity::{
    CallError, HomeserverClient, PendingValidation, PendingValidations, Session, SessionError,
};
use mxlookup::sanitize::for_terminal;
use mxlookup::threepid::{Medium, MsisdnOptions, normalise};

/// How `bind` and `unbind` print their outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BindFormat {
    /// A few lines for people.
    #[default]
    Text,
    /// One JSON object.
    Json,
}

/// Validated settings of `mxlookup bind`.
#[derive(Debug, Clone)]
pub struct BindSettings {
    /// `email` or `msisdn`.
    pub medium: Medium,
    /// The address as given.
    pub address: String,
    /// How a phone number is read.
    pub msisdn: MsisdnOptions,
    /// The identity server (one `-s`), the homeserver and its token.
    pub network: NetworkSettings,
    /// The name the homeserver reaches the identity server by (`host[:port]`,
    /// over https); by default the host and port of `-s`.
    pub id_server: Option<String>,
    /// The token received, for a session requested earlier.
    pub token: Option<String>,
    /// Have the token sent, keep the session, and stop.
    pub request_only: bool,
    /// Text or JSON.
    pub format: BindFormat,
    /// How much goes to stderr.
    pub verbosity: Verbosity,
}

/// Validated settings of `mxlookup unbind`.
#[derive(Debug, Clone)]
pub struct UnbindSettings {
    /// `email` or `msisdn`.
    pub medium: Medium,
    /// The address as given.
    pub address: String,
    /// How a phone number is read.
    pub msisdn: MsisdnOptions,
    /// The homeserver and its token; `-s` names the identity server.
    pub network: NetworkSettings,
    /// The identity server to unbind from; absent (and no `-s`): every one
    /// the homeserver bound the address on.
    pub id_server: Option<String>,
    /// Text or JSON.
    pub format: BindFormat,
}

/// A step that failed: the message and what to do.
struct Failed {
    message: String,
    hint: Option<String>,
}

impl Failed {
    fn new(message: impl Into<String>, hint: Option<&str>) -> Self {
        Failed {
            message: message.into(),
            hint: hint.map(str::to_owned),
        }
    }

    fn call(step: &str, e: &CallError) -> Self {
        let hint = match e.errcode() {
            Some("M_NO_VALID_SESSION" | "M_SESSION_EXPIRED") => Some(
                "the validation session is gone or expired: run the bind again without --token to have a new token sent",
            ),
            Some("M_SESSION_NOT_VALIDATED") => {
                Some("the token was not accepted: check it and try again with --token")
            }
            Some("M_THREEPID_IN_USE") => {
                Some("this address is bound to another account: unbind it there first")
            }
            Some("M_UNRECOGNIZED") | None if e.status() == Some(404) => {
                Some("this server does not offer this endpoint: it may not support binding")
            }
            _ if e.is_unauthorized() => Some(
                "the token was refused: check --hs-token (or MXLOOKUP_HS_TOKEN) and --access-token",
            ),
            _ => None,
        };
        Failed::new(format!("{step}: {e}"), hint)
    }

    fn session(step: &str, e: &SessionError) -> Self {
        match e {
            SessionError::Call(call) => Failed::call(step, call),
            other => Failed {
                message: format!("{step}: {other}"),
                hint: other.hint(),
            },
        }
    }

    /// Prints it on stderr; the run ends partial (exit 1).
    fn report(self) -> Completion {
        eprintln!("error: {}", self.message);
        if let Some(hint) = self.hint {
            eprintln!("hint: {hint}");
        }
        Completion::Partial
    }
}

fn config(message: impl Into<String>, hint: Option<&str>) -> JobError {
    JobError::Config {
        message: message.into(),
        hint: hint.map(str::to_owned),
    }
}

/// The address, normalised; an invalid one is a usage error.
fn normalised(medium: Medium, address: &str, msisdn: &MsisdnOptions) -> Result<String, JobError> {
    normalise(address, medium, msisdn).map_err(|why| {
        config(
            format!(
                "`{}` is not a valid {}: {why}",
                for_terminal(address),
                medium.as_str()
            ),
            (medium == Medium::Msisdn)
                .then_some("write the number with its country code (+33 6 …) or pass -r CC"),
        )
    })
}

/// What the homeserver calls the identity server: `host[:port]` of its URL.
fn id_server_of(url: &Url) -> Option<String> {
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

/// A client secret: 32 characters of `[0-9a-zA-Z]` from the system's CSPRNG.
fn client_secret() -> Result<String, JobError> {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| config(format!("no random numbers from the system: {e}"), None))?;
    // 256 = 4 × 62 + 8: the slight bias left costs nothing against guessing.
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect())
}

/// `mxlookup bind`.
pub fn bind(settings: &BindSettings) -> Result<Completion, JobError> {
    let address = normalised(settings.medium, &settings.address, &settings.msisdn)?;
    if settings.network.sandbox.is_none() && settings.network.servers.len() > 1 {
        return Err(config(
            format!(
                "bind publishes on one identity server, and {} were given",
                settings.network.servers.len()
            ),
            Some("pass a single -s URL"),
        ));
    }
    runtime()?.block_on(run_bind(settings, address))
}

/// What `bind` reports.
#[derive(Debug, Serialize)]
struct BindReport {
    medium: &'static str,
    address: String,
    mxid: String,
    server: String,
    id_server: String,
    signatures: Vec<SignatureCheck>,
    verified: bool,
    association: Value,
}

/// One signature of the association, checked.
#[derive(Debug, Serialize)]
struct SignatureCheck {
    server: String,
    key_id: String,
    verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

async fn run_bind(settings: &BindSettings, address: String) -> Result<Completion, JobError> {
    let connected = settings.network.connect(false).await?;
    let resolver = &connected.resolver;
    if resolver.starts().len() != 1 {
        return Err(config(
            "bind publishes on one identity server: pass a single -s URL",
            None,
        ));
    }
    let server = resolver.starts()[0].name.clone();
    let base = resolver.starts()[0].url.clone();
    let session = resolver.start_session(0).expect("one start server");
    let medium = settings.medium;
    let id_server = match &settings.id_server {
        Some(name) => name.clone(),
        None => id_server_of(&base)
            .ok_or_else(|| config(format!("{server} has no host to give the homeserver"), None))?,
    };
    let homeserver = match (&connected.homeserver, settings.request_only) {
        (Some(hs), _) => Some(hs),
        (None, true) => None,
        (None, false) => {
            return Err(config(
                "bind needs the homeserver, which records the binding",
                Some("pass --homeserver URL with --hs-token TOKEN (or MXLOOKUP_HS_TOKEN)"),
            ));
        }
    };
    let mut store = settings
        .network
        .token_cache
        .then(PendingValidations::default_path)
        .flatten()
        .map(PendingValidations::open);
    let key = base.as_str().to_owned();

    let (pending, token) = match &settings.token {
        Some(token) => {
            let Some(pending) = store
                .as_ref()
                .and_then(|s| s.get(&key, medium.as_str(), &address))
                .cloned()
            else {
                return Err(config(
                    format!(
                        "no validation session for {} on {server} is waiting for a token",
                        for_terminal(&address)
                    ),
                    Some(
                        "run the same bind without --token (or with --request-only) to have a token sent first",
                    ),
                ));
            };
            (pending, token.trim().to_owned())
        }
        None => {
            let pending = match request_token(settings, &session, &address).await {
                Ok(pending) => pending,
                Err(failed) => return Ok(failed.report()),
            };
            if let Some(store) = &mut store
                && let Err(e) = store.set(&key, medium.as_str(), &address, Some(pending.clone()))
            {
                eprintln!(
                    "warning: cannot keep the validation session in {}: {e}",
                    store.path().display()
                );
            }
            if settings.request_only {
                if settings.verbosity >= Verbosity::Normal {
                    eprintln!(
                        "{server} sent a token to {}. When it arrives, run the same command with --token TOKEN instead of --request-only.",
                        for_terminal(&address)
                    );
                }
                return Ok(Completion::Complete);
            }
            match read_token(&address, &server).await {
                Ok(token) => (pending, token),
                Err(failed) => return Ok(failed.report()),
            }
        }
    };
    let homeserver = homeserver.expect("checked above unless --request-only");
    let outcome = complete_bind(
        &session, homeserver, medium, &address, &id_server, &pending, &token,
    )
    .await;
    let (association, mxid) = match outcome {
        Ok(done) => done,
        Err(failed) => return Ok(failed.report()),
    };
    if let Some(store) = &mut store {
        let _ = store.set(&key, medium.as_str(), &address, None);
    }
    let checks = check_association(&session, &association, medium, &address, &mxid).await;
    let verified = !checks.is_empty() && checks.iter().all(|c| c.verified);
    let report = BindReport {
        medium: medium.as_str(),
        address,
        mxid,
        server,
        id_server,
        signatures: checks,
        verified,
        association,
    };
    print_bind(&report, settings.format)?;
    drop(connected);
    Ok(if verified {
        Completion::Complete
    } else {
        Completion::Partial
    })
}

/// Opens a validation session: the server sends a token to the address.
async fn request_token(
    settings: &BindSettings,
    session: &Session,
    address: &str,
) -> Result<PendingValidation, Failed> {
    let secret = client_secret().map_err(|e| Failed::new(e.to_string(), None))?;
    let answer = match settings.medium {
        Medium::Email => {
            let body = EmailTokenRequest {
                client_secret: secret.clone(),
                email: address.to_owned(),
                send_attempt: 1,
            };
            session
                .call(async |client, token| client.request_email_token(&token, &body).await)
                .await
        }
        Medium::Msisdn => {
            let international = format!("+{address}");
            let country = phonenumber::parse(None, &international)
                .ok()
                .and_then(|n| n.country().id())
                .map(|id| id.as_ref().to_owned())
                .or_else(|| settings.msisdn.region.map(|r| r.code().to_owned()))
                .unwrap_or_default();
            let body = MsisdnTokenRequest {
                client_secret: secret.clone(),
                country,
                phone_number: international,
                send_attempt: 1,
            };
            session
                .call(async |client, token| client.request_msisdn_token(&token, &body).await)
                .await
        }
    };
    let answer = answer.map_err(|e| Failed::session("requesting a validation token", &e))?;
    Ok(PendingValidations::record(answer.sid, secret, 1))
}

/// The token, from the terminal (with a prompt) or a line of stdin.
async fn read_token(address: &str, server: &str) -> Result<String, Failed> {
    let prompt = format!(
        "{server} sent a token to {}; enter it: ",
        for_terminal(address)
    );
    let line = tokio::task::spawn_blocking(move || {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            eprint!("{prompt}");
            let _ = std::io::stderr().flush();
        }
        let mut line = String::new();
        stdin.lock().read_line(&mut line).map(|_| line)
    })
    .await
    .map_err(|e| Failed::new(format!("reading the token: {e}"), None))?
    .map_err(|e| Failed::new(format!("reading the token from stdin: {e}"), None))?;
    let token = line.trim();
    if token.is_empty() {
        return Err(Failed::new(
            "no token was given on stdin",
            Some(
                "the validation session is kept: run the same command with --token TOKEN once the token arrives",
            ),
        ));
    }
    Ok(token.to_owned())
}

/// Submits the token, has the homeserver bind the session, and fetches the
/// identity server's signed association of it; returns it and the user.
async fn complete_bind(
    session: &Session,
    homeserver: &HomeserverClient,
    medium: Medium,
    address: &str,
    id_server: &str,
    pending: &PendingValidation,
    token: &str,
) -> Result<(Value, String), Failed> {
    let submit = SubmitToken {
        sid: pending.sid.clone(),
        client_secret: pending.client_secret.clone(),
        token: token.to_owned(),
    };
    let result = session
        .call(async |client, is_token| client.submit_token(&is_token, medium, &submit).await)
        .await
        .map_err(|e| Failed::session("submitting the token", &e))?;
    if !result.success {
        return Err(Failed::new(
            format!(
                "{} did not accept the token for {}",
                session.client().name(),
                for_terminal(address)
            ),
            Some("check the token; the session is kept, so --token can be given again"),
        ));
    }
    let mxid = homeserver
        .whoami()
        .await
        .map_err(|e| Failed::call("asking the homeserver who the user is", &e))?;
    let id_access_token = session
        .access_token()
        .await
        .map_err(|e| Failed::session("getting a token for the identity server", &e))?;
    homeserver
        .bind_3pid(&HsBindRequest {
            client_secret: pending.client_secret.clone(),
            id_access_token,
            id_server: id_server.to_owned(),
            sid: pending.sid.clone(),
        })
        .await
        .map_err(|e| Failed::call("binding through the homeserver", &e))?;
    let bind = BindRequest {
        sid: pending.sid.clone(),
        client_secret: pending.client_secret.clone(),
        mxid: mxid.clone(),
    };
    let association = session
        .call(async |client, token| client.bind(&token, &bind).await)
        .await
        .map_err(|e| {
            let mut failed = Failed::session("fetching the signed association", &e);
            failed.message.insert_str(
                0,
                "the homeserver bound the address, but its signature cannot be checked: ",
            );
            failed
        })?;
    Ok((association, mxid))
}

/// Checks that the association names this address and user, is current,
/// and carries signatures that verify with the server's published keys.
async fn check_association(
    session: &Session,
    association: &Value,
    medium: Medium,
    address: &str,
    mxid: &str,
) -> Vec<SignatureCheck> {
    let field = |name: &str| association.get(name).and_then(Value::as_str);
    let mut content_problem = None;
    if field("medium") != Some(medium.as_str()) || field("address") != Some(address) {
        content_problem = Some(format!(
            "the association is for {} {}, not this address",
            for_terminal(field("medium").unwrap_or("?")),
            for_terminal(field("address").unwrap_or("?"))
        ));
    } else if field("mxid") != Some(mxid) {
        content_problem = Some(format!(
            "the association names {}, not {mxid}",
            for_terminal(field("mxid").unwrap_or("?"))
        ));
    } else if let Some(window) = outside_validity(association) {
        content_problem = Some(window);
    }
    let signers = signed::signers(association);
    if signers.is_empty() {
        return vec![SignatureCheck {
            server: session.client().name().to_owned(),
            key_id: String::new(),
            verified: false,
            reason: Some(
                content_problem
                    .unwrap_or_else(|| "the association carries no ed25519 signature".into()),
            ),
        }];
    }
    let mut checks = Vec::with_capacity(signers.len());
    for (server, key_id) in signers {
        let reason = match session.client().public_key(&key_id).await {
            Err(e) => Some(format!("cannot fetch its key: {e}")),
            Ok(key) => match signed::verify(association, &server, &key_id, &key.public_key) {
                Ok(()) => content_problem.clone(),
                Err(SignatureError::Mismatch) => {
                    Some("the signature does not match the association".to_owned())
                }
                Err(e) => Some(e.to_string()),
            },
        };
        checks.push(SignatureCheck {
            server,
            key_id,
            verified: reason.is_none(),
            reason,
        });
    }
    checks
}

/// Why `not_before`/`not_after` (milliseconds) exclude now, if they do.
fn outside_validity(association: &Value) -> Option<String> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let ms = |name: &str| association.get(name).and_then(Value::as_u64);
    match (ms("not_before"), ms("not_after")) {
        (Some(before), _) if now + 60_000 < before => {
            Some("the association is not valid yet (not_before is in the future)".to_owned())
        }
        (_, Some(after)) if now > after => Some("the association has expired".to_owned()),
        _ => None,
    }
}

fn print_bind(report: &BindReport, format: BindFormat) -> Result<(), JobError> {
    let mut out = std::io::stdout().lock();
    let written = match format {
        BindFormat::Json => serde_json::to_writer_pretty(&mut out, report)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out)),
        BindFormat::Text => {
            let mut text = format!(
                "bound {} {} to {} on {} (the homeserver reaches it as {})\n",
                report.medium,
                for_terminal(&report.address),
                for_terminal(&report.mxid),
                report.server,
                for_terminal(&report.id_server)
            );
            for check in &report.signatures {
                match &check.reason {
                    None => text.push_str(&format!(
                        "signature {} {}: verified\n",
                        for_terminal(&check.server),
                        for_terminal(&check.key_id)
                    )),
                    Some(reason) => text.push_str(&format!(
                        "signature {} {}: NOT verified: {}\n",
                        for_terminal(&check.server),
                        for_terminal(&check.key_id),
                        for_terminal(reason)
                    )),
                }
            }
            out.write_all(text.as_bytes())
        }
    };
    written.map_err(|source| JobError::Output {
        target: "stdout".to_owned(),
        source,
    })?;
    if !report.verified {
        eprintln!(
            "error: {} bound the address, but its association could not be verified",
            report.server
        );
        eprintln!(
            "hint: the identity server's answer was not signed by a key it publishes; do not trust lookups through it until this is understood"
        );
    }
    Ok(())
}

/// What `unbind` reports.
#[derive(Debug, Serialize)]
struct UnbindReport {
    medium: &'static str,
    address: String,
    id_server: Option<String>,
    result: String,
}

/// `mxlookup unbind`.
pub fn unbind(settings: &UnbindSettings) -> Result<Completion, JobError> {
    let address = normalised(settings.medium, &settings.address, &settings.msisdn)?;
    runtime()?.block_on(run_unbind(settings, address))
}

async fn run_unbind(settings: &UnbindSettings, address: String) -> Result<Completion, JobError> {
    let (homeserver, from_server) = settings.network.homeserver_only()?;
    let Some(homeserver) = homeserver else {
        return Err(config(
            "unbind asks the homeserver, which holds the binding",
            Some("pass --homeserver URL with --hs-token TOKEN (or MXLOOKUP_HS_TOKEN)"),
        ));
    };
    let id_server = settings
        .id_server
        .clone()
        .or_else(|| from_server.as_ref().and_then(id_server_of));
    let body = HsUnbindRequest {
        medium: settings.medium.as_str().to_owned(),
        address: address.clone(),
        id_server: id_server.clone(),
    };
    let result = match homeserver.unbind_3pid(&body).await {
        Ok(result) => result,
        Err(e) => return Ok(Failed::call("unbinding through the homeserver", &e).report()),
    };
    let report = UnbindReport {
        medium: settings.medium.as_str(),
        address,
        id_server,
        result,
    };
    let mut out = std::io::stdout().lock();
    let where_ = report.id_server.as_deref().map_or_else(
        || "every identity server it was bound on".to_owned(),
        for_terminal_owned,
    );
    let written = match settings.format {
        BindFormat::Json => serde_json::to_writer_pretty(&mut out, &report)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out)),
        BindFormat::Text if report.result == "success" => writeln!(
            out,
            "unbound {} {} from {where_}",
            report.medium,
            for_terminal(&report.address)
        ),
        BindFormat::Text => writeln!(
            out,
            "not unbound: {} {} from {where_}: the homeserver answered {}",
            report.medium,
            for_terminal(&report.address),
            for_terminal(&report.result)
        ),
    };
    written.map_err(|source| JobError::Output {
        target: "stdout".to_owned(),
        source,
    })?;
    if report.result == "success" {
        Ok(Completion::Complete)
    } else {
        eprintln!(
            "hint: `no-support` means the homeserver knows no identity server holding it, or the server does not support unbinding; pass --id-server or -s to name it"
        );
        Ok(Completion::Partial)
    }
}

fn for_terminal_owned(text: &str) -> String {
    for_terminal(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_server_is_the_host_and_port_of_the_url() {
        let url = |s: &str| Url::parse(s).unwrap();
        assert_eq!(
            id_server_of(&url("https://matrix.example")).as_deref(),
            Some("matrix.example")
        );
        assert_eq!(
            id_server_of(&url("http://127.0.0.1:8090/")).as_deref(),
            Some("127.0.0.1:8090")
        );
    }

    #[test]
    fn client_secrets_are_long_fresh_and_in_the_allowed_alphabet() {
        let a = client_secret().unwrap();
        let b = client_secret().unwrap();
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
    }

    #[test]
    fn validity_windows_are_checked() {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        let assoc =
            |before: u64, after: u64| serde_json::json!({"not_before": before, "not_after": after});
        assert_eq!(outside_validity(&assoc(now - 1000, now + 1000)), None);
        assert!(outside_validity(&assoc(now - 2000, now - 1000)).is_some());
        assert!(outside_validity(&assoc(now + 3_600_000, now + 7_200_000)).is_some());
    }
}
