//! CardDAV sources of `lookup`: the URLs among the sources checked before
//! anything is sent, the address books they lead to found and read (every
//! card is opened as a vCard file named by its URL, so results cite
//! `URL:LINE`), and `--list`. What write-back needs (each card's ETag and
//! bytes as served, and the client of its server) stays in [`DavRead`].
//!
//! It all happens before any identity server is asked: a refused password
//! stops the run with nothing looked up.

use std::collections::BTreeMap;
use std::path::PathBuf;

use url::Url;

use mxlookup::addressbook::carddav::{
    self, DavClient, DavClientSettings, DavError, FoundBook, RemoteCard,
};
use mxlookup::addressbook::{self, Format, Opened, ReadOptions};
use mxlookup::identity::HttpSettings;
use mxlookup::mxid::url_server_name;
use mxlookup::sandbox::{Federation, RunningDav};

use super::{Completion, JobError, LookupSettings, Verbosity};

/// The CardDAV settings of a lookup, checked.
#[derive(Debug, Clone, Default)]
pub struct DavSettings {
    /// The sources that are URLs, parsed, in order.
    pub urls: Vec<Url>,
    /// The login.
    pub user: Option<String>,
    /// The config file's `dav_password_file`.
    pub password_file: Option<PathBuf>,
    /// `--list`.
    pub list: bool,
    /// Time per request, retries and the longest wait asked for (as for
    /// identity servers).
    pub http: HttpSettings,
    /// `--ca-cert`.
    pub ca_cert: Option<PathBuf>,
    /// `--resolve`, canonical names.
    pub resolve: BTreeMap<String, Url>,
    /// `--sandbox`, with its `--federation FILE`.
    pub sandbox: Option<Option<PathBuf>>,
}

/// Whether a source is a URL rather than a file.
pub fn is_url(source: &str) -> bool {
    let lower = source.get(..8).unwrap_or(source).to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// The sources that are URLs, parsed; `http://` only to loopback.
pub fn check_urls(sources: &[String]) -> Result<Vec<Url>, JobError> {
    let mut urls = Vec::new();
    for source in sources.iter().filter(|s| is_url(s)) {
        let url = Url::parse(source).map_err(|e| {
            JobError::config(
                format!("{source} is not a URL: {e}"),
                Some("give a CardDAV URL as https://HOST/PATH"),
            )
        })?;
        if url.host_str().is_none() {
            return Err(JobError::config(format!("{source} names no host"), None));
        }
        if !url.username().is_empty() || url.password().is_some() {
            // Sources are cited in results and messages: no secret in them.
            return Err(JobError::config(
                "a CardDAV URL holds no login or password",
                Some(
                    "pass the login with --dav-user USER and the password in MXLOOKUP_DAV_PASSWORD, a file named by `dav_password_file`, or ~/.netrc",
                ),
            ));
        }
        if url.scheme() == "http" && !loopback(&url) {
            return Err(JobError::config(
                format!(
                    "{source}: http:// is only for a server on this machine; the password would cross the network in clear text"
                ),
                Some(&format!(
                    "use https://{}",
                    source.split_once("://").map_or("", |(_, rest)| rest)
                )),
            ));
        }
        urls.push(url);
    }
    Ok(urls)
}

fn loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// One card read, with what write-back needs.
#[derive(Debug)]
pub struct HeldCard {
    /// Which source (an index into [`DavRead::sources`]) it came from.
    pub source: usize,
    /// The card as served.
    pub card: RemoteCard,
}

/// The CardDAV side of a run: its runtime, the sandbox's server when
/// `--sandbox` serves one, a client per source, and every card read.
pub struct DavRead {
    /// Kept alive while the run may write back to it.
    _sandbox: Option<RunningDav>,
    /// The runtime the clients run on.
    pub runtime: tokio::runtime::Runtime,
    /// Each source URL as given, and the client of its server.
    pub sources: Vec<(Url, DavClient)>,
    /// Card URL → the card.
    pub cards: BTreeMap<String, HeldCard>,
}

impl DavRead {
    /// A runtime, and the sandbox's CardDAV server when `--sandbox`.
    fn start(settings: &DavSettings) -> Result<(DavRead, DavClientSettings), JobError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| JobError::config(format!("cannot start the async runtime: {e}"), None))?;
        let mut client = DavClientSettings {
            timeout: settings.http.timeout,
            retry: carddav::Retry {
                retries: settings.http.retries,
                backoff: settings.http.backoff,
                max_wait: settings.http.max_wait,
            },
            resolve: settings.resolve.clone(),
            ..DavClientSettings::default()
        };
        if let Some(path) = &settings.ca_cert {
            client.ca_pem = Some(std::fs::read(path).map_err(|e| {
                JobError::config(
                    format!("cannot read --ca-cert {}: {e}", path.display()),
                    None,
                )
            })?);
        }
        let mut sandbox = None;
        if let Some(file) = &settings.sandbox {
            let federation = match file {
                Some(path) => {
                    Federation::load(path).map_err(|e| JobError::config(e.to_string(), None))?
                }
                None => Federation::default_federation(),
            };
            if let Some(spec) = &federation.dav {
                let dav = runtime.block_on(RunningDav::start(spec)).map_err(|e| {
                    JobError::config(format!("cannot start the sandbox: {e}"), None)
                })?;
                let (name, url) = dav.resolve();
                // A `--resolve` of the user's wins.
                client.resolve.entry(name).or_insert(url);
                sandbox = Some(dav);
            }
        }
        let read = DavRead {
            _sandbox: sandbox,
            runtime,
            sources: Vec::new(),
            cards: BTreeMap::new(),
        };
        Ok((read, client))
    }
}

