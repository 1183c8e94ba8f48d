//! `mxlookup login` and `mxlookup logout`: a password login to the user's
//! homeserver (found from the user ID: `--homeserver`, else the `m.homeserver`
//! of its server's `/.well-known/matrix/client`, else the server name), whose
//! token is kept for later runs (`identity::kept_session`, 0600), so that
//! `lookup`, `trace`, `push` and `bind` need no `--hs-token`; and the end of
//! that session on the homeserver, with the file. The password is read from
//! `--password-file`, else standard input when it is not a terminal, else a
//! prompt that does not echo; it goes to the homeserver only, and is never
//! written anywhere.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};

use url::Url;

use super::connect::http_client;
use super::{Completion, JobError, Verbosity, runtime};
use mxlookup::identity::kept_session::{KeptSession, SessionFile};
use mxlookup::identity::login::{self, Found, LoginError};
use mxlookup::identity::{CallError, ErrorKind, HomeserverClient, Http, HttpSettings};
use mxlookup::sanitize::for_terminal;

/// `login --help`'s closing text.
pub const LOGIN_HELP: &str = "\
Examples:
  mxlookup login @me:example.org
  mxlookup login @me:example.org --password-file ~/.config/mxlookup/password
  pass show matrix | mxlookup login @me:example.org --homeserver https://matrix.example.org

The session is kept in $XDG_STATE_HOME/mxlookup/session.json (mode 0600);
lookup, trace, push, bind and config show use it when no --hs-token is given
(and --homeserver, if given, is its homeserver). Logging in again replaces it.
A homeserver that offers no password login (single sign-on only) is named with
what it offers: take an access token from another client and pass --hs-token.

Exit codes: 0 logged in, 2 not (wrong password, no password login, no answer).";

/// `logout --help`'s closing text.
pub const LOGOUT_HELP: &str = "\
Ends the session `mxlookup login` kept, on its homeserver (its device goes
with it), and deletes $XDG_STATE_HOME/mxlookup/session.json. A session the
homeserver had already ended is forgotten all the same.

Exit codes: 0 logged out, or not logged in; 2 the homeserver could not be
told (the session is kept: try again, or delete the file to forget it).";

/// How `login` and `logout` reach the homeserver.
#[derive(Debug, Clone)]
pub struct ReachSettings {
    /// Time, retries, sizes.
    pub http: HttpSettings,
    /// `--ca-cert`.
    pub ca_cert: Option<PathBuf>,
}

/// The settings of `mxlookup login`.
#[derive(Debug, Clone)]
pub struct LoginSettings {
    /// The user ID, checked.
    pub user_id: String,
    /// Its server name.
    pub server: String,
    /// `--homeserver`, parsed.
    pub homeserver: Option<Url>,
    /// `--resolve` overrides, by canonical server name.
    pub resolve: BTreeMap<String, Url>,
    /// `--password-file`.
    pub password_file: Option<PathBuf>,
    /// `--device-name`.
    pub device_name: String,
    /// Time limits and certificates.
    pub reach: ReachSettings,
    /// `-q`/`-v`.
    pub verbosity: Verbosity,
}

fn config(message: impl Into<String>, hint: &str) -> JobError {
    JobError::config(message, Some(hint))
}

/// Where the session is kept, or why there is no such place.
fn session_file() -> Result<SessionFile, JobError> {
    SessionFile::default_place().ok_or_else(|| {
        config(
            "no place to keep the session: neither XDG_STATE_HOME nor HOME is set",
            "set HOME (or XDG_STATE_HOME) to your home folder",
        )
    })
}

/// The session `mxlookup login` kept, for the layers: none when there is
/// none, or (with a warning) when it cannot be read.
pub fn kept_session() -> Option<KeptSession> {
    let file = SessionFile::default_place()?;
    match file.load() {
        Ok(kept) => {
            if kept.is_some() {
                warn_if_shared(
                    file.path(),
                    "`mxlookup logout`, then `mxlookup login` again",
                );
            }
            kept
        }
        Err(e) => {
            eprintln!("warning: {e}; going on without it");
            eprintln!("hint: run `mxlookup login USER_ID` again to replace it");
            None
        }
    }
}

