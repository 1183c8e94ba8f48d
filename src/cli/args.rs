//! Command-line arguments (clap derive): the edge of the binary. Nothing
//! here validates or does the work: `layers` puts flags, variables and the
//! configuration file together, and `settings` checks the result.
//!
//! Every closed set is a `ValueEnum`. The variants of the enums behind
//! options carry `//` comments, not doc comments: clap would print a doc
//! comment as the value's help, and `--help`, the completions and the
//! manual page would change.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use mxlookup::addressbook::{ColumnChoice, ColumnRef, Format};
use mxlookup::report::OutputFormat;
use mxlookup::threepid::{Algorithm, Medium, Region};

use super::help::{
    AFTER_HELP, BIND_EXAMPLES, CONFIG_SHOW_HELP, DISCOVERY, EXIT_CODES, HASH_EXAMPLES, LONG_ABOUT,
    LOOKUP_EXAMPLES, PUSH_EXAMPLES, TRACE_EXAMPLES, UNBIND_EXAMPLES,
};
use crate::commands::login::{LOGIN_HELP, LOGOUT_HELP};

/// Find which of your contacts are on Matrix.
#[derive(Debug, Parser)]
#[command(name = "mxlookup", version, long_about = LONG_ABOUT, after_help = AFTER_HELP)]
pub struct Cli {
    /// Print nothing on stderr but errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Say more on stderr (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Read settings from this file instead of
    /// $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables
    /// override it).
    #[arg(long, global = true, value_name = "FILE", env = "MXLOOKUP_CONFIG")]
    pub config: Option<PathBuf>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Look up the contacts of address books.
    #[command(after_help = format!("{LOOKUP_EXAMPLES}\n\n{DISCOVERY}\n\n{EXIT_CODES}"))]
    Lookup(LookupArgs),
    /// Follow one address hop by hop, showing what each server was sent and said.
    #[command(after_help = format!("{TRACE_EXAMPLES}\n\n{DISCOVERY}\n\n{EXIT_CODES}"))]
    Trace(TraceArgs),
    /// MSC4004: declare an origin server's addresses, hashed, to a trusted identity server.
    #[command(after_help = PUSH_EXAMPLES)]
    Push(PushArgs),
    /// Publish one of your own addresses on an identity server, through your homeserver.
    #[command(after_help = BIND_EXAMPLES)]
    Bind(BindArgs),
    /// Remove one of your addresses from identity servers, through your homeserver.
    #[command(after_help = UNBIND_EXAMPLES)]
    Unbind(UnbindArgs),
    /// Log in to your homeserver with a password; the token is kept for later runs.
    #[command(after_help = LOGIN_HELP)]
    Login(LoginArgs),
    /// End the session `login` kept, on the homeserver, and forget its token.
    #[command(after_help = LOGOUT_HELP)]
    Logout(LogoutArgs),
    /// Run the embedded sandbox federation on loopback until Ctrl-C.
    #[command(
        after_help = "Example:\n  mxlookup sandbox\n  mxlookup sandbox --federation fixtures/federation.toml"
    )]
    Sandbox {
        /// The federation to run (TOML) instead of the built-in one.
        #[arg(long, value_name = "FILE")]
        federation: Option<PathBuf>,
    },
    /// Show the settings in force and where each comes from.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Print the lookup hash of one address.
    #[command(after_help = HASH_EXAMPLES)]
    Hash(HashArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Example:\n  mxlookup completions bash > ~/.local/share/bash-completion/completions/mxlookup"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), or write one per command into a folder.
    #[command(
        after_help = "Example:\n  mxlookup manpage --dir ~/.local/share/man/man1\n  man mxlookup-lookup"
    )]
    Manpage {
        /// Write mxlookup.1 and a page per command (mxlookup-lookup.1...) into DIR, created if need be.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Write a synthetic address book (for benchmarks; see README).
    #[command(hide = true)]
    Synth {
        /// How many contacts.
        #[arg(long, default_value_t = 1000)]
        contacts: usize,
        /// Seed of the generator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// vCard or CSV.
        #[arg(long, value_enum, default_value = "vcard")]
        format: mxlookup::synthetic::SynthFormat,
    },
}

/// `mxlookup config ...`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective settings, each with its source (flag, env,
    /// file, default, discovered); tokens are shown as `(set)`.
    #[command(after_help = CONFIG_SHOW_HELP)]
    Show(ConfigShowArgs),
}

/// Arguments of `mxlookup config show`.
#[derive(Debug, Args)]
pub struct ConfigShowArgs {
    /// `table` for people, `json` for data.
    #[arg(short, long, value_enum, default_value = "table")]
    pub format: TableOrJson,

