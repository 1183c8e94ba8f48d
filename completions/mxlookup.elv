
use builtin;
use str;

set edit:completion:arg-completer[mxlookup] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'mxlookup'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'mxlookup'= {
            cand --config 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand lookup 'Look up the contacts of address books'
            cand trace 'Follow one address hop by hop, showing what each server was sent and said'
            cand push 'MSC4004: declare an origin server''s addresses, hashed, to a trusted identity server'
            cand bind 'Publish one of your own addresses on an identity server, through your homeserver'
            cand unbind 'Remove one of your addresses from identity servers, through your homeserver'
            cand login 'Log in to your homeserver with a password; the token is kept for later runs'
            cand logout 'End the session `login` kept, on the homeserver, and forget its token'
            cand sandbox 'Run the embedded sandbox federation on loopback until Ctrl-C'
            cand config 'Show the settings in force and where each comes from'
            cand hash 'Print the lookup hash of one address'
            cand completions 'Print a shell completion script'
            cand manpage 'Print the manual page (roff), or write one per command into a folder'
            cand synth 'Write a synthetic address book (for benchmarks; see README)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mxlookup;lookup'= {
            cand --input-format 'Read every file as this format instead of guessing from its name and content'
            cand --email-column 'Read this CSV column as email addresses: its header (case and accents aside) or its number, 1 for the first. Repeatable; only the columns given are read as email addresses'
            cand --phone-column 'Read this CSV column as phone numbers: its header (case and accents aside) or its number, 1 for the first. Repeatable; only the columns given are read as phone numbers'
            cand -r 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)'
            cand --region 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)'
            cand --pepper 'With --dry-run and no server: hash with this pepper, offline'
            cand -s 'An identity server to start from (repeat for several) [default: the one your account chose on --homeserver (m.identity_server account data), else those its /.well-known/matrix/client names]'
            cand --server 'An identity server to start from (repeat for several) [default: the one your account chose on --homeserver (m.identity_server account data), else those its /.well-known/matrix/client names]'
            cand --homeserver 'Homeserver that provides OpenID tokens to register at identity servers'
            cand --hs-token 'Access token for --homeserver (sent to the homeserver only)'
            cand --access-token 'An identity-server token: TOKEN for the one start server, URL=TOKEN for the start server at URL (repeatable; needed with several -s). Sent to that server only; the others register through --homeserver'
            cand --resolve 'Reach server NAME (host:port) at URL instead of https://NAME (repeatable)'
            cand --ca-cert 'Also trust the CA certificates in this PEM file'
            cand --timeout 'Seconds allowed per request'
            cand --max-wait 'The longest wait, in seconds, a rate-limited server may ask for before it is asked again (its Retry-After); a longer one is an error. ToM-server asks for up to 600'
            cand --backoff-ms 'First retry delay in milliseconds (doubled each retry, with jitter)'
            cand --max-depth 'Follow at most N referral hops'
            cand --allow-server 'Follow referrals only to servers matching PATTERN (glob on host:port; repeatable)'
            cand --deny-server 'Never follow referrals to servers matching PATTERN (repeatable)'
            cand --server-budget 'Ask at most N distinct referred servers'
            cand --federation 'With --sandbox: the federation to run (TOML) instead of the built-in one'
            cand -f 'Output format [default: table]'
            cand --format 'Output format [default: table]'
            cand -o 'Write results to this file instead of stdout'
            cand --output 'Write results to this file instead of stdout'
            cand --dav-user 'The CardDAV login for sources given as URLs [also ~/.netrc, `dav_user` in the config file]. The password comes from MXLOOKUP_DAV_PASSWORD, the file `dav_password_file` of the config file names, ~/.netrc, or a prompt; it is sent to that server only'
            cand --config 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)'
            cand --dry-run 'Fetch the start servers'' hash_details only, and print what would be sent for each address; send no address and no hash'
            cand --write-back 'Write the Matrix IDs found back into the sources (IMPP:matrix:u/…): files atomically, CardDAV cards with If-Match'
            cand --no-follow 'Follow no referral (same as --max-depth 0)'
            cand --allow-plaintext 'Allow the `none` algorithm, which sends addresses in clear text'
            cand --accept-terms 'Accept the identity servers'' terms of service when they ask (terms you accepted in another client, listed in your m.accepted_terms account data, are accepted without it; what this accepts is added there)'
            cand --sandbox 'Start the embedded sandbox federation on loopback and use it'
            cand --list 'Print the CardDAV address books the URLs lead to (URL, name, cards) and look nothing up'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mxlookup;trace'= {
            cand --medium 'The medium [default: email if ADDRESS has an `@`, else msisdn]'
            cand -r 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)'
            cand --region 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)'
            cand -f '`table` for people, `json` for data'
            cand --format '`table` for people, `json` for data'
            cand -s 'An identity server to start from (repeat for several) [default: the one your account chose on --homeserver (m.identity_server account data), else those its /.well-known/matrix/client names]'
            cand --server 'An identity server to start from (repeat for several) [default: the one your account chose on --homeserver (m.identity_server account data), else those its /.well-known/matrix/client names]'
            cand --homeserver 'Homeserver that provides OpenID tokens to register at identity servers'
            cand --hs-token 'Access token for --homeserver (sent to the homeserver only)'
            cand --access-token 'An identity-server token: TOKEN for the one start server, URL=TOKEN for the start server at URL (repeatable; needed with several -s). Sent to that server only; the others register through --homeserver'
            cand --resolve 'Reach server NAME (host:port) at URL instead of https://NAME (repeatable)'
            cand --ca-cert 'Also trust the CA certificates in this PEM file'
            cand --timeout 'Seconds allowed per request'
            cand --max-wait 'The longest wait, in seconds, a rate-limited server may ask for before it is asked again (its Retry-After); a longer one is an error. ToM-server asks for up to 600'
            cand --backoff-ms 'First retry delay in milliseconds (doubled each retry, with jitter)'
            cand --max-depth 'Follow at most N referral hops'
            cand --allow-server 'Follow referrals only to servers matching PATTERN (glob on host:port; repeatable)'
            cand --deny-server 'Never follow referrals to servers matching PATTERN (repeatable)'
            cand --server-budget 'Ask at most N distinct referred servers'
            cand --federation 'With --sandbox: the federation to run (TOML) instead of the built-in one'
            cand --config 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)'
            cand --no-follow 'Follow no referral (same as --max-depth 0)'
            cand --allow-plaintext 'Allow the `none` algorithm, which sends addresses in clear text'
            cand --accept-terms 'Accept the identity servers'' terms of service when they ask (terms you accepted in another client, listed in your m.accepted_terms account data, are accepted without it; what this accepts is added there)'
            cand --sandbox 'Start the embedded sandbox federation on loopback and use it'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mxlookup;push'= {
            cand --origin 'The origin server that holds the associations, as host:port (port 443 when absent)'
            cand --input-format 'Read every file as this format instead of guessing from its name and content'
            cand --email-column 'Read this CSV column as email addresses: its header (case and accents aside) or its number, 1 for the first. Repeatable; only the columns given are read as email addresses'
            cand --phone-column 'Read this CSV column as phone numbers: its header (case and accents aside) or its number, 1 for the first. Repeatable; only the columns given are read as phone numbers'
            cand -r 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)'
            cand --region 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)'
            cand --batch-size 'Hashes per request'
            cand -f '`table` for people, `json` or `ndjson` for data'
            cand --format '`table` for people, `json` or `ndjson` for data'
            cand -s 'An identity server to start from (repeat for several) [default: the one your account chose on --homeserver (m.identity_server account data), else those its /.well-known/matrix/client names]'
            cand --server 'An identity server to start from (repeat for several) [default: the one your account chose on --homeserver (m.identity_server account data), else those its /.well-known/matrix/client names]'
            cand --homeserver 'Homeserver that provides OpenID tokens to register at identity servers'
            cand --hs-token 'Access token for --homeserver (sent to the homeserver only)'
            cand --access-token 'An identity-server token: TOKEN for the one start server, URL=TOKEN for the start server at URL (repeatable; needed with several -s). Sent to that server only; the others register through --homeserver'
            cand --resolve 'Reach server NAME (host:port) at URL instead of https://NAME (repeatable)'
            cand --ca-cert 'Also trust the CA certificates in this PEM file'
            cand --timeout 'Seconds allowed per request'
            cand --max-wait 'The longest wait, in seconds, a rate-limited server may ask for before it is asked again (its Retry-After); a longer one is an error. ToM-server asks for up to 600'
            cand --backoff-ms 'First retry delay in milliseconds (doubled each retry, with jitter)'
            cand --max-depth 'Follow at most N referral hops'
            cand --allow-server 'Follow referrals only to servers matching PATTERN (glob on host:port; repeatable)'
            cand --deny-server 'Never follow referrals to servers matching PATTERN (repeatable)'
            cand --server-budget 'Ask at most N distinct referred servers'
            cand --federation 'With --sandbox: the federation to run (TOML) instead of the built-in one'
            cand --config 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)'
            cand --dry-run 'Fetch the recipient''s hash_details only, and print the batches that would be sent (with -f json/ndjson, their bodies); send nothing'
            cand --isolate 'After a batch answers 500, resend it in halves, quarters… down to single hashes, until each hash is `stored` (answered 201) or `already_held` (answered 500 alone): up to 2n-2 more requests for a batch of n hashes'
            cand --no-follow 'Follow no referral (same as --max-depth 0)'
            cand --allow-plaintext 'Allow the `none` algorithm, which sends addresses in clear text'
            cand --accept-terms 'Accept the identity servers'' terms of service when they ask (terms you accepted in another client, listed in your m.accepted_terms account data, are accepted without it; what this accepts is added there)'
            cand --sandbox 'Start the embedded sandbox federation on loopback and use it'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mxlookup;bind'= {
            cand --token 'The token the identity server sent, for a session requested before (by --request-only, or a run that stopped at the prompt)'
            cand --id-server 'The identity server''s name for the homeserver (host[:port], reached over https) [default: host and port of -s]'
            cand -r 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)'
            cand --region 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)'
            cand -f '`text` for people, `json` for scripts'
            cand --format '`text` for people, `json` for scripts'
            cand -s 'An identity server to start from (repeat for several) [default: the one your account chose on --homeserver (m.identity_server account data), else those its /.well-known/matrix/client names]'
            cand --server 'An identity server to start from (repeat for several) [default: the one your account chose on --homeserver (m.identity_server account data), else those its /.well-known/matrix/client names]'
            cand --homeserver 'Homeserver that provides OpenID tokens to register at identity servers'
            cand --hs-token 'Access token for --homeserver (sent to the homeserver only)'
            cand --access-token 'An identity-server token: TOKEN for the one start server, URL=TOKEN for the start server at URL (repeatable; needed with several -s). Sent to that server only; the others register through --homeserver'
            cand --resolve 'Reach server NAME (host:port) at URL instead of https://NAME (repeatable)'
            cand --ca-cert 'Also trust the CA certificates in this PEM file'
            cand --timeout 'Seconds allowed per request'
            cand --max-wait 'The longest wait, in seconds, a rate-limited server may ask for before it is asked again (its Retry-After); a longer one is an error. ToM-server asks for up to 600'
            cand --backoff-ms 'First retry delay in milliseconds (doubled each retry, with jitter)'
            cand --max-depth 'Follow at most N referral hops'
            cand --allow-server 'Follow referrals only to servers matching PATTERN (glob on host:port; repeatable)'
            cand --deny-server 'Never follow referrals to servers matching PATTERN (repeatable)'
            cand --server-budget 'Ask at most N distinct referred servers'
            cand --federation 'With --sandbox: the federation to run (TOML) instead of the built-in one'
            cand --config 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)'
            cand --request-only 'Have the token sent, keep the session, and stop; finish with --token'
            cand --no-follow 'Follow no referral (same as --max-depth 0)'
            cand --allow-plaintext 'Allow the `none` algorithm, which sends addresses in clear text'
            cand --accept-terms 'Accept the identity servers'' terms of service when they ask (terms you accepted in another client, listed in your m.accepted_terms account data, are accepted without it; what this accepts is added there)'
            cand --sandbox 'Start the embedded sandbox federation on loopback and use it'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mxlookup;unbind'= {
            cand --id-server 'The identity server to remove it from (host[:port]) [default: host and port of -s; without either, every server the homeserver bound it on]'
            cand -r 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)'
            cand --region 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)'
            cand -f '`text` for people, `json` for scripts'
            cand --format '`text` for people, `json` for scripts'
            cand -s 'An identity server to start from (repeat for several) [default: the one your account chose on --homeserver (m.identity_server account data), else those its /.well-known/matrix/client names]'
            cand --server 'An identity server to start from (repeat for several) [default: the one your account chose on --homeserver (m.identity_server account data), else those its /.well-known/matrix/client names]'
            cand --homeserver 'Homeserver that provides OpenID tokens to register at identity servers'
            cand --hs-token 'Access token for --homeserver (sent to the homeserver only)'
            cand --access-token 'An identity-server token: TOKEN for the one start server, URL=TOKEN for the start server at URL (repeatable; needed with several -s). Sent to that server only; the others register through --homeserver'
            cand --resolve 'Reach server NAME (host:port) at URL instead of https://NAME (repeatable)'
            cand --ca-cert 'Also trust the CA certificates in this PEM file'
            cand --timeout 'Seconds allowed per request'
            cand --max-wait 'The longest wait, in seconds, a rate-limited server may ask for before it is asked again (its Retry-After); a longer one is an error. ToM-server asks for up to 600'
            cand --backoff-ms 'First retry delay in milliseconds (doubled each retry, with jitter)'
            cand --max-depth 'Follow at most N referral hops'
            cand --allow-server 'Follow referrals only to servers matching PATTERN (glob on host:port; repeatable)'
            cand --deny-server 'Never follow referrals to servers matching PATTERN (repeatable)'
            cand --server-budget 'Ask at most N distinct referred servers'
            cand --federation 'With --sandbox: the federation to run (TOML) instead of the built-in one'
            cand --config 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)'
            cand --no-follow 'Follow no referral (same as --max-depth 0)'
            cand --allow-plaintext 'Allow the `none` algorithm, which sends addresses in clear text'
            cand --accept-terms 'Accept the identity servers'' terms of service when they ask (terms you accepted in another client, listed in your m.accepted_terms account data, are accepted without it; what this accepts is added there)'
            cand --sandbox 'Start the embedded sandbox federation on loopback and use it'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mxlookup;login'= {
            cand --homeserver 'The homeserver''s base URL [default: the `m.homeserver` of https://SERVER/.well-known/matrix/client, else https://SERVER, SERVER being the user ID''s]'
            cand --password-file 'Read the password from the first line of FILE [default: standard input when it is not a terminal, else a prompt that does not echo]'
            cand --device-name 'The name of the new device, as your other clients list it'
            cand --resolve 'Reach server NAME (host:port) at URL instead of https://NAME (repeatable)'
            cand --ca-cert 'Also trust the CA certificates in this PEM file'
            cand --timeout 'Seconds allowed per request'
            cand --max-wait 'The longest wait, in seconds, a rate-limited server may ask for before it is asked again (its Retry-After); a longer one is an error. ToM-server asks for up to 600'
            cand --backoff-ms 'First retry delay in milliseconds (doubled each retry, with jitter)'
            cand --config 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mxlookup;logout'= {
            cand --ca-cert 'Also trust the CA certificates in this PEM file'
            cand --timeout 'Seconds allowed per request'
            cand --max-wait 'The longest wait, in seconds, a rate-limited server may ask for before it is asked again (its Retry-After); a longer one is an error. ToM-server asks for up to 600'
            cand --backoff-ms 'First retry delay in milliseconds (doubled each retry, with jitter)'
            cand --config 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mxlookup;sandbox'= {
            cand --federation 'The federation to run (TOML) instead of the built-in one'
            cand --config 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mxlookup;config'= {
            cand --config 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand show 'Print the effective settings, each with its source (flag, env, file, default, discovered); tokens are shown as `(set)`'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mxlookup;config;show'= {
            cand -f '`table` for people, `json` for data'
            cand --format '`table` for people, `json` for data'
            cand --lookup-format 'The lookup output format to show (as `lookup -f` would take it)'
            cand --dav-user 'The CardDAV login to show (as `lookup --dav-user` would take it)'
            cand -r 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)'
            cand --region 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)'
            cand -s 'An identity server to start from (repeat for several) [default: the one your account chose on --homeserver (m.identity_server account data), else those its /.well-known/matrix/client names]'
            cand --server 'An identity server to start from (repeat for several) [default: the one your account chose on --homeserver (m.identity_server account data), else those its /.well-known/matrix/client names]'
            cand --homeserver 'Homeserver that provides OpenID tokens to register at identity servers'
            cand --hs-token 'Access token for --homeserver (sent to the homeserver only)'
            cand --access-token 'An identity-server token: TOKEN for the one start server, URL=TOKEN for the start server at URL (repeatable; needed with several -s). Sent to that server only; the others register through --homeserver'
            cand --resolve 'Reach server NAME (host:port) at URL instead of https://NAME (repeatable)'
            cand --ca-cert 'Also trust the CA certificates in this PEM file'
            cand --timeout 'Seconds allowed per request'
            cand --max-wait 'The longest wait, in seconds, a rate-limited server may ask for before it is asked again (its Retry-After); a longer one is an error. ToM-server asks for up to 600'
            cand --backoff-ms 'First retry delay in milliseconds (doubled each retry, with jitter)'
            cand --max-depth 'Follow at most N referral hops'
            cand --allow-server 'Follow referrals only to servers matching PATTERN (glob on host:port; repeatable)'
            cand --deny-server 'Never follow referrals to servers matching PATTERN (repeatable)'
            cand --server-budget 'Ask at most N distinct referred servers'
            cand --federation 'With --sandbox: the federation to run (TOML) instead of the built-in one'
            cand --config 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)'
            cand --discover 'With a homeserver and no server named, ask it now which identity server a run would use (your m.identity_server account data, else its /.well-known/matrix/client); without it, config show stays offline'
            cand --no-follow 'Follow no referral (same as --max-depth 0)'
            cand --allow-plaintext 'Allow the `none` algorithm, which sends addresses in clear text'
            cand --accept-terms 'Accept the identity servers'' terms of service when they ask (terms you accepted in another client, listed in your m.accepted_terms account data, are accepted without it; what this accepts is added there)'
            cand --sandbox 'Start the embedded sandbox federation on loopback and use it'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mxlookup;config;help'= {
            cand show 'Print the effective settings, each with its source (flag, env, file, default, discovered); tokens are shown as `(set)`'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mxlookup;config;help;show'= {
        }
        &'mxlookup;config;help;help'= {
        }
        &'mxlookup;hash'= {
            cand --pepper 'The server''s lookup pepper (from its hash_details)'
            cand --medium 'The medium [default: email if ADDRESS has an `@`, else msisdn]'
            cand --algorithm 'The lookup algorithm: sha256 prints the hash, none the clear text form'
            cand -r 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)'
            cand --region 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)'
            cand --config 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mxlookup;completions'= {
            cand --config 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mxlookup;manpage'= {
            cand --dir 'Write mxlookup.1 and a page per command (mxlookup-lookup.1...) into DIR, created if need be'
            cand --config 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mxlookup;synth'= {
            cand --contacts 'How many contacts'
            cand --seed 'Seed of the generator'
            cand --format 'vCard or CSV'
            cand --config 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mxlookup;help'= {
            cand lookup 'Look up the contacts of address books'
            cand trace 'Follow one address hop by hop, showing what each server was sent and said'
            cand push 'MSC4004: declare an origin server''s addresses, hashed, to a trusted identity server'
            cand bind 'Publish one of your own addresses on an identity server, through your homeserver'
            cand unbind 'Remove one of your addresses from identity servers, through your homeserver'
            cand login 'Log in to your homeserver with a password; the token is kept for later runs'
            cand logout 'End the session `login` kept, on the homeserver, and forget its token'
            cand sandbox 'Run the embedded sandbox federation on loopback until Ctrl-C'
            cand config 'Show the settings in force and where each comes from'
            cand hash 'Print the lookup hash of one address'
            cand completions 'Print a shell completion script'
            cand manpage 'Print the manual page (roff), or write one per command into a folder'
            cand synth 'Write a synthetic address book (for benchmarks; see README)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mxlookup;help;lookup'= {
        }
        &'mxlookup;help;trace'= {
        }
        &'mxlookup;help;push'= {
        }
        &'mxlookup;help;bind'= {
        }
        &'mxlookup;help;unbind'= {
        }
        &'mxlookup;help;login'= {
        }
        &'mxlookup;help;logout'= {
        }
        &'mxlookup;help;sandbox'= {
        }
        &'mxlookup;help;config'= {
            cand show 'Print the effective settings, each with its source (flag, env, file, default, discovered); tokens are shown as `(set)`'
        }
        &'mxlookup;help;config;show'= {
        }
        &'mxlookup;help;hash'= {
        }
        &'mxlookup;help;completions'= {
        }
        &'mxlookup;help;manpage'= {
        }
        &'mxlookup;help;synth'= {
        }
        &'mxlookup;help;help'= {
        }
    ]
    $completions[$command]
}
