//! From the parsed arguments and their layers to the typed settings each
//! command takes (ripgrep's `LowArgs` → `HiArgs`, fd's `Opts` → `Config`):
//! start servers and the homeserver parsed as URLs, `--resolve` overrides
//! parsed, allow and deny patterns compiled, tokens as given. Every
//! mistake found here stops the run before any command starts, with the
//! message it has always had.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::time::Duration;

use url::Url;

use mxlookup::identity::HttpSettings;
use mxlookup::report::OutputFormat;
use mxlookup::resolve::policy::{Policy, globs, server_name};
use mxlookup::resolve::start_server;
use mxlookup::resolve::walk::Server;
use mxlookup::threepid::{Algorithm, Medium, MsisdnOptions, Region};

use super::args::{
    BindArgs, HashArgs, LookupArgs, PushArgs, PushFormatArg, TableOrJson, TextOrJson, TraceArgs,
    UnbindArgs,
};
use super::args::{LoginArgs, LogoutArgs, ReachArgs};
use super::config_file::MAX_WAIT_LIMIT;
use super::layers::{Layers, NetworkLayer, Source, TokenLayer};
use crate::commands::dav_source::DavSettings;
use crate::commands::hash::HashSettings;
use crate::commands::login::{LoginSettings, ReachSettings};
use crate::commands::tokens::{AccessTokens, GivenToken, Token, server_key};
use crate::commands::write_back::WriteBack;
use crate::commands::{
    BindFormat, BindSettings, JobError, LookupSettings, Mode, NetworkSettings, OutputSettings,
    PushFormat, PushSettings, TraceSettings, UnbindSettings, Verbosity,
};

/// A usage mistake, and what to do about it.
fn usage(message: impl Into<String>, hint: &str) -> JobError {
    JobError::config(message, Some(hint))
}

/// The settings of `mxlookup lookup`.
pub fn lookup(
    args: LookupArgs,
    mut layers: Layers<'_>,
    verbosity: Verbosity,
) -> Result<LookupSettings, JobError> {
    let region = layers.region(&args.region);
    let mut net = layers.network(&args.network);
    if args.pepper.is_some() {
        layers.offline(&mut net);
    }
    let format = layers.lookup_format("format", args.format);
    if args.write_back && args.pepper.is_some() {
        return Err(usage(
            "--write-back writes the Matrix IDs found, and --pepper runs offline: nothing is found",
            "leave out --pepper: with --write-back, --dry-run looks the addresses up and prints what would change",
        ));
    }
    // With --write-back, --dry-run looks up and writes nothing.
    let write_back = args
        .write_back
        .then(|| WriteBack::prepare(&args.files, args.dry_run))
        .transpose()?;
    let dry_run = args.dry_run && write_back.is_none();
    let dav = dav_settings(&args, &mut layers, &net)?;
    let mode = match (dry_run, args.pepper) {
        (true, Some(_)) if net.names_a_server() => {
            return Err(usage(
                "--pepper is for dry runs without a server: with a server, its own pepper is used",
                "leave out --pepper to hash with each server's own, or leave out the servers (-s, --sandbox) to work offline",
            ));
        }
        (true, Some(pepper)) => Mode::DryRun {
            pepper,
            algorithm: Algorithm::Sha256,
        },
        (dry_run, _) => Mode::Network {
            network: Box::new(network(net)?),
            dry_run,
        },
    };
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color = to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    Ok(LookupSettings {
        files: args.files,
        input_format: args.input_format,
        columns: args.columns.choice(),
        msisdn: as_written(region),
        mode,
        write_back,
        output: OutputSettings {
            format: format.unwrap_or(OutputFormat::Table),
            path: args.output,
            color,
            verbosity,
        },
        dav,
    })
}