/// Before a run sends anything with the kept session's token: the
/// homeserver still takes it (`whoami`, which registration asks anyway).
pub async fn check_kept(kept: &KeptSession, hs: &HomeserverClient) -> Result<(), JobError> {
    match hs.user_id().await {
        Err(e) if e.is_unauthorized() => Err(config(
            format!(
                "{} refused the token of your session ({}): {}",
                hs.name(),
                kept.describe(),
                e.kind
            ),
            &format!(
                "run `mxlookup login {}` again (or pass --hs-token TOKEN)",
                for_terminal(&kept.user_id)
            ),
        )),
        _ => Ok(()),
    }
}

/// Logs in, keeps the session (replacing, and ending, the one before),
/// and says so on stderr.
pub fn login(settings: &LoginSettings) -> Result<Completion, JobError> {
    let file = session_file()?;
    // What can be read without asking is read before anything is sent.
    let mut password = match &settings.password_file {
        Some(path) => Some(password_from_file(path)?),
        None if !std::io::stdin().is_terminal() => Some(password_from_stdin()?),
        None => None,
    };
    let http = http_client(&settings.reach.http, settings.reach.ca_cert.as_deref())?;
    let runtime = runtime()?;
    let homeserver = runtime.block_on(homeserver_of(&http, settings))?;
    let password = match password.take() {
        Some(password) => password,
        None => prompt(&settings.user_id)?,
    };
    let logged_in = runtime
        .block_on(login::login_password(
            &http,
            &homeserver,
            &settings.user_id,
            &password,
            &settings.device_name,
        ))
        .map_err(login_error)?;
    drop(password);
    let kept = KeptSession {
        user_id: logged_in.user_id,
        homeserver: homeserver.as_str().trim_end_matches('/').to_owned(),
        access_token: logged_in.access_token,
        device_id: logged_in.device_id,
        logged_in_at: KeptSession::now(),
    };
    let before = file.load().ok().flatten();
    if let Err(e) = file.save(&kept) {
        // A token that cannot be kept is ended rather than left behind.
        let _ = runtime.block_on(login::logout(&http, &homeserver, &kept.access_token));
        return Err(config(
            format!("cannot keep the session in {}: {e}", file.path().display()),
            "check that the folder is yours and writable, or set XDG_STATE_HOME to one that is",
        ));
    }
    if let Some(before) = before.filter(|b| b.access_token != kept.access_token) {
        runtime.block_on(end_replaced(&http, &before, settings.verbosity));
    }
    if settings.verbosity > Verbosity::Quiet {
        eprintln!(
            "logged in as {} on {} (device {})",
            for_terminal(&kept.user_id),
            kept.homeserver,
            for_terminal(&kept.device_id)
        );
    }
    Ok(Completion::Complete)
}

/// `--homeserver`, else the one the user ID's server names, checked to
/// offer a password login.
async fn homeserver_of(http: &Http, settings: &LoginSettings) -> Result<Url, JobError> {
    let homeserver = match &settings.homeserver {
        Some(url) => url.clone(),
        None => {
            let base = login::server_base(&settings.server, &settings.resolve)
                .map_err(|e| config(e, "pass the homeserver's URL with --homeserver URL"))?;
            let found = login::find_homeserver(http, &base)
                .await
                .map_err(login_error)?;
            if settings.verbosity >= Verbosity::Verbose {
                let url = found.url.as_str().trim_end_matches('/');
                match &found.found {
                    Found::WellKnown(from) => eprintln!("homeserver {url} (from {from})"),
                    Found::ServerName => eprintln!(
                        "homeserver {url} (the server name: no /.well-known/matrix/client)"
                    ),
                }
            }
            found.url
        }
    };
    let offered = login::login_types(http, &homeserver)
        .await
        .map_err(|e| login_error(e.into()))?;
    login::check_password_offered(&homeserver, &offered).map_err(login_error)?;
    Ok(homeserver)
}