/// Opens every source in order: files first checked, then the CardDAV
/// address books read; `None` when no source is a URL.
pub fn open_sources(
    settings: &LookupSettings,
    options: ReadOptions,
) -> Result<(Vec<Opened>, Option<DavRead>), JobError> {
    if settings.dav.urls.is_empty() {
        let books = addressbook::open_all(&settings.files, settings.input_format, options)?;
        return Ok((books, None));
    }
    // Files are checked before anything is sent.
    let mut files: Vec<Option<Opened>> = Vec::new();
    for source in &settings.files {
        files.push(match is_url(source) {
            true => None,
            false => Some(addressbook::open_path(
                source,
                settings.input_format,
                options.clone(),
            )?),
        });
    }
    let mut logins = super::dav_login::for_every_url(&settings.dav)?.into_iter();
    let (mut dav, client) = DavRead::start(&settings.dav)?;
    let verbosity = settings.output.verbosity;
    let mut books = Vec::new();
    let mut urls = settings.dav.urls.iter();
    for file in files {
        if let Some(opened) = file {
            books.push(opened);
            continue;
        }
        let url = urls.next().expect("one parsed URL per URL source");
        let credentials = logins.next().expect("credentials for every URL");
        let dav_client = DavClient::new(url, credentials, &client)
            .map_err(|e| JobError::config(format!("--ca-cert: {e}"), None))?;
        let source = dav.sources.len();
        let cards = dav
            .runtime
            .block_on(read_url(&dav_client, url, verbosity))
            .map_err(|e| dav_error(e, url))?;
        for card in cards {
            let name = card.url.to_string();
            match addressbook::open_bytes(
                &name,
                card.bytes.clone(),
                Some(Format::Vcard),
                options.clone(),
            ) {
                Ok(opened) => books.push(opened),
                Err(e) if verbosity >= Verbosity::Normal => eprintln!("warning: {e}"),
                Err(_) => {}
            }
            dav.cards.insert(name, HeldCard { source, card });
        }
        dav.sources.push((url.clone(), dav_client));
    }
    Ok((books, Some(dav)))
}

/// Every card of the address books `url` leads to.
async fn read_url(
    client: &DavClient,
    url: &Url,
    verbosity: Verbosity,
) -> Result<Vec<RemoteCard>, DavError> {
    let books = carddav::discover(client, url).await?;
    if books.len() > 1 && verbosity >= Verbosity::Verbose {
        eprintln!(
            "{url}: {} address books found, reading them all",
            books.len()
        );
    }
    let mut cards = Vec::new();
    for book in &books {
        let members = carddav::members(client, &book.url).await?;
        let fetched = carddav::fetch(client, &book.url, &members, |_| {}).await?;
        if verbosity >= Verbosity::Verbose {
            eprintln!(
                "{}: {} cards ({} requests to the CardDAV server so far)",
                book.url,
                fetched.len(),
                client.requests()
            );
        }
        cards.extend(fetched);
    }
    if books.is_empty() && verbosity >= Verbosity::Normal {
        eprintln!("warning: {url}: no address book found");
    }
    Ok(cards)
}

