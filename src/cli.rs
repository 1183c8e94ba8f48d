//! Command-line arguments (clap derive) and their validation into the
//! library's settings. Nothing here does the work.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use mxlookup::addressbook::Format;
use mxlookup::job::{LookupSettings, Mode, OutputSettings, Verbosity};
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

Data goes to stdout; progress, warnings and hints go to stderr.";

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

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Look up the contacts of address books.
    #[command(after_help = LOOKUP_EXAMPLES)]
    Lookup(LookupArgs),
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

const LOOKUP_EXAMPLES: &str = "\
Examples:
  Show what would be sent for each address, offline:
    mxlookup lookup contacts.vcf --dry-run --pepper matrixrocks --region FR
  The same as data, for a script:
    mxlookup lookup contacts.vcf --dry-run --pepper matrixrocks -f ndjson
  Read stdin:
    cat friends.txt | mxlookup lookup - --dry-run --pepper matrixrocks";

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

    /// Print what would be sent for each address, and send nothing.
    #[arg(long, requires = "pepper")]
    pub dry_run: bool,

    /// The pepper to hash with in a dry run without a server.
    #[arg(long, value_name = "PEPPER")]
    pub pepper: Option<String>,

    /// Output format [default: table].
    #[arg(short, long, value_enum, value_name = "FORMAT")]
    pub format: Option<OutputFormat>,

    /// Write results to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `-r/--region`, shared by the commands that read phone numbers.
#[derive(Debug, Args)]
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
}

impl LookupArgs {
    /// Validated settings.
    pub fn settings(self, verbosity: Verbosity) -> Result<LookupSettings, String> {
        let mode = match (self.dry_run, self.pepper) {
            (true, Some(pepper)) => Mode::DryRun {
                pepper,
                algorithm: Algorithm::Sha256,
            },
            _ => {
                return Err("no identity server to ask: this version looks up only with --dry-run --pepper P".to_owned());
            }
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
