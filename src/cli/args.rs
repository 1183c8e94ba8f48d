//! Command-line arguments (clap derive) and their validation into the
//! library's settings. Nothing here does the work.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use mxlookup::addressbook::Format;
use std::time::Duration;

use crate::commands::hash::HashSettings;
use crate::commands::{
    BindFormat, BindSettings, LookupSettings, Mode, NetworkSettings, OutputSettings, PushFormat,
    PushSettings, TraceSettings, UnbindSettings, Verbosity,
};
use mxlookup::identity::HttpSettings;
use mxlookup::report::OutputFormat;
use mxlookup::threepid::{Algorithm, Medium, MsisdnOptions, Region};

const LONG_ABOUT: &str = "\
mxlookup reads address books (vCard, CSV, plain text), hashes every email address
and phone number with each identity server's pepper, follows the servers'
referrals to other identity servers (MSC4004), and prints which contacts are on
Matrix, under which Matrix ID.";

const AFTER_HELP: &str = "\
Exit codes:
  0  every address got a definite answer (found, not_found, conflict, unfollowed,
     invalid, not_asked)
  1  the run finished, but some addresses ended in `error`
  2  usage, configuration or unreadable input; nothing was looked up

Data goes to stdout; progress, warnings and hints go to stderr.

Settings: flags > MXLOOKUP_* variables > $XDG_CONFIG_HOME/mxlookup/config.toml
(or --config FILE) > defaults; `mxlookup config show` prints them.";

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
    #[command(after_help = format!("{LOOKUP_EXAMPLES}\n\n{EXIT_CODES}"))]
    Lookup(LookupArgs),
    /// Follow one address hop by hop, showing what each server was sent and said.
    #[command(after_help = format!("{TRACE_EXAMPLES}\n\n{EXIT_CODES}"))]
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
    /// Print the manual page (roff), as `completions/mxlookup.1` holds it.
    #[command(hide = true)]
    Manpage,
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

const CONFIG_SHOW_HELP: &str = "\
Precedence: flags > MXLOOKUP_* variables > the config file > defaults. With no
server anywhere but a homeserver, the start servers are discovered from its
/.well-known/matrix/client (shown as `discovered`).

Examples:
  mxlookup config show
  mxlookup config show --config ./mxlookup.toml -f json";

/// Arguments of `mxlookup config show`.
#[derive(Debug, Args)]
pub struct ConfigShowArgs {
    /// `table` for people, `json` for data.
    #[arg(short, long, value_parser = ["table", "json"], default_value = "table")]
    pub format: String,

    /// The lookup output format to show (as `lookup -f` would take it).
    #[arg(
        long,
        value_enum,
        value_name = "FORMAT",
        env = "MXLOOKUP_FORMAT",
        hide = true
    )]
    pub lookup_format: Option<OutputFormat>,

    #[command(flatten)]
    pub region: RegionArg,

    #[command(flatten)]
    pub network: NetworkArgs,
}

/// The exit codes, for the `--help` of every command that runs a job.
const EXIT_CODES: &str = "\
Exit codes:
  0  every address got a definite answer (found, not_found, conflict, unfollowed,
     invalid, not_asked)
  1  the run finished, but some addresses ended in `error`
  2  usage, configuration or unreadable input; nothing was looked up";

const LOOKUP_EXAMPLES: &str = "\
Examples:
  Show what would be sent for each address, offline:
    mxlookup lookup contacts.vcf --dry-run --pepper matrixrocks --region FR
  The same as data, for a script:
    mxlookup lookup contacts.vcf --dry-run --pepper matrixrocks -f ndjson
  Read stdin:
    cat friends.txt | mxlookup lookup - --dry-run --pepper matrixrocks";

const TRACE_EXAMPLES: &str = "\
Examples:
  mxlookup trace chloe.bernard@federated.example --sandbox
  mxlookup trace '+33 6 12 34 56 78' -s https://matrix.example --access-token TOKEN
  mxlookup trace alice@example.com -s https://matrix.example --homeserver https://hs.example --hs-token T -f json";

