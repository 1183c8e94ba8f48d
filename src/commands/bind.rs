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

use super::{Completion, Connected, JobError, NetworkSettings, Verbosity, runtime};
use mxlookup::identity::association::{self, Expected, SignatureCheck};
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

fn config(message: impl Into<String>, hint: Option<&str>) -> JobError {
    JobError::Config {
        message: message.into(),
        hint: hint.map(str::to_owned),
    }
}

/// A call that failed at `step`, with what to do about its error code.
fn call_failed(step: &str, e: &CallError) -> JobError {
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
    config(format!("{step}: {e}"), hint)
}

/// A call through the identity server's session that failed at `step`.
fn session_failed(step: &str, e: &SessionError) -> JobError {
    match e {
        SessionError::Call(call) => call_failed(step, call),
        other => JobError::Config {
            message: format!("{step}: {other}"),
            hint: other.hint(),
        },
    }
}

/// A step of the exchange that failed once the servers were reached: said
/// on stderr, and the run ends partial (exit 1), not as a usage error.
fn partial(error: JobError) -> Completion {
    eprintln!("error: {error}");
    if let Some(hint) = error.hint() {
        eprintln!("hint: {hint}");
    }
    Completion::Partial
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

/// The identity server a bind publishes on, and what the bind needs around
/// it: the homeserver and the validation sessions kept between runs.
struct Target<'a> {
    /// The identity server's name, for messages.
    server: String,
    /// What the homeserver calls it (`host[:port]`).
    id_server: String,
    /// Its session (tokens, terms).
    session: Session,
    /// The homeserver; absent only with `--request-only`.
    homeserver: Option<&'a HomeserverClient>,
    /// The kept validation sessions, unless the token cache is off.
    store: Option<PendingValidations>,
    /// The identity server's URL, which keys its kept sessions.
    key: String,
}

impl<'a> Target<'a> {
    /// The one start server, what the homeserver calls it, and the
    /// homeserver; errors are usage errors.
    fn new(settings: &BindSettings, connected: &'a Connected) -> Result<Self, JobError> {
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
        let id_server = match &settings.id_server {
            Some(name) => name.clone(),
            None => id_server_of(&base).ok_or_else(|| {
                config(format!("{server} has no host to give the homeserver"), None)
            })?,
        };
        let homeserver = match (&connected.homeserver, settings.request_only) {
            (Some(hs), _) => Some(hs),
            (None, true) => None,
            (None, false) => {
                return Err(config(
                    "bind needs the homeserver, which records the binding",
                    Some(
                        "log in with `mxlookup login @you:example.org`, or pass --homeserver URL with --hs-token TOKEN (or MXLOOKUP_HS_TOKEN)",
                    ),
                ));
            }
        };
        let store = settings
            .network
            .token_cache
            .then(PendingValidations::default_path)
            .flatten()
            .map(PendingValidations::open);
        Ok(Target {
            server,
            id_server,
            session,
            homeserver,
            store,
            key: base.as_str().to_owned(),
        })
    }

    /// The validation session a `--token` answers, kept by an earlier run.
    fn waiting(&self, medium: Medium, address: &str) -> Result<PendingValidation, JobError> {
        let pending = self
            .store
            .as_ref()
            .and_then(|s| s.get(&self.key, medium.as_str(), address))
            .cloned();
        pending.ok_or_else(|| {
            config(
                format!(
                    "no validation session for {} on {} is waiting for a token",
                    for_terminal(address),
                    self.server
                ),
                Some(
                    "run the same bind without --token (or with --request-only) to have a token sent first",
                ),
            )
        })
    }

    /// Keeps (or, with `None`, forgets) the validation session of `address`.
    fn keep(
        &mut self,
        medium: Medium,
        address: &str,
        pending: Option<PendingValidation>,
    ) -> std::io::Result<()> {
        match &mut self.store {
            Some(store) => store.set(&self.key, medium.as_str(), address, pending),
            None => Ok(()),
        }
    }
}

async fn run_bind(settings: &BindSettings, address: String) -> Result<Completion, JobError> {
    let connected = settings.network.connect(false).await?;
    let mut target = Target::new(settings, &connected)?;
    let medium = settings.medium;
    let (pending, token) = match &settings.token {
        Some(token) => (target.waiting(medium, &address)?, token.trim().to_owned()),
        None => match validate(settings, &mut target, &address).await {
            Ok(Some(validated)) => validated,
            Ok(None) => return Ok(Completion::Complete),
            Err(e) => return Ok(partial(e)),
        },
    };
    let homeserver = target
        .homeserver
        .expect("checked above unless --request-only");
    let outcome = complete_bind(
        &target.session,
        homeserver,
        medium,
        &address,
        &target.id_server,
        &pending,
        &token,
    )
    .await;
    let (association, mxid) = match outcome {
        Ok(done) => done,
        Err(e) => return Ok(partial(e)),
    };
    let _ = target.keep(medium, &address, None);
    let expected = Expected {
        medium,
        address: &address,
        mxid: &mxid,
    };
    let checks = association::check(target.session.client(), &association, expected).await;
    let verified = association::all_verified(&checks);
    let report = BindReport {
        medium: medium.as_str(),
        address,
        mxid,
        server: target.server,
        id_server: target.id_server,
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

/// Without `--token`: has a token sent and keeps the session; then, unless
/// `--request-only` (`None`: done), reads the token the user received.
async fn validate(
    settings: &BindSettings,
    target: &mut Target<'_>,
    address: &str,
) -> Result<Option<(PendingValidation, String)>, JobError> {
    let pending = request_token(settings, &target.session, address).await?;
    if let Err(e) = target.keep(settings.medium, address, Some(pending.clone()))
        && let Some(store) = &target.store
    {
        eprintln!(
            "warning: cannot keep the validation session in {}: {e}",
            store.path().display()
        );
    }
    if settings.request_only {
        if settings.verbosity >= Verbosity::Normal {
            eprintln!(
                "{} sent a token to {}. When it arrives, run the same command with --token TOKEN instead of --request-only.",
                target.server,
                for_terminal(address)
            );
        }
        return Ok(None);
    }
    let token = read_token(address, &target.server).await?;
    Ok(Some((pending, token)))
}

/// Opens a validation session: the server sends a token to the address.
async fn request_token(
    settings: &BindSettings,
    session: &Session,
    address: &str,
) -> Result<PendingValidation, JobError> {
    let secret = client_secret()?;
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
            let body = MsisdnTokenRequest {
                client_secret: secret.clone(),
                country: country_of(address, &settings.msisdn),
                phone_number: format!("+{address}"),
                send_attempt: 1,
            };
            session
                .call(async |client, token| client.request_msisdn_token(&token, &body).await)
                .await
        }
    };
    let answer = answer.map_err(|e| session_failed("requesting a validation token", &e))?;
    Ok(PendingValidations::record(answer.sid, secret, 1))
}