    /// The lookup output format to show (as `lookup -f` would take it).
    #[arg(
        long,
        value_enum,
        value_name = "FORMAT",
        env = "MXLOOKUP_FORMAT",
        hide = true
    )]
    pub lookup_format: Option<OutputFormat>,

    /// The CardDAV login to show (as `lookup --dav-user` would take it).
    #[arg(long, value_name = "USER", env = "MXLOOKUP_DAV_USER", hide = true)]
    pub dav_user: Option<String>,

    /// With a homeserver and no server named, ask it now which identity
    /// server a run would use (your m.identity_server account data, else its
    /// /.well-known/matrix/client); without it, config show stays offline.
    #[arg(long)]
    pub discover: bool,

    #[command(flatten)]
    pub region: RegionArg,

    #[command(flatten)]
    pub network: NetworkArgs,
}

/// Arguments of `mxlookup trace`.
#[derive(Debug, Args)]
pub struct TraceArgs {
    /// An email address or phone number.
    pub address: String,

    /// The medium [default: email if ADDRESS has an `@`, else msisdn].
    #[arg(long, value_enum)]
    pub medium: Option<MediumFlag>,

    #[command(flatten)]
    pub region: RegionArg,

    /// `table` for people, `json` for data.
    #[arg(short, long, value_enum, default_value = "table")]
    pub format: TableOrJson,

    #[command(flatten)]
    pub network: NetworkArgs,
}

/// The CSV columns to read, when their headers do not say (`lookup`, `push`).
#[derive(Debug, Clone, Args)]
pub struct ColumnArgs {
    /// Read this CSV column as email addresses: its header (case and
    /// accents aside) or its number, 1 for the first. Repeatable; only the
    /// columns given are read as email addresses.
    #[arg(long, value_name = "NAME|N")]
    pub email_column: Vec<ColumnRef>,

    /// Read this CSV column as phone numbers: its header (case and accents
    /// aside) or its number, 1 for the first. Repeatable; only the columns
    /// given are read as phone numbers.
    #[arg(long, value_name = "NAME|N")]
    pub phone_column: Vec<ColumnRef>,
}

impl ColumnArgs {
    /// The choice the readers take.
    pub fn choice(self) -> ColumnChoice {
        ColumnChoice {
            email: self.email_column,
            phone: self.phone_column,
        }
    }
}

/// Arguments of `mxlookup lookup`.
#[derive(Debug, Args)]
pub struct LookupArgs {
    /// Address books to read: vCard, CSV or text; `-` reads stdin; an
    /// https:// URL (http:// to loopback) is read over CardDAV: an address
    /// book, a principal, or a server whose address books are found.
    ///
    /// A folder is read as a vdir (vdirsyncer, khard): each `.vcf` file in
    /// it, by name, one contact each; with none directly inside, those of
    /// its sub-folders, one level down (a folder of collections).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,

    /// Read every file as this format instead of guessing from its name and content.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<Format>,

    #[command(flatten)]
    pub columns: ColumnArgs,

    #[command(flatten)]
    pub region: RegionArg,

    /// Fetch the start servers' hash_details only, and print what would be
    /// sent for each address; send no address and no hash.
    ///
    /// With --write-back: look the addresses up, write nothing, and print
    /// what would change as a unified diff instead of the results.
    #[arg(long)]
    pub dry_run: bool,

    /// Write the Matrix IDs found back into the sources (IMPP:matrix:u/…):
    /// files atomically, CardDAV cards with If-Match.
    ///
    /// A vCard file, or each item of a vdir folder, gains the IMPP lines its
    /// cards lack, every other byte kept; it is written beside and renamed
    /// into place, keeping its permissions, and only when a card changed. A
    /// file that changed since it was read is left as it is, with a
    /// warning. A CardDAV card is sent back with PUT and If-Match; one
    /// changed on the server meanwhile is fetched again and sent once more.
    /// Standard input and CSV or text files are refused. With
    /// --dry-run the addresses are still looked up, nothing is written,
    /// and a unified diff of the changes is printed instead of the results.
    #[arg(long)]
    pub write_back: bool,

    /// With --dry-run and no server: hash with this pepper, offline.
    #[arg(long, value_name = "PEPPER", requires = "dry_run")]
    pub pepper: Option<String>,

    #[command(flatten)]
    pub network: NetworkArgs,