/// The CardDAV settings of `lookup`: the URLs among the sources checked
/// (syntax, http:// only to loopback), the login, and how servers are
/// reached.
fn dav_settings(
    args: &LookupArgs,
    layers: &mut Layers<'_>,
    net: &NetworkLayer,
) -> Result<DavSettings, JobError> {
    let urls = crate::commands::dav_source::check_urls(&args.files)?;
    if args.list && urls.is_empty() {
        return Err(usage(
            "--list shows the address books of CardDAV URLs, and no source is one",
            "pass the URL of a CardDAV server, principal or address book, e.g. mxlookup lookup https://dav.example.org/ --dav-user USER --list",
        ));
    }
    Ok(DavSettings {
        urls,
        user: layers.dav_user(args.dav_user.clone()),
        password_file: layers.dav_password_file(),
        list: args.list,
        http: http(net)?,
        ca_cert: net.ca_cert.clone(),
        resolve: resolve(&net.resolve)?,
        sandbox: net.sandbox.clone(),
    })
}

/// The settings of `mxlookup trace`.
pub fn trace(args: TraceArgs, mut layers: Layers<'_>) -> Result<TraceSettings, JobError> {
    let region = layers.region(&args.region);
    let network = network(layers.network(&args.network))?;
    Ok(TraceSettings {
        input: args.address,
        medium: args.medium.map(Medium::from),
        msisdn: as_typed(region),
        network,
        json: args.format == TableOrJson::Json,
    })
}

/// The settings of `mxlookup push`.
pub fn push(
    args: PushArgs,
    mut layers: Layers<'_>,
    verbosity: Verbosity,
) -> Result<PushSettings, JobError> {
    let region = layers.region(&args.region);
    let network = network(layers.network(&args.network))?;
    Ok(PushSettings {
        files: args.files,
        input_format: args.input_format,
        columns: args.columns.choice(),
        msisdn: as_written(region),
        origin: args.origin,
        network,
        batch_size: args.batch_size as usize,
        dry_run: args.dry_run,
        isolate: args.isolate,
        format: match args.format {
            PushFormatArg::Table => PushFormat::Table,
            PushFormatArg::Json => PushFormat::Json,
            PushFormatArg::Ndjson => PushFormat::Ndjson,
        },
        verbosity,
    })
}

/// `text` for people, `json` for scripts.
fn bind_format(format: TextOrJson) -> BindFormat {
    match format {
        TextOrJson::Text => BindFormat::Text,
        TextOrJson::Json => BindFormat::Json,
    }
}

/// The settings of `mxlookup bind`.
pub fn bind(
    args: BindArgs,
    mut layers: Layers<'_>,
    verbosity: Verbosity,
) -> Result<BindSettings, JobError> {
    let region = layers.region(&args.region);
    let network = network(layers.network(&args.network))?;
    Ok(BindSettings {
        medium: args.medium.into(),
        address: args.address,
        msisdn: as_written(region),
        network,
        id_server: args.id_server,
        token: args.token,
        request_only: args.request_only,
        format: bind_format(args.format),
        verbosity,
    })
}

/// The settings of `mxlookup unbind`.
pub fn unbind(args: UnbindArgs, mut layers: Layers<'_>) -> Result<UnbindSettings, JobError> {
    let region = layers.region(&args.region);
    let network = network(layers.network(&args.network))?;
    Ok(UnbindSettings {
        medium: args.medium.into(),
        address: args.address,
        msisdn: as_written(region),
        network,
        id_server: args.id_server,
        format: bind_format(args.format),
    })
}

/// The settings of `mxlookup hash`: bare digits are the wire form here.
pub fn hash(args: HashArgs, mut layers: Layers<'_>) -> HashSettings {
    let region = layers.region(&args.region);
    HashSettings {
        medium: args
            .medium
            .map_or_else(|| Medium::infer(&args.address), Medium::from),
        input: args.address,
        msisdn: as_typed(region),
        algorithm: args.algorithm.into(),
        pepper: args.pepper,
    }
}

