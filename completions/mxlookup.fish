# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_mxlookup_global_optspecs
    string join \n q/quiet v/verbose config= h/help V/version
end

function __fish_mxlookup_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_mxlookup_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_mxlookup_using_subcommand
    set -l cmd (__fish_mxlookup_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c mxlookup -n "__fish_mxlookup_needs_command" -l config -d 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)' -r -F
complete -c mxlookup -n "__fish_mxlookup_needs_command" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c mxlookup -n "__fish_mxlookup_needs_command" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c mxlookup -n "__fish_mxlookup_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mxlookup -n "__fish_mxlookup_needs_command" -s V -l version -d 'Print version'
complete -c mxlookup -n "__fish_mxlookup_needs_command" -f -a "lookup" -d 'Look up the contacts of address books'
complete -c mxlookup -n "__fish_mxlookup_needs_command" -f -a "trace" -d 'Follow one address hop by hop, showing what each server was sent and said'
complete -c mxlookup -n "__fish_mxlookup_needs_command" -f -a "push" -d 'MSC4004: declare an origin server\'s addresses, hashed, to a trusted identity server'
complete -c mxlookup -n "__fish_mxlookup_needs_command" -f -a "bind" -d 'Publish one of your own addresses on an identity server, through your homeserver'
complete -c mxlookup -n "__fish_mxlookup_needs_command" -f -a "unbind" -d 'Remove one of your addresses from identity servers, through your homeserver'
complete -c mxlookup -n "__fish_mxlookup_needs_command" -f -a "login" -d 'Log in to your homeserver with a password; the token is kept for later runs'
complete -c mxlookup -n "__fish_mxlookup_needs_command" -f -a "logout" -d 'End the session `login` kept, on the homeserver, and forget its token'
complete -c mxlookup -n "__fish_mxlookup_needs_command" -f -a "sandbox" -d 'Run the embedded sandbox federation on loopback until Ctrl-C'
complete -c mxlookup -n "__fish_mxlookup_needs_command" -f -a "config" -d 'Show the settings in force and where each comes from'
complete -c mxlookup -n "__fish_mxlookup_needs_command" -f -a "hash" -d 'Print the lookup hash of one address'
complete -c mxlookup -n "__fish_mxlookup_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c mxlookup -n "__fish_mxlookup_needs_command" -f -a "manpage" -d 'Print the manual page (roff), or write one per command into a folder'
complete -c mxlookup -n "__fish_mxlookup_needs_command" -f -a "synth" -d 'Write a synthetic address book (for benchmarks; see README)'
complete -c mxlookup -n "__fish_mxlookup_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -l input-format -d 'Read every file as this format instead of guessing from its name and content' -r -f -a "vcard\t'vCard 2.1, 3.0 or 4.0'
csv\t'CSV with a header naming email or phone columns, or with none'
text\t'One address per line'"
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -l email-column -d 'Read this CSV column as email addresses: its header (case and accents aside) or its number, 1 for the first. Repeatable; only the columns given are read as email addresses' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -l phone-column -d 'Read this CSV column as phone numbers: its header (case and accents aside) or its number, 1 for the first. Repeatable; only the columns given are read as phone numbers' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -s r -l region -d 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -l pepper -d 'With --dry-run and no server: hash with this pepper, offline' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -s s -l server -d 'An identity server to start from (repeat for several) [default: the one your account chose on --homeserver (m.identity_server account data), else those its /.well-known/matrix/client names]' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -l homeserver -d 'Homeserver that provides OpenID tokens to register at identity servers' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -l hs-token -d 'Access token for --homeserver (sent to the homeserver only)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -l access-token -d 'An identity-server token: TOKEN for the one start server, URL=TOKEN for the start server at URL (repeatable; needed with several -s). Sent to that server only; the others register through --homeserver' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -l resolve -d 'Reach server NAME (host:port) at URL instead of https://NAME (repeatable)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -l ca-cert -d 'Also trust the CA certificates in this PEM file' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -l timeout -d 'Seconds allowed per request' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -l max-wait -d 'The longest wait, in seconds, a rate-limited server may ask for before it is asked again (its Retry-After); a longer one is an error. ToM-server asks for up to 600' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -l backoff-ms -d 'First retry delay in milliseconds (doubled each retry, with jitter)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -l max-depth -d 'Follow at most N referral hops' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -l allow-server -d 'Follow referrals only to servers matching PATTERN (glob on host:port; repeatable)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -l deny-server -d 'Never follow referrals to servers matching PATTERN (repeatable)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -l server-budget -d 'Ask at most N distinct referred servers' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -l federation -d 'With --sandbox: the federation to run (TOML) instead of the built-in one' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -s f -l format -d 'Output format [default: table]' -r -f -a "table\t'Aligned columns for people (the default), as wide as the terminal (else $COLUMNS, else 80), long cells cut with `…`'
json\t'One JSON document: results, servers and summary'
ndjson\t'One JSON result object per line'
csv\t'Comma-separated columns: contact, medium, address, status, mxid, via, mxids, input, reason'
vcard\t'The contacts as vCards, each found Matrix ID added as `IMPP:matrix:u/…`'"
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -s o -l output -d 'Write results to this file instead of stdout' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -l dav-user -d 'The CardDAV login for sources given as URLs [also ~/.netrc, `dav_user` in the config file]. The password comes from MXLOOKUP_DAV_PASSWORD, the file `dav_password_file` of the config file names, ~/.netrc, or a prompt; it is sent to that server only' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -l config -d 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -l dry-run -d 'Fetch the start servers\' hash_details only, and print what would be sent for each address; send no address and no hash'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -l write-back -d 'Write the Matrix IDs found back into the sources (IMPP:matrix:u/…): files atomically, CardDAV cards with If-Match'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -l no-follow -d 'Follow no referral (same as --max-depth 0)'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -l allow-plaintext -d 'Allow the `none` algorithm, which sends addresses in clear text'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -l accept-terms -d 'Accept the identity servers\' terms of service when they ask (terms you accepted in another client, listed in your m.accepted_terms account data, are accepted without it; what this accepts is added there)'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -l sandbox -d 'Start the embedded sandbox federation on loopback and use it'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -l list -d 'Print the CardDAV address books the URLs lead to (URL, name, cards) and look nothing up'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand lookup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand trace" -l medium -d 'The medium [default: email if ADDRESS has an `@`, else msisdn]' -r -f -a "email\t''
msisdn\t''"
complete -c mxlookup -n "__fish_mxlookup_using_subcommand trace" -s r -l region -d 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand trace" -s f -l format -d '`table` for people, `json` for data' -r -f -a "table\t''
json\t''"
complete -c mxlookup -n "__fish_mxlookup_using_subcommand trace" -s s -l server -d 'An identity server to start from (repeat for several) [default: the one your account chose on --homeserver (m.identity_server account data), else those its /.well-known/matrix/client names]' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand trace" -l homeserver -d 'Homeserver that provides OpenID tokens to register at identity servers' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand trace" -l hs-token -d 'Access token for --homeserver (sent to the homeserver only)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand trace" -l access-token -d 'An identity-server token: TOKEN for the one start server, URL=TOKEN for the start server at URL (repeatable; needed with several -s). Sent to that server only; the others register through --homeserver' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand trace" -l resolve -d 'Reach server NAME (host:port) at URL instead of https://NAME (repeatable)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand trace" -l ca-cert -d 'Also trust the CA certificates in this PEM file' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand trace" -l timeout -d 'Seconds allowed per request' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand trace" -l max-wait -d 'The longest wait, in seconds, a rate-limited server may ask for before it is asked again (its Retry-After); a longer one is an error. ToM-server asks for up to 600' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand trace" -l backoff-ms -d 'First retry delay in milliseconds (doubled each retry, with jitter)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand trace" -l max-depth -d 'Follow at most N referral hops' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand trace" -l allow-server -d 'Follow referrals only to servers matching PATTERN (glob on host:port; repeatable)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand trace" -l deny-server -d 'Never follow referrals to servers matching PATTERN (repeatable)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand trace" -l server-budget -d 'Ask at most N distinct referred servers' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand trace" -l federation -d 'With --sandbox: the federation to run (TOML) instead of the built-in one' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand trace" -l config -d 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand trace" -l no-follow -d 'Follow no referral (same as --max-depth 0)'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand trace" -l allow-plaintext -d 'Allow the `none` algorithm, which sends addresses in clear text'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand trace" -l accept-terms -d 'Accept the identity servers\' terms of service when they ask (terms you accepted in another client, listed in your m.accepted_terms account data, are accepted without it; what this accepts is added there)'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand trace" -l sandbox -d 'Start the embedded sandbox federation on loopback and use it'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand trace" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand trace" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand trace" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand push" -l origin -d 'The origin server that holds the associations, as host:port (port 443 when absent)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand push" -l input-format -d 'Read every file as this format instead of guessing from its name and content' -r -f -a "vcard\t'vCard 2.1, 3.0 or 4.0'
csv\t'CSV with a header naming email or phone columns, or with none'
text\t'One address per line'"
complete -c mxlookup -n "__fish_mxlookup_using_subcommand push" -l email-column -d 'Read this CSV column as email addresses: its header (case and accents aside) or its number, 1 for the first. Repeatable; only the columns given are read as email addresses' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand push" -l phone-column -d 'Read this CSV column as phone numbers: its header (case and accents aside) or its number, 1 for the first. Repeatable; only the columns given are read as phone numbers' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand push" -s r -l region -d 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand push" -l batch-size -d 'Hashes per request' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand push" -s f -l format -d '`table` for people, `json` or `ndjson` for data' -r -f -a "table\t''
json\t''
ndjson\t''"
complete -c mxlookup -n "__fish_mxlookup_using_subcommand push" -s s -l server -d 'An identity server to start from (repeat for several) [default: the one your account chose on --homeserver (m.identity_server account data), else those its /.well-known/matrix/client names]' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand push" -l homeserver -d 'Homeserver that provides OpenID tokens to register at identity servers' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand push" -l hs-token -d 'Access token for --homeserver (sent to the homeserver only)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand push" -l access-token -d 'An identity-server token: TOKEN for the one start server, URL=TOKEN for the start server at URL (repeatable; needed with several -s). Sent to that server only; the others register through --homeserver' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand push" -l resolve -d 'Reach server NAME (host:port) at URL instead of https://NAME (repeatable)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand push" -l ca-cert -d 'Also trust the CA certificates in this PEM file' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand push" -l timeout -d 'Seconds allowed per request' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand push" -l max-wait -d 'The longest wait, in seconds, a rate-limited server may ask for before it is asked again (its Retry-After); a longer one is an error. ToM-server asks for up to 600' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand push" -l backoff-ms -d 'First retry delay in milliseconds (doubled each retry, with jitter)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand push" -l max-depth -d 'Follow at most N referral hops' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand push" -l allow-server -d 'Follow referrals only to servers matching PATTERN (glob on host:port; repeatable)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand push" -l deny-server -d 'Never follow referrals to servers matching PATTERN (repeatable)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand push" -l server-budget -d 'Ask at most N distinct referred servers' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand push" -l federation -d 'With --sandbox: the federation to run (TOML) instead of the built-in one' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand push" -l config -d 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand push" -l dry-run -d 'Fetch the recipient\'s hash_details only, and print the batches that would be sent (with -f json/ndjson, their bodies); send nothing'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand push" -l isolate -d 'After a batch answers 500, resend it in halves, quarters… down to single hashes, until each hash is `stored` (answered 201) or `already_held` (answered 500 alone): up to 2n-2 more requests for a batch of n hashes'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand push" -l no-follow -d 'Follow no referral (same as --max-depth 0)'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand push" -l allow-plaintext -d 'Allow the `none` algorithm, which sends addresses in clear text'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand push" -l accept-terms -d 'Accept the identity servers\' terms of service when they ask (terms you accepted in another client, listed in your m.accepted_terms account data, are accepted without it; what this accepts is added there)'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand push" -l sandbox -d 'Start the embedded sandbox federation on loopback and use it'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand push" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand push" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand push" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand bind" -l token -d 'The token the identity server sent, for a session requested before (by --request-only, or a run that stopped at the prompt)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand bind" -l id-server -d 'The identity server\'s name for the homeserver (host[:port], reached over https) [default: host and port of -s]' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand bind" -s r -l region -d 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand bind" -s f -l format -d '`text` for people, `json` for scripts' -r -f -a "text\t''
json\t''"
complete -c mxlookup -n "__fish_mxlookup_using_subcommand bind" -s s -l server -d 'An identity server to start from (repeat for several) [default: the one your account chose on --homeserver (m.identity_server account data), else those its /.well-known/matrix/client names]' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand bind" -l homeserver -d 'Homeserver that provides OpenID tokens to register at identity servers' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand bind" -l hs-token -d 'Access token for --homeserver (sent to the homeserver only)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand bind" -l access-token -d 'An identity-server token: TOKEN for the one start server, URL=TOKEN for the start server at URL (repeatable; needed with several -s). Sent to that server only; the others register through --homeserver' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand bind" -l resolve -d 'Reach server NAME (host:port) at URL instead of https://NAME (repeatable)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand bind" -l ca-cert -d 'Also trust the CA certificates in this PEM file' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand bind" -l timeout -d 'Seconds allowed per request' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand bind" -l max-wait -d 'The longest wait, in seconds, a rate-limited server may ask for before it is asked again (its Retry-After); a longer one is an error. ToM-server asks for up to 600' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand bind" -l backoff-ms -d 'First retry delay in milliseconds (doubled each retry, with jitter)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand bind" -l max-depth -d 'Follow at most N referral hops' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand bind" -l allow-server -d 'Follow referrals only to servers matching PATTERN (glob on host:port; repeatable)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand bind" -l deny-server -d 'Never follow referrals to servers matching PATTERN (repeatable)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand bind" -l server-budget -d 'Ask at most N distinct referred servers' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand bind" -l federation -d 'With --sandbox: the federation to run (TOML) instead of the built-in one' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand bind" -l config -d 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand bind" -l request-only -d 'Have the token sent, keep the session, and stop; finish with --token'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand bind" -l no-follow -d 'Follow no referral (same as --max-depth 0)'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand bind" -l allow-plaintext -d 'Allow the `none` algorithm, which sends addresses in clear text'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand bind" -l accept-terms -d 'Accept the identity servers\' terms of service when they ask (terms you accepted in another client, listed in your m.accepted_terms account data, are accepted without it; what this accepts is added there)'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand bind" -l sandbox -d 'Start the embedded sandbox federation on loopback and use it'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand bind" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand bind" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand bind" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand unbind" -l id-server -d 'The identity server to remove it from (host[:port]) [default: host and port of -s; without either, every server the homeserver bound it on]' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand unbind" -s r -l region -d 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand unbind" -s f -l format -d '`text` for people, `json` for scripts' -r -f -a "text\t''
json\t''"
complete -c mxlookup -n "__fish_mxlookup_using_subcommand unbind" -s s -l server -d 'An identity server to start from (repeat for several) [default: the one your account chose on --homeserver (m.identity_server account data), else those its /.well-known/matrix/client names]' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand unbind" -l homeserver -d 'Homeserver that provides OpenID tokens to register at identity servers' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand unbind" -l hs-token -d 'Access token for --homeserver (sent to the homeserver only)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand unbind" -l access-token -d 'An identity-server token: TOKEN for the one start server, URL=TOKEN for the start server at URL (repeatable; needed with several -s). Sent to that server only; the others register through --homeserver' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand unbind" -l resolve -d 'Reach server NAME (host:port) at URL instead of https://NAME (repeatable)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand unbind" -l ca-cert -d 'Also trust the CA certificates in this PEM file' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand unbind" -l timeout -d 'Seconds allowed per request' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand unbind" -l max-wait -d 'The longest wait, in seconds, a rate-limited server may ask for before it is asked again (its Retry-After); a longer one is an error. ToM-server asks for up to 600' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand unbind" -l backoff-ms -d 'First retry delay in milliseconds (doubled each retry, with jitter)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand unbind" -l max-depth -d 'Follow at most N referral hops' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand unbind" -l allow-server -d 'Follow referrals only to servers matching PATTERN (glob on host:port; repeatable)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand unbind" -l deny-server -d 'Never follow referrals to servers matching PATTERN (repeatable)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand unbind" -l server-budget -d 'Ask at most N distinct referred servers' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand unbind" -l federation -d 'With --sandbox: the federation to run (TOML) instead of the built-in one' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand unbind" -l config -d 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand unbind" -l no-follow -d 'Follow no referral (same as --max-depth 0)'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand unbind" -l allow-plaintext -d 'Allow the `none` algorithm, which sends addresses in clear text'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand unbind" -l accept-terms -d 'Accept the identity servers\' terms of service when they ask (terms you accepted in another client, listed in your m.accepted_terms account data, are accepted without it; what this accepts is added there)'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand unbind" -l sandbox -d 'Start the embedded sandbox federation on loopback and use it'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand unbind" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand unbind" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand unbind" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand login" -l homeserver -d 'The homeserver\'s base URL [default: the `m.homeserver` of https://SERVER/.well-known/matrix/client, else https://SERVER, SERVER being the user ID\'s]' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand login" -l password-file -d 'Read the password from the first line of FILE [default: standard input when it is not a terminal, else a prompt that does not echo]' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand login" -l device-name -d 'The name of the new device, as your other clients list it' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand login" -l resolve -d 'Reach server NAME (host:port) at URL instead of https://NAME (repeatable)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand login" -l ca-cert -d 'Also trust the CA certificates in this PEM file' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand login" -l timeout -d 'Seconds allowed per request' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand login" -l max-wait -d 'The longest wait, in seconds, a rate-limited server may ask for before it is asked again (its Retry-After); a longer one is an error. ToM-server asks for up to 600' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand login" -l backoff-ms -d 'First retry delay in milliseconds (doubled each retry, with jitter)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand login" -l config -d 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand login" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand login" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand login" -s h -l help -d 'Print help'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand logout" -l ca-cert -d 'Also trust the CA certificates in this PEM file' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand logout" -l timeout -d 'Seconds allowed per request' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand logout" -l max-wait -d 'The longest wait, in seconds, a rate-limited server may ask for before it is asked again (its Retry-After); a longer one is an error. ToM-server asks for up to 600' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand logout" -l backoff-ms -d 'First retry delay in milliseconds (doubled each retry, with jitter)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand logout" -l config -d 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand logout" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand logout" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand logout" -s h -l help -d 'Print help'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand sandbox" -l federation -d 'The federation to run (TOML) instead of the built-in one' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand sandbox" -l config -d 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand sandbox" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand sandbox" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand sandbox" -s h -l help -d 'Print help'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and not __fish_seen_subcommand_from show help" -l config -d 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and not __fish_seen_subcommand_from show help" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and not __fish_seen_subcommand_from show help" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and not __fish_seen_subcommand_from show help" -s h -l help -d 'Print help'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and not __fish_seen_subcommand_from show help" -f -a "show" -d 'Print the effective settings, each with its source (flag, env, file, default, discovered); tokens are shown as `(set)`'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and not __fish_seen_subcommand_from show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and __fish_seen_subcommand_from show" -s f -l format -d '`table` for people, `json` for data' -r -f -a "table\t''
json\t''"
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and __fish_seen_subcommand_from show" -l lookup-format -d 'The lookup output format to show (as `lookup -f` would take it)' -r -f -a "table\t'Aligned columns for people (the default), as wide as the terminal (else $COLUMNS, else 80), long cells cut with `…`'
json\t'One JSON document: results, servers and summary'
ndjson\t'One JSON result object per line'
csv\t'Comma-separated columns: contact, medium, address, status, mxid, via, mxids, input, reason'
vcard\t'The contacts as vCards, each found Matrix ID added as `IMPP:matrix:u/…`'"
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and __fish_seen_subcommand_from show" -l dav-user -d 'The CardDAV login to show (as `lookup --dav-user` would take it)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and __fish_seen_subcommand_from show" -s r -l region -d 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and __fish_seen_subcommand_from show" -s s -l server -d 'An identity server to start from (repeat for several) [default: the one your account chose on --homeserver (m.identity_server account data), else those its /.well-known/matrix/client names]' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and __fish_seen_subcommand_from show" -l homeserver -d 'Homeserver that provides OpenID tokens to register at identity servers' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and __fish_seen_subcommand_from show" -l hs-token -d 'Access token for --homeserver (sent to the homeserver only)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and __fish_seen_subcommand_from show" -l access-token -d 'An identity-server token: TOKEN for the one start server, URL=TOKEN for the start server at URL (repeatable; needed with several -s). Sent to that server only; the others register through --homeserver' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and __fish_seen_subcommand_from show" -l resolve -d 'Reach server NAME (host:port) at URL instead of https://NAME (repeatable)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and __fish_seen_subcommand_from show" -l ca-cert -d 'Also trust the CA certificates in this PEM file' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and __fish_seen_subcommand_from show" -l timeout -d 'Seconds allowed per request' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and __fish_seen_subcommand_from show" -l max-wait -d 'The longest wait, in seconds, a rate-limited server may ask for before it is asked again (its Retry-After); a longer one is an error. ToM-server asks for up to 600' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and __fish_seen_subcommand_from show" -l backoff-ms -d 'First retry delay in milliseconds (doubled each retry, with jitter)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and __fish_seen_subcommand_from show" -l max-depth -d 'Follow at most N referral hops' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and __fish_seen_subcommand_from show" -l allow-server -d 'Follow referrals only to servers matching PATTERN (glob on host:port; repeatable)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and __fish_seen_subcommand_from show" -l deny-server -d 'Never follow referrals to servers matching PATTERN (repeatable)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and __fish_seen_subcommand_from show" -l server-budget -d 'Ask at most N distinct referred servers' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and __fish_seen_subcommand_from show" -l federation -d 'With --sandbox: the federation to run (TOML) instead of the built-in one' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and __fish_seen_subcommand_from show" -l config -d 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and __fish_seen_subcommand_from show" -l discover -d 'With a homeserver and no server named, ask it now which identity server a run would use (your m.identity_server account data, else its /.well-known/matrix/client); without it, config show stays offline'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and __fish_seen_subcommand_from show" -l no-follow -d 'Follow no referral (same as --max-depth 0)'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and __fish_seen_subcommand_from show" -l allow-plaintext -d 'Allow the `none` algorithm, which sends addresses in clear text'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and __fish_seen_subcommand_from show" -l accept-terms -d 'Accept the identity servers\' terms of service when they ask (terms you accepted in another client, listed in your m.accepted_terms account data, are accepted without it; what this accepts is added there)'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and __fish_seen_subcommand_from show" -l sandbox -d 'Start the embedded sandbox federation on loopback and use it'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print the effective settings, each with its source (flag, env, file, default, discovered); tokens are shown as `(set)`'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand hash" -l pepper -d 'The server\'s lookup pepper (from its hash_details)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand hash" -l medium -d 'The medium [default: email if ADDRESS has an `@`, else msisdn]' -r -f -a "email\t''
msisdn\t''"
complete -c mxlookup -n "__fish_mxlookup_using_subcommand hash" -l algorithm -d 'The lookup algorithm: sha256 prints the hash, none the clear text form' -r -f -a "sha256\t''
none\t''"
complete -c mxlookup -n "__fish_mxlookup_using_subcommand hash" -s r -l region -d 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand hash" -l config -d 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand hash" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand hash" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand hash" -s h -l help -d 'Print help'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand completions" -l config -d 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand completions" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand completions" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand completions" -s h -l help -d 'Print help'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand manpage" -l dir -d 'Write mxlookup.1 and a page per command (mxlookup-lookup.1...) into DIR, created if need be' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand manpage" -l config -d 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand manpage" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand manpage" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand manpage" -s h -l help -d 'Print help'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand synth" -l contacts -d 'How many contacts' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand synth" -l seed -d 'Seed of the generator' -r
complete -c mxlookup -n "__fish_mxlookup_using_subcommand synth" -l format -d 'vCard or CSV' -r -f -a "vcard\t'vCard 3.0, CRLF, as phones export'
csv\t'A Google-style CSV'"
complete -c mxlookup -n "__fish_mxlookup_using_subcommand synth" -l config -d 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)' -r -F
complete -c mxlookup -n "__fish_mxlookup_using_subcommand synth" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand synth" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand synth" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand help; and not __fish_seen_subcommand_from lookup trace push bind unbind login logout sandbox config hash completions manpage synth help" -f -a "lookup" -d 'Look up the contacts of address books'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand help; and not __fish_seen_subcommand_from lookup trace push bind unbind login logout sandbox config hash completions manpage synth help" -f -a "trace" -d 'Follow one address hop by hop, showing what each server was sent and said'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand help; and not __fish_seen_subcommand_from lookup trace push bind unbind login logout sandbox config hash completions manpage synth help" -f -a "push" -d 'MSC4004: declare an origin server\'s addresses, hashed, to a trusted identity server'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand help; and not __fish_seen_subcommand_from lookup trace push bind unbind login logout sandbox config hash completions manpage synth help" -f -a "bind" -d 'Publish one of your own addresses on an identity server, through your homeserver'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand help; and not __fish_seen_subcommand_from lookup trace push bind unbind login logout sandbox config hash completions manpage synth help" -f -a "unbind" -d 'Remove one of your addresses from identity servers, through your homeserver'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand help; and not __fish_seen_subcommand_from lookup trace push bind unbind login logout sandbox config hash completions manpage synth help" -f -a "login" -d 'Log in to your homeserver with a password; the token is kept for later runs'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand help; and not __fish_seen_subcommand_from lookup trace push bind unbind login logout sandbox config hash completions manpage synth help" -f -a "logout" -d 'End the session `login` kept, on the homeserver, and forget its token'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand help; and not __fish_seen_subcommand_from lookup trace push bind unbind login logout sandbox config hash completions manpage synth help" -f -a "sandbox" -d 'Run the embedded sandbox federation on loopback until Ctrl-C'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand help; and not __fish_seen_subcommand_from lookup trace push bind unbind login logout sandbox config hash completions manpage synth help" -f -a "config" -d 'Show the settings in force and where each comes from'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand help; and not __fish_seen_subcommand_from lookup trace push bind unbind login logout sandbox config hash completions manpage synth help" -f -a "hash" -d 'Print the lookup hash of one address'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand help; and not __fish_seen_subcommand_from lookup trace push bind unbind login logout sandbox config hash completions manpage synth help" -f -a "completions" -d 'Print a shell completion script'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand help; and not __fish_seen_subcommand_from lookup trace push bind unbind login logout sandbox config hash completions manpage synth help" -f -a "manpage" -d 'Print the manual page (roff), or write one per command into a folder'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand help; and not __fish_seen_subcommand_from lookup trace push bind unbind login logout sandbox config hash completions manpage synth help" -f -a "synth" -d 'Write a synthetic address book (for benchmarks; see README)'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand help; and not __fish_seen_subcommand_from lookup trace push bind unbind login logout sandbox config hash completions manpage synth help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mxlookup -n "__fish_mxlookup_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print the effective settings, each with its source (flag, env, file, default, discovered); tokens are shown as `(set)`'