    /// Output format [default: table].
    #[arg(
        short,
        long,
        value_enum,
        value_name = "FORMAT",
        env = "MXLOOKUP_FORMAT"
    )]
    pub format: Option<OutputFormat>,

    /// Write results to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// The CardDAV login for sources given as URLs [also ~/.netrc, `dav_user`
    /// in the config file]. The password comes from MXLOOKUP_DAV_PASSWORD,
    /// the file `dav_password_file` of the config file names, ~/.netrc, or a
    /// prompt; it is sent to that server only.
    #[arg(long, value_name = "USER", env = "MXLOOKUP_DAV_USER")]
    pub dav_user: Option<String>,

    /// Print the CardDAV address books the URLs lead to (URL, name, cards)
    /// and look nothing up.
    #[arg(long)]
    pub list: bool,
}

/// Arguments of `mxlookup push`.
#[derive(Debug, Args)]
pub struct PushArgs {
    /// Address books of addresses the origin holds: vCard, CSV or text; `-` reads stdin.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,

    /// The origin server that holds the associations, as host:port (port 443 when absent).
    #[arg(long, required = true, value_name = "HOST:PORT", value_parser = parse_origin)]
    pub origin: String,

    /// Read every file as this format instead of guessing from its name and content.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<Format>,

    #[command(flatten)]
    pub columns: ColumnArgs,

    #[command(flatten)]
    pub region: RegionArg,

    /// Hashes per request.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 1000,
        value_parser = clap::value_parser!(u32).range(1..=10_000)
    )]
    pub batch_size: u32,

    /// Fetch the recipient's hash_details only, and print the batches that
    /// would be sent (with -f json/ndjson, their bodies); send nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// After a batch answers 500, resend it in halves, quarters… down to
    /// single hashes, until each hash is `stored` (answered 201) or
    /// `already_held` (answered 500 alone): up to 2n-2 more requests for a
    /// batch of n hashes.
    #[arg(long)]
    pub isolate: bool,

    /// `table` for people, `json` or `ndjson` for data.
    #[arg(short, long, value_enum, default_value = "table")]
    pub format: PushFormatArg,

    #[command(flatten)]
    pub network: NetworkArgs,
}

fn parse_origin(value: &str) -> Result<String, String> {
    mxlookup::resolve::policy::server_name(value)
        .map_err(|why| format!("not a server name (host:port): {why}"))
}

/// A medium, as `bind` and `unbind` take it.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum MediumArg {
    /// An email address.
    Email,
    /// A phone number.
    Msisdn,
}

impl From<MediumArg> for Medium {
    fn from(m: MediumArg) -> Medium {
        match m {
            MediumArg::Email => Medium::Email,
            MediumArg::Msisdn => Medium::Msisdn,
        }
    }
}

/// `--medium` of `trace` and `hash` (the same set as [`MediumArg`], whose
/// values are listed with their help).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MediumFlag {
    // An email address.
    Email,
    // A phone number.
    Msisdn,
}

impl From<MediumFlag> for Medium {
    fn from(m: MediumFlag) -> Medium {
        match m {
            MediumFlag::Email => Medium::Email,
            MediumFlag::Msisdn => Medium::Msisdn,
        }
    }
}

/// `hash --algorithm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlgorithmArg {
    // The hash of `address medium pepper`.
    #[value(name = "sha256")]
    Sha256,
    // The clear-text form.
    #[value(name = "none")]
    None,
}

impl From<AlgorithmArg> for Algorithm {
    fn from(a: AlgorithmArg) -> Algorithm {
        match a {
            AlgorithmArg::Sha256 => Algorithm::Sha256,
            AlgorithmArg::None => Algorithm::None,
        }
    }
}

/// `-f` of `config show` and `trace`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableOrJson {
    // For people.
    Table,
    // For data.
    Json,
}

/// `-f` of `push`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PushFormatArg {
    // A line per batch.
    Table,
    // One document.
    Json,
    // A JSON object per line.
    Ndjson,
}

/// `-f` of `bind` and `unbind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextOrJson {
    // For people.
    Text,
    // For scripts.
    Json,
}

/// Arguments of `mxlookup bind`.
#[derive(Debug, Args)]
pub struct BindArgs {
    /// What ADDRESS is.
    #[arg(value_enum)]
    pub medium: MediumArg,

    /// The email address or phone number to publish (yours).
    pub address: String,

    /// The token the identity server sent, for a session requested before
    /// (by --request-only, or a run that stopped at the prompt).
    #[arg(long, value_name = "TOKEN", conflicts_with = "request_only")]
    pub token: Option<String>,

    /// Have the token sent, keep the session, and stop; finish with --token.
    #[arg(long)]
    pub request_only: bool,