/// The network options, checked and typed, in the order a run used to
/// meet their mistakes: the timeout, the start servers, the homeserver,
/// then the referral policy.
pub fn network(raw: NetworkLayer) -> Result<NetworkSettings, JobError> {
    let http = http(&raw)?;
    let servers = start_servers(&raw.servers)?;
    let homeserver = homeserver(raw.homeserver.as_deref())?;
    let policy = policy(&raw)?;
    let hs_token = raw.hs_token.as_deref().map(hs_token).transpose()?;
    let access_tokens = access_tokens(&raw.access_tokens)?;
    if !servers.is_empty() {
        // Start servers named: each token finds its own now. Discovered
        // ones (and the sandbox's) are known only once connected.
        access_tokens.bind(&servers)?;
    }
    Ok(NetworkSettings {
        servers,
        homeserver,
        hs_token,
        access_tokens,
        ca_cert: raw.ca_cert,
        policy,
        allow_plaintext: raw.allow_plaintext,
        accept_terms: raw.accept_terms,
        http,
        sandbox: raw.sandbox,
        token_cache: true,
        kept_session: raw.kept_session,
    })
}

/// Time allowed per request and the first retry delay.
pub fn http(raw: &NetworkLayer) -> Result<HttpSettings, JobError> {
    http_of((raw.timeout, raw.max_wait), raw.backoff_ms, true)
}

/// `timeout` and `max_wait` seconds (checked) and `backoff_ms`; the hints
/// say where else each can be set: a variable, and the config file when
/// `in_file`.
fn http_of(
    (timeout, max_wait): (f64, f64),
    backoff_ms: u64,
    in_file: bool,
) -> Result<HttpSettings, JobError> {
    let elsewhere = |key: &str| {
        let variable = format!("also MXLOOKUP_{}", key.to_uppercase());
        match in_file {
            true => format!("{variable} or `{key}` in the config file"),
            false => variable,
        }
    };
    if !(timeout > 0.0 && timeout <= 3600.0) {
        return Err(usage(
            "--timeout must be between 0 and 3600 seconds",
            &format!(
                "pass the seconds allowed per request, e.g. --timeout 30 ({})",
                elsewhere("timeout")
            ),
        ));
    }
    if !(0.0..=MAX_WAIT_LIMIT).contains(&max_wait) {
        return Err(usage(
            format!("--max-wait must be between 0 and {MAX_WAIT_LIMIT} seconds"),
            &format!(
                "pass the longest wait a server may ask for, e.g. --max-wait 600 ({})",
                elsewhere("max_wait")
            ),
        ));
    }
    Ok(HttpSettings {
        timeout: Duration::from_secs_f64(timeout),
        max_wait: Duration::from_secs_f64(max_wait),
        backoff: Duration::from_millis(backoff_ms),
        ..HttpSettings::default()
    })
}

/// `-s`: each an http(s) URL.
fn start_servers(given: &[String]) -> Result<Vec<Server>, JobError> {
    given
        .iter()
        .map(|s| {
            start_server(s).map_err(|e| {
                JobError::config(
                    e,
                    Some("pass the identity server's base URL, e.g. -s https://vector.im (from -s, MXLOOKUP_SERVER or `servers` in the config file; see `mxlookup config show`)"),
                )
            })
        })
        .collect()
}

/// `--homeserver`, when given.
fn homeserver(given: Option<&str>) -> Result<Option<Url>, JobError> {
    given.map(homeserver_url).transpose()
}

/// `--homeserver`, a URL (a trailing `/` aside).
pub fn homeserver_url(given: &str) -> Result<Url, JobError> {
    Url::parse(given.trim_end_matches('/')).map_err(|e| {
        JobError::config(
            format!("--homeserver `{given}` is not a URL: {e}"),
            Some("pass the homeserver's base URL, e.g. --homeserver https://matrix.org"),
        )
    })
}

/// `--hs-token`, checked as a token (and never shown).
fn hs_token(given: &str) -> Result<String, JobError> {
    match Token::check(given) {
        Ok(token) => Ok(token.expose().to_owned()),
        Err(why) => Err(JobError::config(
            format!("the homeserver token {why}"),
            Some(
                "pass the access token of your Matrix account as it is (--hs-token, MXLOOKUP_HS_TOKEN or `hs_token_file`), without spaces or quotes around it",
            ),
        )),
    }
}