/// The two-letter country of a normalised number (its E.164 digits), else
/// the region it was read in, else empty.
fn country_of(address: &str, msisdn: &MsisdnOptions) -> String {
    phonenumber::parse(None, format!("+{address}"))
        .ok()
        .and_then(|n| n.country().id())
        .map(|id| id.as_ref().to_owned())
        .or_else(|| msisdn.region.map(|r| r.code().to_owned()))
        .unwrap_or_default()
}

/// The token, from the terminal (with a prompt) or a line of stdin.
async fn read_token(address: &str, server: &str) -> Result<String, JobError> {
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
    .map_err(|e| config(format!("reading the token: {e}"), None))?
    .map_err(|e| config(format!("reading the token from stdin: {e}"), None))?;
    let token = line.trim();
    if token.is_empty() {
        return Err(config(
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
) -> Result<(Value, String), JobError> {
    let submit = SubmitToken {
        sid: pending.sid.clone(),
        client_secret: pending.client_secret.clone(),
        token: token.to_owned(),
    };
    let result = session
        .call(async |client, is_token| client.submit_token(&is_token, medium, &submit).await)
        .await
        .map_err(|e| session_failed("submitting the token", &e))?;
    if !result.success {
        return Err(config(
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
        .map_err(|e| call_failed("asking the homeserver who the user is", &e))?;
    let id_access_token = session
        .access_token()
        .await
        .map_err(|e| session_failed("getting a token for the identity server", &e))?;
    homeserver
        .bind_3pid(&HsBindRequest {
            client_secret: pending.client_secret.clone(),
            id_access_token,
            id_server: id_server.to_owned(),
            sid: pending.sid.clone(),
        })
        .await
        .map_err(|e| call_failed("binding through the homeserver", &e))?;
    let bind = BindRequest {
        sid: pending.sid.clone(),
        client_secret: pending.client_secret.clone(),
        mxid: mxid.clone(),
    };
    let association = session
        .call(async |client, token| client.bind(&token, &bind).await)
        .await
        .map_err(|e| {
            session_failed(
                "the homeserver bound the address, but its signature cannot be checked: fetching the signed association",
                &e,
            )
        })?;
    Ok((association, mxid))
}

fn print_bind(report: &BindReport, format: BindFormat) -> Result<(), JobError> {
    let mut out = std::io::stdout().lock();
    let written = match format {
        BindFormat::Json => serde_json::to_writer_pretty(&mut out, report)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out)),
        BindFormat::Text => out.write_all(bind_text(report).as_bytes()),
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

/// `bind`'s report for people: what was bound, then each signature.
fn bind_text(report: &BindReport) -> String {
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
    text
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
    let (homeserver, from_server) = settings.network.homeserver_only().await?;
    let Some(homeserver) = homeserver else {
        return Err(config(
            "unbind asks the homeserver, which holds the binding",
            Some(
                "log in with `mxlookup login @you:example.org`, or pass --homeserver URL with --hs-token TOKEN (or MXLOOKUP_HS_TOKEN)",
            ),
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
        Err(e) => return Ok(partial(call_failed("unbinding through the homeserver", &e))),
    };
    let report = UnbindReport {
        medium: settings.medium.as_str(),
        address,
        id_server,
        result,
    };
    print_unbind(&report, settings.format)?;
    if report.result == "success" {
        Ok(Completion::Complete)
    } else {
        eprintln!(
            "hint: `no-support` means the homeserver knows no identity server holding it, or the server does not support unbinding; pass --id-server or -s to name it"
        );
        Ok(Completion::Partial)
    }
}

fn print_unbind(report: &UnbindReport, format: BindFormat) -> Result<(), JobError> {
    let mut out = std::io::stdout().lock();
    let where_ = report.id_server.as_deref().map_or_else(
        || "every identity server it was bound on".to_owned(),
        for_terminal_owned,
    );
    let written = match format {
        BindFormat::Json => serde_json::to_writer_pretty(&mut out, report)
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
    })
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
}
