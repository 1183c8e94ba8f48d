//! The long texts of `--help`: what mxlookup is, the exit codes, and each
//! command's examples.
//!
//! A paragraph is one line (its source lines end in `\`), so that clap
//! wraps it at the terminal's width; only lists and examples break lines.

pub const LONG_ABOUT: &str = "\
mxlookup reads address books (vCard, CSV, plain text, vdir folders, CardDAV \
servers), hashes every email address and phone number with each identity \
server's pepper, follows the servers' referrals to other identity servers \
(MSC4004), and prints which contacts are on Matrix, under which Matrix ID; \
--write-back puts the Matrix IDs found into the address book.";

pub const AFTER_HELP: &str = "\
Exit codes:
  0    every address got a definite answer (found, not_found, conflict, \
unfollowed, invalid, not_asked)
  1    the run finished, but some addresses ended in `error`
  2    usage, configuration or unreadable input; nothing was looked up
  130  interrupted (Ctrl-C): the file of -o is left as it was

Data goes to stdout; progress, warnings and hints go to stderr.

Settings: flags > MXLOOKUP_* variables > $XDG_CONFIG_HOME/mxlookup/config.toml \
(or --config FILE) > defaults; `mxlookup config show` prints them.

Tokens are per server. --access-token TOKEN is for the one start server; with \
several -s, name each token's server: --access-token URL=TOKEN (repeatable). A \
token goes to its own server only: the others, and every referred server, get a \
token of their own through --homeserver and --hs-token (sent to the homeserver \
only). See `mxlookup lookup --help` for the variables and the config file.";

/// The long help of `--access-token`.
pub const ACCESS_TOKEN_HELP: &str = "\
An identity-server token, for one start server only. TOKEN alone is for the \
one start server; with several start servers, each token names its own: \
URL=TOKEN, repeatable (e.g. --access-token https://is.example=TOKEN). A bare \
TOKEN with several start servers, or a URL that is no start server, is \
refused before any request. A start server without a token, and every \
referred server, registers through --homeserver instead; no token is sent to \
another server.

MXLOOKUP_ACCESS_TOKEN holds one TOKEN or URL=TOKEN. In the config file, \
tokens stay in files of their own: `access_token_file = \"FILE\"` for the \
one start server, or a table of one file per server:
  [access_token_files]
  \"https://is.example\" = \"is.token\"
A server of that table that a run does not start from is left aside. Flags \
and the variable replace the file's tokens; `config show` prints `(set)`.";

pub const CONFIG_SHOW_HELP: &str = "\
Precedence: flags > MXLOOKUP_* variables > the config file > defaults.

Which identity server: -s (or `servers` in the config file) wins. Without it, a \
run asks --homeserver: first the identity server your account chose (the \
m.identity_server account data that Element and other clients write; if you \
chose none, mxlookup stops and says so), then the servers its \
/.well-known/matrix/client names. config show does not ask unless --discover \
is given (then shown as `discovered`, with the URL it came from).

Examples:
  mxlookup config show
  mxlookup config show --homeserver https://hs.example --hs-token T --discover
  mxlookup config show --config ./mxlookup.toml -f json";

/// How the start servers are chosen and terms handled, for the `--help`
/// of the commands that walk the federation.
pub const DISCOVERY: &str = "\
Which identity server:
  -s URL (or `servers` in the config file) wins. Without it, with --homeserver \
  and --hs-token, the identity server your account chose (the \
  m.identity_server account data that Element and other clients write); if \
  you chose none (`base_url: null`), mxlookup stops with exit 2 and says so. \
  With no choice recorded, the servers the homeserver's \
  /.well-known/matrix/client names. `mxlookup config show --discover` shows \
  which, and from where.
Terms of service:
  a server's terms you already accepted in any client (listed in your \
  m.accepted_terms account data) are accepted for you; others need \
  --accept-terms, which accepts them and adds them to that list.";

/// The exit codes, for the `--help` of every command that runs a job.
pub const EXIT_CODES: &str = "\
Exit codes:
  0    every address got a definite answer (found, not_found, conflict, \
unfollowed, invalid, not_asked)
  1    the run finished, but some addresses ended in `error`
  2    usage, configuration or unreadable input; nothing was looked up
  130  interrupted (Ctrl-C): the file of -o is left as it was";