/// Where a token was given, as messages name it (never the token).
fn token_origin(from: &Source) -> String {
    match from {
        Source::Env(name) => (*name).to_owned(),
        Source::File(path) => format!("the token file {}", path.display()),
        _ => "--access-token".to_owned(),
    }
}

/// The identity-server tokens given: each split into its server's URL
/// (`URL=TOKEN`, or a file of `[access_token_files]`) and the token, both
/// checked. What binds them to the start servers is
/// [`AccessTokens::bind`].
fn access_tokens(given: &[TokenLayer]) -> Result<AccessTokens, JobError> {
    let mut tokens = AccessTokens::default();
    for layer in given {
        let from = token_origin(&layer.from);
        let standing = matches!(layer.from, Source::File(_));
        let (server, text) = match &layer.server {
            Some(url) => (Some(url.as_str()), layer.text.as_str()),
            None => split_token(&layer.text, &from)?,
        };
        let token = Token::check(text).map_err(|why| {
            JobError::config(
                format!("the token of {from} {why}"),
                Some("pass the token as the server issued it, without spaces or quotes around it: --access-token TOKEN, or URL=TOKEN to name its server"),
            )
        })?;
        let server = match server {
            Some(url) => Some(token_server(url, &from)?),
            None => None,
        };
        tokens.given.push(GivenToken {
            server,
            token,
            from,
            standing,
        });
    }
    Ok(tokens)
}

/// `URL=TOKEN` (when it starts with `http://` or `https://`, split at the
/// first `=`) or a bare `TOKEN`, in which `=` ends it if anywhere (base64
/// padding): `host=TOKEN` is a server named without its scheme.
fn split_token<'a>(text: &'a str, from: &str) -> Result<(Option<&'a str>, &'a str), JobError> {
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return match text.split_once('=') {
            Some((url, token)) => Ok((Some(url), token)),
            None => Err(JobError::config(
                format!("{from} gives a URL and no token"),
                Some(
                    "write the server's URL, `=`, then its token: --access-token https://is.example=TOKEN",
                ),
            )),
        };
    }
    if text.trim_end_matches('=').contains('=') {
        return Err(JobError::config(
            format!("{from} has `=` inside its token"),
            Some(
                "to name a token's server, write the server's URL with its scheme: --access-token https://is.example=TOKEN",
            ),
        ));
    }
    Ok((None, text))
}

/// The URL of `URL=TOKEN`, and how it is compared with the start servers'.
fn token_server(url: &str, from: &str) -> Result<(String, String), JobError> {
    match server_key(url) {
        Some(key) => Ok((url.to_owned(), key)),
        None => Err(JobError::config(
            format!("{from} names `{url}`, which is not a URL"),
            Some(
                "write the start server's URL as -s has it, then `=` and its token: --access-token https://is.example=TOKEN",
            ),
        )),
    }
}

/// The referral policy: depth, budget, compiled patterns, `--resolve`.
fn policy(raw: &NetworkLayer) -> Result<Policy, JobError> {
    let patterns = |given| globs(given).map_err(|e| usage(e, PATTERN_HINT));
    let allow = if raw.allow.is_empty() {
        None
    } else {
        Some(patterns(&raw.allow)?)
    };
    Ok(Policy {
        max_depth: raw.max_depth,
        budget: raw.server_budget,
        resolve: resolve(&raw.resolve)?,
        allow,
        deny: patterns(&raw.deny)?,
    })
}

const PATTERN_HINT: &str = "a pattern is a server name, host or host:port (443 when absent), where `*` matches any characters: --deny-server '*.example.org' --deny-server 'c.test:*'; an IPv6 address goes in brackets, as in '[::1]:*'";

const RESOLVE_HINT: &str = "NAME is a server name, host or host:port (443 when absent), as in --resolve fed.example:443=http://127.0.0.1:8091; an IPv6 address goes in brackets, as in [::1]:8448";