    /// The identity server's name for the homeserver (host[:port], reached over
    /// https) [default: host and port of -s].
    #[arg(long, value_name = "HOST[:PORT]")]
    pub id_server: Option<String>,

    #[command(flatten)]
    pub region: RegionArg,

    /// `text` for people, `json` for scripts.
    #[arg(short, long, value_enum, default_value = "text")]
    pub format: TextOrJson,

    #[command(flatten)]
    pub network: NetworkArgs,
}

/// Arguments of `mxlookup unbind`.
#[derive(Debug, Args)]
pub struct UnbindArgs {
    /// What ADDRESS is.
    #[arg(value_enum)]
    pub medium: MediumArg,

    /// The email address or phone number to remove.
    pub address: String,

    /// The identity server to remove it from (host[:port]) [default: host and
    /// port of -s; without either, every server the homeserver bound it on].
    #[arg(long, value_name = "HOST[:PORT]")]
    pub id_server: Option<String>,

    #[command(flatten)]
    pub region: RegionArg,

    /// `text` for people, `json` for scripts.
    #[arg(short, long, value_enum, default_value = "text")]
    pub format: TextOrJson,

    #[command(flatten)]
    pub network: NetworkArgs,
}

/// `-r/--region`, shared by the commands that read phone numbers.
#[derive(Debug, Clone, Args)]
pub struct RegionArg {
    /// Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US).
    #[arg(short, long, value_name = "CC", env = "MXLOOKUP_REGION")]
    pub region: Option<Region>,
}

/// Arguments of `mxlookup hash`.
#[derive(Debug, Args)]
pub struct HashArgs {
    /// An email address or phone number, normalised before hashing.
    pub address: String,

    /// The server's lookup pepper (from its hash_details).
    #[arg(long, value_name = "PEPPER")]
    pub pepper: Option<String>,

    /// The medium [default: email if ADDRESS has an `@`, else msisdn].
    #[arg(long, value_enum)]
    pub medium: Option<MediumFlag>,

    /// The lookup algorithm: sha256 prints the hash, none the clear text form.
    #[arg(long, value_enum, default_value = "sha256")]
    pub algorithm: AlgorithmArg,

    #[command(flatten)]
    pub region: RegionArg,
}

/// Where the identity servers are and how far to follow them; shared by
/// the commands that talk to servers.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Servers")]
pub struct NetworkArgs {
    /// An identity server to start from (repeat for several) [default: the
    /// one your account chose on --homeserver (m.identity_server account
    /// data), else those its /.well-known/matrix/client names].
    #[arg(
        short = 's',
        long = "server",
        value_name = "URL",
        env = "MXLOOKUP_SERVER",
        value_delimiter = ','
    )]
    pub servers: Vec<String>,

    /// Homeserver that provides OpenID tokens to register at identity servers.
    #[arg(long, value_name = "URL", env = "MXLOOKUP_HOMESERVER")]
    pub homeserver: Option<String>,

    /// Access token for --homeserver (sent to the homeserver only).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "MXLOOKUP_HS_TOKEN",
        hide_env_values = true
    )]
    pub hs_token: Option<String>,

    /// An identity-server token: TOKEN for the one start server, URL=TOKEN
    /// for the start server at URL (repeatable; needed with several -s).
    /// Sent to that server only; the others register through --homeserver.
    #[arg(
        long,
        value_name = "[URL=]TOKEN",
        env = "MXLOOKUP_ACCESS_TOKEN",
        hide_env_values = true,
        long_help = super::help::ACCESS_TOKEN_HELP
    )]
    pub access_token: Vec<String>,

    /// Reach server NAME (host:port) at URL instead of https://NAME (repeatable).
    ///
    /// NAME is read as every server name is (see --allow-server): `C.Test.`,
    /// `c.test` and `c.test:443` name the same server, so any of them places
    /// a referral to `c.test:443`, however the referral spells it.
    #[arg(long, value_name = "NAME=URL", value_parser = parse_resolve)]
    pub resolve: Vec<(String, String)>,

    #[command(flatten)]
    pub reach: ReachArgs,

    /// Follow at most N referral hops.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 3,
        env = "MXLOOKUP_MAX_DEPTH"
    )]
    pub max_depth: u32,

    /// Follow no referral (same as --max-depth 0).
    #[arg(long)]
    pub no_follow: bool,

    /// Follow referrals only to servers matching PATTERN (glob on host:port; repeatable).
    ///
    /// Server names are compared in one canonical form: lower case, no
    /// trailing dot, an explicit port (443 when absent), an IPv6 address in
    /// brackets (`[::1]:8448`), a Unicode name as IDNA A-labels (`bücher.test`
    /// is `xn--bcher-kva.test:443`). So `C.Test.:443`, `c.test` and
    /// `c.test:443` are one server for the patterns, loops, the server budget,
    /// caches and `via`.
    ///
    /// A pattern is put in that form before it is matched: a missing port
    /// means 443 (write `:*` for any port), a host without wildcards is
    /// canonical as a name is, and in a host with wildcards, letters are
    /// lowered and Unicode labels become A-labels. `*` matches any
    /// characters, `.` and `:` included; `?`, `[a-z]` and `{a,b}` work too.
    #[arg(
        long = "allow-server",
        value_name = "PATTERN",
        env = "MXLOOKUP_ALLOW_SERVER",
        value_delimiter = ','
    )]
    pub allow: Vec<String>,

    /// Never follow referrals to servers matching PATTERN (repeatable).
    ///
    /// Patterns and names as for --allow-server: `--deny-server 'c.test:*'`
    /// leaves a referral to `C.Test.:8448` as much as one to `c.test:443`.
    #[arg(
        long = "deny-server",
        value_name = "PATTERN",
        env = "MXLOOKUP_DENY_SERVER",
        value_delimiter = ','
    )]
    pub deny: Vec<String>,

    /// Ask at most N distinct referred servers.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 16,
        env = "MXLOOKUP_SERVER_BUDGET"
    )]
    pub server_budget: usize,

    /// Allow the `none` algorithm, which sends addresses in clear text.
    #[arg(long)]
    pub allow_plaintext: bool,

    /// Accept the identity servers' terms of service when they ask (terms
    /// you accepted in another client, listed in your m.accepted_terms
    /// account data, are accepted without it; what this accepts is added
    /// there).
    #[arg(long)]
    pub accept_terms: bool,

    /// Start the embedded sandbox federation on loopback and use it.
    #[arg(long)]
    pub sandbox: bool,

    /// With --sandbox: the federation to run (TOML) instead of the built-in one.
    #[arg(long, value_name = "FILE", requires = "sandbox")]
    pub federation: Option<PathBuf>,
}