/// Arguments of `mxlookup trace`.
#[derive(Debug, Args)]
pub struct TraceArgs {
    /// An email address or phone number.
    pub address: String,

    /// The medium [default: email if ADDRESS has an `@`, else msisdn].
    #[arg(long, value_parser = ["email", "msisdn"])]
    pub medium: Option<String>,

    #[command(flatten)]
    pub region: RegionArg,

    /// `table` for people, `json` for data.
    #[arg(short, long, value_parser = ["table", "json"], default_value = "table")]
    pub format: String,

    #[command(flatten)]
    pub network: NetworkArgs,
}

const PUSH_EXAMPLES: &str = "\
push hashes each address with the recipient's (`-s`) current pepper and
again with each non-empty alternative pepper, and posts them to its
/_matrix/identity/v2/lookups, one origin per request. Its lookups then refer
those hashes to --origin. Referral options (--max-depth, --allow-server, ...)
do not apply: push talks to the -s server only.

ToM-server answers 500 to a hash pushed before (until it rotates its pepper):
such a batch is `rejected` and is not sent again.

Exit codes:
  0  every batch was accepted (or, with --dry-run, shown)
  1  some batch was rejected, or the recipient could not be asked
  2  usage, configuration or unreadable input; nothing was sent

Examples:
  Declare that tom.example:443 holds the addresses of users.txt:
    mxlookup push users.txt --origin tom.example -s https://is.example \\
        --homeserver https://hs.example --hs-token \"$TOKEN\"
  What would be sent, with the recipient's real peppers, as data:
    mxlookup push users.vcf --origin tom.example:443 -s https://is.example \\
        --access-token T --dry-run -f ndjson";

const HASH_EXAMPLES: &str = "\
Examples:
  mxlookup hash alice@example.com --pepper matrixrocks
  mxlookup hash '+1 800 555 2067' --pepper matrixrocks
  mxlookup hash '06 12 34 56 78' --region FR --pepper matrixrocks
  mxlookup hash alice@example.com --algorithm none";

/// Arguments of `mxlookup lookup`.
#[derive(Debug, Args)]
pub struct LookupArgs {
    /// Address books to read: vCard, CSV or text; `-` reads stdin.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,

    /// Read every file as this format instead of guessing from its name and content.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<Format>,

    #[command(flatten)]
    pub region: RegionArg,

    /// Fetch the start servers' hash_details only, and print what would be
    /// sent for each address; send no address and no hash.
    #[arg(long)]
    pub dry_run: bool,

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

    /// `table` for people, `json` or `ndjson` for data.
    #[arg(short, long, value_parser = ["table", "json", "ndjson"], default_value = "table")]
    pub format: String,

    #[command(flatten)]
    pub network: NetworkArgs,
}

fn parse_origin(value: &str) -> Result<String, String> {
    mxlookup::resolve::policy::server_name(value)
        .map_err(|why| format!("not a server name (host:port): {why}"))
}

impl PushArgs {
    /// Validated settings.
    pub fn settings(self, verbosity: Verbosity) -> Result<PushSettings, String> {
        let format = match self.format.as_str() {
            "json" => PushFormat::Json,
            "ndjson" => PushFormat::Ndjson,
            _ => PushFormat::Table,
        };
        Ok(PushSettings {
            files: self.files,
            input_format: self.input_format,
            msisdn: MsisdnOptions {
                region: self.region.region,
                bare_digits_are_international: false,
            },
            origin: self.origin,
            network: self.network.settings()?,
            batch_size: self.batch_size as usize,
            dry_run: self.dry_run,
            format,
            verbosity,
        })
    }
}

const BIND_EXAMPLES: &str = "\
Steps: the identity server sends a token to the address; you give it back; your
homeserver binds the address on the identity server; mxlookup checks the identity
server's signed association (ed25519, key from /_matrix/identity/v2/pubkey/...).
The homeserver reaches the identity server over https at --id-server (by default
the host and port of -s), and receives your token for it to do so.