/// `--list`: the address books each URL leads to, on stdout; nothing is
/// looked up.
pub fn list(settings: &LookupSettings) -> Result<Completion, JobError> {
    let logins = super::dav_login::for_every_url(&settings.dav)?;
    let (dav, client) = DavRead::start(&settings.dav)?;
    for (url, credentials) in settings.dav.urls.iter().zip(logins) {
        let dav_client = DavClient::new(url, credentials, &client)
            .map_err(|e| JobError::config(format!("--ca-cert: {e}"), None))?;
        let found: Vec<(FoundBook, usize)> = dav
            .runtime
            .block_on(async {
                let mut found = Vec::new();
                for book in carddav::discover(&dav_client, url).await? {
                    let count = carddav::members(&dav_client, &book.url).await?.len();
                    found.push((book, count));
                }
                Ok::<_, DavError>(found)
            })
            .map_err(|e| dav_error(e, url))?;
        if found.is_empty() {
            eprintln!("{url}: no address book found");
        }
        for (book, count) in found {
            let name = book
                .name
                .as_deref()
                .map(|n| mxlookup::sanitize::for_terminal(n).into_owned());
            println!(
                "{}\t{}\t{count} cards",
                book.url,
                name.as_deref().unwrap_or("-")
            );
        }
    }
    Ok(Completion::Complete)
}

/// A CardDAV failure as the run's error, with what to do about it.
pub fn dav_error(e: DavError, url: &Url) -> JobError {
    let server = url_server_name(url).unwrap_or_default();
    let hint = match &e {
        DavError::Unauthorized {
            user: Some(user), ..
        } => {
            return JobError::config(
                format!("the CardDAV server {server} refused the credentials of {user}"),
                Some(&format!(
                    "check the login (--dav-user) and the password (MXLOOKUP_DAV_PASSWORD, `dav_password_file` in the config file, or ~/.netrc) for {url}"
                )),
            );
        }
        DavError::Unauthorized { user: None, .. } => {
            return JobError::config(
                format!("the CardDAV server {server} asks for a login"),
                Some(&format!(
                    "pass --dav-user USER (also MXLOOKUP_DAV_USER or `dav_user` in the config file) with the password in MXLOOKUP_DAV_PASSWORD, `dav_password_file` or at the prompt, or add `machine {} login USER password PASSWORD` to ~/.netrc",
                    url.host_str().unwrap_or_default()
                )),
            );
        }
        DavError::Status {
            status: 403, url, ..
        } => format!(
            "the login may not read {url}: give the URL of an address book of yours, your principal's, or the server's root to find them (--list shows what is found)"
        ),
        DavError::Status {
            status: 404 | 405,
            url,
            ..
        } => format!(
            "check the URL {url}: give an address book's URL, your principal's, or the server's root (https://HOST/) to find them; --list shows what is found"
        ),
        DavError::Status { .. } | DavError::Transport { .. } => format!(
            "check that {server} is a CardDAV server and is reachable (--timeout sets the time allowed)"
        ),
        DavError::TooLarge { .. } => {
            "the server's answer is larger than mxlookup reads: give the URL of one address book"
                .to_owned()
        }
        DavError::Redirect { .. } => format!(
            "give the URL the server points to yourself, if you trust it with your password: mxlookup sends it to {server} only"
        ),
        DavError::NotCardDav { .. } => {
            format!("check that {url} is a CardDAV server, principal or address book")
        }
    };
    JobError::config(e.to_string(), Some(&hint))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_told_from_files() {
        assert!(is_url("https://dav.example/") && is_url("HTTP://127.0.0.1:8/"));
        assert!(!is_url("book.vcf") && !is_url("-") && !is_url("https:book.vcf"));
    }

    #[test]
    fn plain_http_is_only_for_loopback_and_urls_hold_no_secret() {
        let check = |s: &str| check_urls(&[s.to_owned()]).map(|u| u.len());
        assert_eq!(check("https://dav.example/dav/").ok(), Some(1));
        assert_eq!(check("http://127.0.0.1:5232/").ok(), Some(1));
        assert_eq!(check("http://[::1]:5232/").ok(), Some(1));
        assert_eq!(check("http://localhost:5232/").ok(), Some(1));
        for refused in [
            "http://dav.example/",
            "http://10.0.0.1/",
            "https://alice:pw@dav.example/",
            "https://alice@dav.example/",
            "https://[bad/",
        ] {
            assert!(check(refused).is_err(), "{refused}");
        }
        assert_eq!(check("book.vcf").ok(), Some(0));
    }
}