/// A failed login, with what to do about it.
fn login_error(e: LoginError) -> JobError {
    let hint = match &e {
        LoginError::NoPassword { .. } => {
            "log in with a client that supports it (e.g. Element), copy its access token (in Element: Settings > Help & About > Access Token) and pass --homeserver URL --hs-token TOKEN (or set MXLOOKUP_HS_TOKEN)".to_owned()
        }
        LoginError::Forbidden { .. } => {
            "check the user ID (as your client shows it, e.g. @me:example.org) and the password".to_owned()
        }
        LoginError::WellKnown { .. } => {
            "the user ID's server names its homeserver badly: pass the homeserver's URL with --homeserver URL".to_owned()
        }
        LoginError::Call(call) => call_hint(call),
        LoginError::BadAnswer { .. } => {
            "check that --homeserver is a Matrix homeserver's URL".to_owned()
        }
    };
    JobError::config(e.to_string(), Some(&hint))
}

fn call_hint(e: &CallError) -> String {
    let server = &e.server;
    match &e.kind {
        ErrorKind::Status {
            status: 404 | 405, ..
        }
        | ErrorKind::Decode(_)
        | ErrorKind::TooLarge(_) => format!(
            "{server} does not answer as a Matrix homeserver: pass the homeserver's URL with --homeserver URL"
        ),
        ErrorKind::Status { status: 429, .. } => format!("{server} limits logins: try again later"),
        ErrorKind::WaitTooLong { asked, .. } => format!(
            "{server} limits logins: try again later, or pass --max-wait {} to wait as long as it asks",
            asked.as_secs_f64().ceil()
        ),
        ErrorKind::Status { .. } => format!(
            "{server} refused the login: try again later, or log in with another client and pass its token with --hs-token"
        ),
        ErrorKind::Timeout(_) => format!(
            "{server} did not answer in time: try again later, or pass --timeout SECONDS to wait longer"
        ),
        ErrorKind::Connect(_) | ErrorKind::Transport(_) => format!(
            "{server} cannot be reached: check the user ID's server and your network, or pass the homeserver's URL with --homeserver URL"
        ),
    }
}

/// Ends the session a new login replaced, on its own homeserver.
async fn end_replaced(http: &Http, before: &KeptSession, verbosity: Verbosity) {
    let ended = match Url::parse(&before.homeserver) {
        Ok(url) => login::logout(http, &url, &before.access_token).await,
        Err(_) => return,
    };
    match ended {
        Ok(()) if verbosity >= Verbosity::Verbose => eprintln!(
            "ended the previous session ({}, device {})",
            before.describe(),
            for_terminal(&before.device_id)
        ),
        Err(e) if !e.is_unauthorized() && verbosity > Verbosity::Quiet => {
            eprintln!(
                "warning: the previous session ({}) could not be ended: {e}",
                before.describe()
            );
            eprintln!(
                "hint: remove its device {} in another client",
                for_terminal(&before.device_id)
            );
        }
        _ => {}
    }
}

/// The first line of `--password-file`, its line end left out; a file
/// others can read is used, with a warning.
fn password_from_file(path: &Path) -> Result<String, JobError> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| {
        config(
            format!("cannot read --password-file {shown}: {e}"),
            "pass a file holding the password on its first line",
        )
    })?;
    warn_if_shared(path, &format!("`chmod 600 {shown}`"));
    first_line(&text).ok_or_else(|| {
        config(
            format!("--password-file {shown} has no password on its first line"),
            "write the password on the first line of the file",
        )
    })
}

/// Warns when a file holding a secret can be read by other users, with
/// what to do.
fn warn_if_shared(path: &Path, what_to_do: &str) {
    #[cfg(unix)]
    if let Ok(meta) = std::fs::metadata(path) {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            eprintln!(
                "warning: {} can be read by other users (mode {mode:o}): {what_to_do}",
                path.display()
            );
        }
    }
}