Examples:
  Prompt for the token the mail brings:
    mxlookup bind email me@example.org -s https://matrix.example \\
        --homeserver https://hs.example --hs-token TOKEN
  In two steps, for scripts (the session is kept in $XDG_STATE_HOME/mxlookup/):
    mxlookup bind email me@example.org -s https://matrix.example --request-only ...
    mxlookup bind email me@example.org -s https://matrix.example --token 123456 ...
  A phone number, in national form:
    mxlookup bind msisdn '06 12 34 56 78' -r FR -s https://matrix.example ...

Exit codes: 0 bound and its signature verified; 1 a server refused or failed, or the
signature did not verify; 2 usage or configuration.";

const UNBIND_EXAMPLES: &str = "\
Examples:
  From every identity server the homeserver bound it on:
    mxlookup unbind email me@example.org --homeserver https://hs.example --hs-token TOKEN
  From one:
    mxlookup unbind email me@example.org --id-server matrix.example --homeserver ...

Exit codes: 0 unbound; 1 not unbound (refused, failed, or `no-support`); 2 usage or
configuration.";

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

/// `text` for people, `json` for scripts.
fn bind_format(value: &str) -> BindFormat {
    if value == "json" {
        BindFormat::Json
    } else {
        BindFormat::Text
    }
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
    #[arg(short, long, value_parser = ["text", "json"], default_value = "text")]
    pub format: String,

    #[command(flatten)]
    pub network: NetworkArgs,
}

impl BindArgs {
    /// Validated settings.
    pub fn settings(self, verbosity: Verbosity) -> Result<BindSettings, String> {
        Ok(BindSettings {
            medium: self.medium.into(),
            address: self.address,
            msisdn: MsisdnOptions {
                region: self.region.region,
                bare_digits_are_international: false,
            },
            network: self.network.settings()?,
            id_server: self.id_server,
            token: self.token,
            request_only: self.request_only,
            format: bind_format(&self.format),
            verbosity,
        })
    }
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
    #[arg(short, long, value_parser = ["text", "json"], default_value = "text")]
    pub format: String,

    #[command(flatten)]
    pub network: NetworkArgs,
}

impl UnbindArgs {
    /// Validated settings.
    pub fn settings(self) -> Result<UnbindSettings, String> {
        Ok(UnbindSettings {
            medium: self.medium.into(),
            address: self.address,
            msisdn: MsisdnOptions {
                region: self.region.region,
                bare_digits_are_international: false,
            },
            network: self.network.settings()?,
            id_server: self.id_server,
            format: bind_format(&self.format),
        })
    }
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
    #[arg(long, value_parser = ["email", "msisdn"])]
    pub medium: Option<String>,

    /// The lookup algorithm: sha256 prints the hash, none the clear text form.
    #[arg(long, value_parser = ["sha256", "none"], default_value = "sha256")]
    pub algorithm: String,

    #[command(flatten)]
    pub region: RegionArg,
}

impl HashArgs {
    /// The medium asked for, or inferred.
    pub fn medium(&self) -> Medium {
        self.medium
            .as_deref()
            .and_then(|m| m.parse().ok())
            .unwrap_or_else(|| Medium::infer(&self.address))
    }

    /// The algorithm asked for.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm.parse().unwrap_or(Algorithm::Sha256)
    }

    /// How to read the number: bare digits are the wire form here.
    pub fn msisdn(&self) -> MsisdnOptions {
        MsisdnOptions {
            region: self.region.region,
            bare_digits_are_international: true,
        }
    }

    /// The settings of `mxlookup hash`.
    pub fn settings(&self) -> HashSettings {
        HashSettings {
            input: self.address.clone(),
            medium: self.medium(),
            msisdn: self.msisdn(),
            algorithm: self.algorithm(),
            pepper: self.pepper.clone(),
        }
    }
}

impl TraceArgs {
    /// The settings of `mxlookup trace`.
    pub fn settings(self) -> Result<TraceSettings, String> {
        Ok(TraceSettings {
            input: self.address,
            medium: self.medium.as_deref().and_then(|m| m.parse().ok()),
            msisdn: MsisdnOptions {
                region: self.region.region,
                bare_digits_are_international: true,
            },
            network: self.network.settings()?,
            json: self.format == "json",
        })
    }
}