fn parse_resolve(value: &str) -> Result<(String, String), String> {
    // NAME is host:port, so split at the `=` that starts the URL.
    let (name, url) = value
        .split_once('=')
        .ok_or("expected NAME=URL, e.g. fed.example:443=http://127.0.0.1:8091")?;
    Ok((name.to_owned(), url.to_owned()))
}

/// Arguments of `mxlookup login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Your Matrix user ID, e.g. @me:example.org.
    pub user_id: String,

    /// The homeserver's base URL [default: the `m.homeserver` of
    /// https://SERVER/.well-known/matrix/client, else https://SERVER, SERVER
    /// being the user ID's].
    #[arg(long, value_name = "URL", env = "MXLOOKUP_HOMESERVER")]
    pub homeserver: Option<String>,

    /// Read the password from the first line of FILE [default: standard
    /// input when it is not a terminal, else a prompt that does not echo].
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,

    /// The name of the new device, as your other clients list it.
    #[arg(long, value_name = "NAME", default_value = "mxlookup")]
    pub device_name: String,

    /// Reach server NAME (host:port) at URL instead of https://NAME (repeatable).
    #[arg(long, value_name = "NAME=URL", value_parser = parse_resolve)]
    pub resolve: Vec<(String, String)>,

    #[command(flatten)]
    pub reach: ReachArgs,
}

/// Arguments of `mxlookup logout`.
#[derive(Debug, Args)]
pub struct LogoutArgs {
    #[command(flatten)]
    pub reach: ReachArgs,
}

/// How `login` and `logout` reach the homeserver.
#[derive(Debug, Clone, Args)]
pub struct ReachArgs {
    /// Also trust the CA certificates in this PEM file.
    #[arg(long, value_name = "PEM", env = "MXLOOKUP_CA_CERT")]
    pub ca_cert: Option<PathBuf>,

    /// Seconds allowed per request.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 30.0,
        env = "MXLOOKUP_TIMEOUT"
    )]
    pub timeout: f64,

    /// The longest wait, in seconds, a rate-limited server may ask for
    /// before it is asked again (its Retry-After); a longer one is an error.
    /// ToM-server asks for up to 600.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 60.0,
        env = "MXLOOKUP_MAX_WAIT"
    )]
    pub max_wait: f64,

    /// First retry delay in milliseconds (doubled each retry, with jitter).
    #[arg(
        long,
        value_name = "MS",
        default_value_t = 500,
        env = "MXLOOKUP_BACKOFF_MS",
        hide = true
    )]
    pub backoff_ms: u64,
}
