//! Who mxlookup is at a CardDAV server: the login (`--dav-user`,
//! `MXLOOKUP_DAV_USER`, `dav_user`, else `~/.netrc`) and the password, from
//! `MXLOOKUP_DAV_PASSWORD`, the first line of the config file's
//! `dav_password_file`, `~/.netrc`, else a prompt without echo when stdin
//! is a terminal. All of it is settled before the first request; the
//! password is never printed, logged or written anywhere.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use url::Url;

use mxlookup::addressbook::carddav::{self, Credentials, netrc};

use super::JobError;
use super::dav_source::DavSettings;

/// The variable holding the CardDAV password.
pub const PASSWORD_VAR: &str = "MXLOOKUP_DAV_PASSWORD";

/// Where the password can come from, for hints.
const PASSWORD_SOURCES: &str = "set MXLOOKUP_DAV_PASSWORD, name a file holding it with `dav_password_file` in the config file, add `machine HOST login USER password PASSWORD` to ~/.netrc, or run mxlookup in a terminal to be asked";

/// The credentials for each URL of `settings`, in order, all settled
/// before the first request; one prompt per server at most.
pub fn for_every_url(settings: &DavSettings) -> Result<Vec<Option<Credentials>>, JobError> {
    let mut known: Vec<(String, Option<Credentials>)> = Vec::new();
    let mut all = Vec::with_capacity(settings.urls.len());
    for url in &settings.urls {
        let origin = carddav::origin_of(url);
        let credentials = match known.iter().find(|(o, _)| *o == origin) {
            Some((_, c)) => c.clone(),
            None => {
                let c = credentials(settings, url)?;
                known.push((origin, c.clone()));
                c
            }
        };
        all.push(credentials);
    }
    Ok(all)
}

/// The credentials for the server of `url`; none when no login is given
/// (by flag, variable, config file or `~/.netrc`).
pub fn credentials(settings: &DavSettings, url: &Url) -> Result<Option<Credentials>, JobError> {
    let host = url.host_str().unwrap_or_default().to_owned();
    let from_netrc = |user: Option<&str>| {
        let path = netrc_path()?;
        let text = std::fs::read_to_string(path).ok()?;
        netrc::lookup(&text, &host, user)
    };
    let user = match &settings.user {
        Some(user) => user.clone(),
        None => match from_netrc(None) {
            Some((user, password)) => return Ok(Some(Credentials::new(user, password))),
            // No login given: the server is asked without one (a server
            // that wants one answers 401, and the run says how to give it).
            None => return Ok(None),
        },
    };
    if let Some(password) = std::env::var(PASSWORD_VAR).ok().filter(|p| !p.is_empty()) {
        return Ok(Some(Credentials::new(user, password)));
    }
    if let Some(path) = &settings.password_file {
        return Ok(Some(Credentials::new(user, first_line(path)?)));
    }
    if let Some((_, password)) = from_netrc(Some(&user)) {
        return Ok(Some(Credentials::new(user, password)));
    }
    if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        let prompt = format!("CardDAV password for {user} at {host}: ");
        let password = rpassword::prompt_password(prompt).map_err(|e| {
            JobError::config(
                format!("cannot read the password: {e}"),
                Some(PASSWORD_SOURCES),
            )
        })?;
        return Ok(Some(Credentials::new(user, password)));
    }
    Err(JobError::config(
        format!("no CardDAV password for {user} at {host}"),
        Some(PASSWORD_SOURCES),
    ))
}

/// `$NETRC`, else `~/.netrc`.
fn netrc_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("NETRC").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    std::env::var_os("HOME").map(|home| Path::new(&home).join(".netrc"))
}

/// The first line of the password file, which must not be empty.
fn first_line(path: &Path) -> Result<String, JobError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        JobError::config(
            format!("cannot read dav_password_file {}: {e}", path.display()),
            Some("check the path `dav_password_file` of the config file names (relative to the config file)"),
        )
    })?;
    let line = text
        .lines()
        .next()
        .unwrap_or_default()
        .trim_end_matches('\r');
    if line.is_empty() {
        return Err(JobError::config(
            format!("dav_password_file {} is empty", path.display()),
            Some("write the CardDAV password on the file's first line"),
        ));
    }
    Ok(line.to_owned())
}