/// Where the identity servers are and how far to follow them; shared by
/// the commands that talk to servers.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Servers")]
pub struct NetworkArgs {
    /// An identity server to start from (repeat for several) [default:
    /// discovered from --homeserver's /.well-known/matrix/client].
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

    /// An identity-server token for the start servers (referred servers register).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "MXLOOKUP_ACCESS_TOKEN",
        hide_env_values = true
    )]
    pub access_token: Option<String>,

    /// Reach server NAME (host:port) at URL instead of https://NAME (repeatable).
    #[arg(long, value_name = "NAME=URL", value_parser = parse_resolve)]
    pub resolve: Vec<(String, String)>,

    /// Also trust the CA certificates in this PEM file.
    #[arg(long, value_name = "PEM", env = "MXLOOKUP_CA_CERT")]
    pub ca_cert: Option<PathBuf>,

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
    #[arg(
        long = "allow-server",
        value_name = "PATTERN",
        env = "MXLOOKUP_ALLOW_SERVER",
        value_delimiter = ','
    )]
    pub allow: Vec<String>,

    /// Never follow referrals to servers matching PATTERN (repeatable).
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

    /// Accept the identity servers' terms of service when they ask.
    #[arg(long)]
    pub accept_terms: bool,

    /// Seconds allowed per request.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 30.0,
        env = "MXLOOKUP_TIMEOUT"
    )]
    pub timeout: f64,

    /// First retry delay in milliseconds (doubled each retry, with jitter).
    #[arg(
        long,
        value_name = "MS",
        default_value_t = 500,
        env = "MXLOOKUP_BACKOFF_MS",
        hide = true
    )]
    pub backoff_ms: u64,

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

impl NetworkArgs {
    /// Whether any server (or the sandbox) was named.
    pub fn names_a_server(&self) -> bool {
        !self.servers.is_empty() || self.sandbox
    }

    /// Validated network settings.
    pub fn settings(self) -> Result<NetworkSettings, String> {
        if !(self.timeout > 0.0 && self.timeout <= 3600.0) {
            return Err("--timeout must be between 0 and 3600 seconds".to_owned());
        }
        Ok(NetworkSettings {
            servers: self.servers,
            homeserver: self.homeserver,
            hs_token: self.hs_token,
            access_token: self.access_token,
            resolve: self.resolve,
            ca_cert: self.ca_cert,
            max_depth: if self.no_follow { 0 } else { self.max_depth },
            allow: self.allow,
            deny: self.deny,
            budget: self.server_budget,
            allow_plaintext: self.allow_plaintext,
            accept_terms: self.accept_terms,
            http: HttpSettings {
                timeout: Duration::from_secs_f64(self.timeout),
                backoff: Duration::from_millis(self.backoff_ms),
                ..HttpSettings::default()
            },
            sandbox: self.sandbox.then_some(self.federation),
            token_cache: true,
        })
    }
}

impl LookupArgs {
    /// Validated settings.
    pub fn settings(self, verbosity: Verbosity) -> Result<LookupSettings, String> {
        let mode = match (self.dry_run, self.pepper) {
            (true, Some(_)) if self.network.names_a_server() => {
                return Err("--pepper is for dry runs without a server: with a server, its own pepper is used".to_owned());
            }
            (true, Some(pepper)) => Mode::DryRun {
                pepper,
                algorithm: Algorithm::Sha256,
            },
            (dry_run, _) => Mode::Network {
                network: Box::new(self.network.settings()?),
                dry_run,
            },
        };
        let to_terminal = self.output.is_none() && std::io::stdout().is_terminal();
        let color = to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Ok(LookupSettings {
            files: self.files,
            input_format: self.input_format,
            msisdn: MsisdnOptions {
                region: self.region.region,
                bare_digits_are_international: false,
            },
            mode,
            output: OutputSettings {
                format: self.format.unwrap_or(OutputFormat::Table),
                path: self.output,
                color,
                verbosity,
            },
        })
    }
}