/// `--resolve NAME=URL`: a server name and a URL each; the last of a name
/// wins. Names are canonical (`C.Test.` is `c.test:443`), as referrals are.
fn resolve(given: &[(String, String)]) -> Result<BTreeMap<String, Url>, JobError> {
    let mut resolve = BTreeMap::new();
    for (name, url) in given {
        let name = server_name(name)
            .map_err(|e| usage(format!("--resolve: bad server name {e}"), RESOLVE_HINT))?;
        let url = Url::parse(url).map_err(|e| {
            usage(
                format!("--resolve {name}={url}: not a URL: {e}"),
                RESOLVE_HINT,
            )
        })?;
        resolve.insert(name, url);
    }
    Ok(resolve)
}

/// The settings of `mxlookup login`: the user ID checked first, then
/// `--homeserver`, `--resolve` and the time limits.
pub fn login(args: LoginArgs, verbosity: Verbosity) -> Result<LoginSettings, JobError> {
    let server = mxlookup::identity::login::server_of(&args.user_id).map_err(|why| {
        usage(
            format!("`{}` is not a Matrix user ID: it {why}", args.user_id),
            "pass your full Matrix ID, as your client shows it: mxlookup login @me:example.org",
        )
    })?;
    Ok(LoginSettings {
        server: server.to_owned(),
        homeserver: homeserver(args.homeserver.as_deref())?,
        resolve: resolve(&args.resolve)?,
        user_id: args.user_id,
        password_file: args.password_file,
        device_name: args.device_name,
        reach: reach(&args.reach)?,
        verbosity,
    })
}

/// The settings of `mxlookup logout`.
pub fn logout(args: LogoutArgs) -> Result<ReachSettings, JobError> {
    reach(&args.reach)
}

/// How `login` and `logout` reach the homeserver.
fn reach(args: &ReachArgs) -> Result<ReachSettings, JobError> {
    Ok(ReachSettings {
        http: http_of((args.timeout, args.max_wait), args.backoff_ms, false)?,
        ca_cert: args.ca_cert.clone(),
    })
}

/// How phone numbers of an address book (or an address of one's own) are
/// read: bare digits are a national number, read with `region`.
fn as_written(region: Option<Region>) -> MsisdnOptions {
    MsisdnOptions {
        region,
        bare_digits_are_international: false,
    }
}