pub const LOOKUP_EXAMPLES: &str = "\
Examples:
  Show what would be sent for each address, offline:
    mxlookup lookup contacts.vcf --dry-run --pepper matrixrocks --region FR
  The same as data, for a script:
    mxlookup lookup contacts.vcf --dry-run --pepper matrixrocks -f ndjson
  Read stdin:
    cat friends.txt | mxlookup lookup - --dry-run --pepper matrixrocks";

pub const TRACE_EXAMPLES: &str = "\
Examples:
  mxlookup trace chloe.bernard@federated.example --sandbox
  mxlookup trace '+33 6 12 34 56 78' -s https://matrix.example --access-token TOKEN
  mxlookup trace alice@example.com -s https://matrix.example --homeserver https://hs.example --hs-token T -f json";

pub const PUSH_EXAMPLES: &str = "\
push hashes each address with the recipient's (`-s`) current pepper and \
again with each non-empty alternative pepper, and posts them to its \
/_matrix/identity/v2/lookups, one origin per request. Its lookups then refer \
those hashes to --origin. Referral options (--max-depth, --allow-server, ...) \
do not apply: push talks to the -s server only.

A batch is `accepted` (201), `rejected` (a 4xx, or it never reached the \
recipient: nothing stored) or `unknown`. \
ToM-server answers 500 when a hash of the batch was pushed before (until it \
rotates its pepper), and still stores the batch's new hashes; it also answers \
500 to a body over 100 KB, storing nothing. Which hashes such a batch stored \
is unknown, so it is `unknown`, with the reason, and is not sent again.

--isolate resends a batch answered 500 in halves, then quarters, down to single \
hashes. Each hash ends `stored` (answered 201: it was new and is stored now), \
`already_held` (answered 500 alone: the recipient holds it) or, if isolation \
had to stop, `unknown`. It cannot tell a hash held before this run from one \
the batch's own 500 stored a moment before: after isolation, every \
`already_held` hash is held by the recipient, which is what it tells.

Cost: up to 2n-2 more requests for a batch of n hashes (98 for 50), each \
counted by ToM's limit of 100 requests per 10 minutes per IP. A 429 is waited \
out as Retry-After asks, up to 60 s; a longer wait stops the isolation and \
leaves the rest `unknown`. Isolate small batches: --batch-size 50 or less.

Exit codes:
  0    every hash was accepted, stored or found already held (or, with \
--dry-run, shown)
  1    some batch was rejected or unknown, or the recipient could not be asked
  2    usage, configuration or unreadable input; nothing was sent
  130  interrupted (Ctrl-C)

Examples:
  Declare that tom.example:443 holds the addresses of users.txt:
    mxlookup push users.txt --origin tom.example -s https://is.example \\
        --homeserver https://hs.example --hs-token \"$TOKEN\"
  What would be sent, with the recipient's real peppers, as data:
    mxlookup push users.vcf --origin tom.example:443 -s https://is.example \\
        --access-token T --dry-run -f ndjson";

pub const HASH_EXAMPLES: &str = "\
Examples:
  mxlookup hash alice@example.com --pepper matrixrocks
  mxlookup hash '+1 800 555 2067' --pepper matrixrocks
  mxlookup hash '06 12 34 56 78' --region FR --pepper matrixrocks
  mxlookup hash alice@example.com --algorithm none";

pub const BIND_EXAMPLES: &str = "\
Steps: the identity server sends a token to the address; you give it back; your \
homeserver binds the address on the identity server; mxlookup checks the identity \
server's signed association (ed25519, key from /_matrix/identity/v2/pubkey/...). \
The homeserver reaches the identity server over https at --id-server (by default \
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

Exit codes: 0 bound and its signature verified; 1 a server refused or failed, or the \
signature did not verify; 2 usage or configuration.";

pub const UNBIND_EXAMPLES: &str = "\
Examples:
  From every identity server the homeserver bound it on:
    mxlookup unbind email me@example.org --homeserver https://hs.example --hs-token TOKEN
  From one:
    mxlookup unbind email me@example.org --id-server matrix.example --homeserver ...

Exit codes: 0 unbound; 1 not unbound (refused, failed, or `no-support`); 2 usage or \
configuration.";