/// One line of standard input (not a terminal), its line end left out.
fn password_from_stdin() -> Result<String, JobError> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| {
        config(
            format!("cannot read the password from standard input: {e}"),
            STDIN_HINT,
        )
    })?;
    first_line(&line).ok_or_else(|| config("no password on standard input", STDIN_HINT))
}

const STDIN_HINT: &str = "pipe the password on one line (e.g. `pass show matrix | mxlookup login @me:example.org`), pass --password-file FILE, or run in a terminal to be asked";

/// Asks on the terminal, without echo.
fn prompt(user_id: &str) -> Result<String, JobError> {
    let asked = rpassword::prompt_password(format!("Password for {}: ", for_terminal(user_id)))
        .map_err(|e| config(format!("cannot ask for the password: {e}"), STDIN_HINT))?;
    first_line(&asked).ok_or_else(|| config("no password given", STDIN_HINT))
}

/// The first line of `text` less its `\n` or `\r\n`; `None` when empty.
fn first_line(text: &str) -> Option<String> {
    let line = text.split('\n').next().unwrap_or("");
    let line = line.strip_suffix('\r').unwrap_or(line);
    (!line.is_empty()).then(|| line.to_owned())
}

/// Ends the kept session on its homeserver and deletes it; says which.
pub fn logout(settings: &ReachSettings, verbosity: Verbosity) -> Result<Completion, JobError> {
    let file = session_file()?;
    let say = |text: String| {
        if verbosity > Verbosity::Quiet {
            eprintln!("{text}");
        }
    };
    let path = file.path().display().to_string();
    let kept = match file.load() {
        Ok(Some(kept)) => kept,
        Ok(None) => {
            say(format!("not logged in (no session in {path})"));
            return Ok(Completion::Complete);
        }
        Err(e) => {
            forget(&file)?;
            say(format!("{e}: deleted it (there was no session to end)"));
            return Ok(Completion::Complete);
        }
    };
    let homeserver = Url::parse(&kept.homeserver).map_err(|e| {
        config(
            format!(
                "{path}: its homeserver `{}` is not a URL: {e}",
                kept.homeserver
            ),
            &format!("delete {path} to forget the session"),
        )
    })?;
    let http = http_client(&settings.http, settings.ca_cert.as_deref())?;
    let ended = runtime()?.block_on(login::logout(&http, &homeserver, &kept.access_token));
    match ended {
        Ok(()) => {
            forget(&file)?;
            say(format!(
                "logged out {} from {} (device {} ended)",
                for_terminal(&kept.user_id),
                kept.homeserver,
                for_terminal(&kept.device_id)
            ));
        }
        Err(e) if e.is_unauthorized() => {
            forget(&file)?;
            say(format!(
                "the session of {} on {} had already ended (the homeserver no longer takes its token): forgot it",
                for_terminal(&kept.user_id),
                kept.homeserver
            ));
        }
        Err(e) => {
            return Err(config(
                format!("cannot end the session of {}: {e}", kept.describe()),
                &format!(
                    "try again later; to forget the token without ending the session, delete {path} (its device {} stays until you remove it in another client)",
                    for_terminal(&kept.device_id)
                ),
            ));
        }
    }
    Ok(Completion::Complete)
}

/// Deletes the session file.
fn forget(file: &SessionFile) -> Result<(), JobError> {
    file.remove().map(drop).map_err(|e| {
        config(
            format!("cannot delete {}: {e}", file.path().display()),
            "delete it yourself: the session's token is in it",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::first_line;

    #[test]
    fn a_password_is_its_first_line_without_its_line_end() {
        assert_eq!(first_line("hunter2\n").as_deref(), Some("hunter2"));
        assert_eq!(first_line("hunter2\r\nmore\n").as_deref(), Some("hunter2"));
        assert_eq!(first_line(" spaced out ").as_deref(), Some(" spaced out "));
        assert_eq!(first_line("\nhunter2"), None);
        assert_eq!(first_line(""), None);
    }
}