/// How one number typed for `hash` or `trace` is read: bare digits are the
/// wire form (international, no `+`).
fn as_typed(region: Option<Region>) -> MsisdnOptions {
    MsisdnOptions {
        region,
        bare_digits_are_international: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> NetworkLayer {
        NetworkLayer {
            servers: vec!["https://is.example/".to_owned()],
            homeserver: Some("https://hs.example/".to_owned()),
            hs_token: Some("syt_t".to_owned()),
            access_tokens: Vec::new(),
            ca_cert: None,
            timeout: 30.0,
            max_wait: 60.0,
            accept_terms: false,
            allow_plaintext: false,
            resolve: vec![("Fed.Example".to_owned(), "http://127.0.0.1:8091".to_owned())],
            max_depth: 2,
            server_budget: 16,
            allow: vec!["*.example".to_owned()],
            deny: vec![],
            backoff_ms: 500,
            sandbox: None,
            kept_session: None,
        }
    }

    fn refused(raw: NetworkLayer) -> String {
        match network(raw) {
            Ok(_) => panic!("accepted"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn valid_settings_are_typed() {
        let net = network(raw()).unwrap();
        assert_eq!(net.servers.len(), 1);
        assert_eq!(net.servers[0].name, "https://is.example");
        assert_eq!(net.servers[0].url.as_str(), "https://is.example/");
        assert_eq!(net.homeserver.unwrap().as_str(), "https://hs.example/");
        assert_eq!(net.hs_token.as_deref(), Some("syt_t"));
        let policy = net.policy;
        assert_eq!(policy.max_depth, 2);
        assert_eq!(
            policy.resolve["fed.example:443"].as_str(),
            "http://127.0.0.1:8091/"
        );
        let allow = policy.allow.unwrap();
        assert!(allow.is_match("is.example:443") && !allow.is_match("other.net:443"));
        assert!(policy.deny.is_empty());
        assert_eq!(net.http.timeout, Duration::from_secs(30));
        assert!(net.token_cache);
    }

    #[test]
    fn bad_urls_are_refused_with_their_message() {
        let mut bad = raw();
        bad.servers = vec!["not a url".to_owned()];
        assert!(refused(bad).starts_with("`not a url` is not a URL: "));
        let mut bad = raw();
        bad.servers = vec!["ftp://is.example".to_owned()];
        assert_eq!(
            refused(bad),
            "`ftp://is.example`: only http and https servers can be asked"
        );
        let mut bad = raw();
        bad.homeserver = Some("hs.example".to_owned());
        assert!(refused(bad).starts_with("--homeserver `hs.example` is not a URL: "));
    }

    #[test]
    fn bad_patterns_are_refused_with_their_message() {
        let mut bad = raw();
        bad.deny = vec!["[oops".to_owned()];
        assert!(refused(bad).starts_with("bad server pattern `[oops`: "));
        let mut bad = raw();
        bad.allow = vec!["a{b".to_owned()];
        assert!(refused(bad).starts_with("bad server pattern `a{b`: "));
    }

    #[test]
    fn bad_resolve_overrides_are_refused_with_their_message() {
        let mut bad = raw();
        bad.resolve = vec![("bad host".to_owned(), "http://127.0.0.1:1".to_owned())];
        assert!(refused(bad).starts_with("--resolve: bad server name `bad host`: "));
        let mut bad = raw();
        bad.resolve = vec![("fed.example".to_owned(), "nowhere".to_owned())];
        assert!(refused(bad).starts_with("--resolve fed.example:443=nowhere: not a URL: "));
    }

    #[test]
    fn every_refusal_says_what_to_do() {
        let mut cases = Vec::new();
        for (i, mut bad) in std::iter::repeat_with(raw).take(6).enumerate() {
            match i {
                0 => bad.timeout = -1.0,
                1 => bad.servers = vec!["https//typo.example".to_owned()],
                2 => bad.homeserver = Some("hs".to_owned()),
                3 => bad.deny = vec!["[".to_owned()],
                4 => bad.resolve = vec![("a b".to_owned(), "http://x".to_owned())],
                _ => bad.hs_token = Some("syt secret".to_owned()),
            }
            cases.push(bad);
        }
        for bad in cases {
            let e = network(bad).map(drop).unwrap_err();
            assert!(e.hint().is_some(), "no hint for: {e}");
            assert!(!e.to_string().contains("secret"), "{e}");
        }
    }

    #[test]
    fn names_and_patterns_are_canonical_and_bad_ones_have_a_hint() {
        let mut spelt = raw();
        spelt.resolve = vec![("C.Test.".to_owned(), "http://127.0.0.1:8091".to_owned())];
        spelt.deny = vec!["BÜCHER.test.:*".to_owned()];
        let policy = network(spelt).unwrap().policy;
        assert!(policy.resolve.contains_key("c.test:443"));
        assert!(policy.deny.is_match("xn--bcher-kva.test:8448"));
        let mut bad = raw();
        bad.deny = vec!["::1".to_owned()];
        let e = network(bad).err().unwrap();
        assert!(e.to_string().contains("in brackets"), "{e}");
        assert!(e.hint().unwrap().contains("'[::1]:*'"));
        let mut bad = raw();
        bad.resolve = vec![("c.test:0".to_owned(), "http://127.0.0.1:1".to_owned())];
        let e = network(bad).err().unwrap();
        assert!(e.to_string().contains("port 0"), "{e}");
        assert!(e.hint().unwrap().contains("--resolve fed.example:443="));
    }

    #[test]
    fn the_timeout_is_checked_first() {
        let mut bad = raw();
        bad.timeout = 0.0;
        bad.servers = vec!["not a url".to_owned()];
        assert_eq!(refused(bad), "--timeout must be between 0 and 3600 seconds");
    }
}
