
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'mxlookup' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'mxlookup'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'mxlookup' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('lookup', 'lookup', [CompletionResultType]::ParameterValue, 'Look up the contacts of address books')
            [CompletionResult]::new('trace', 'trace', [CompletionResultType]::ParameterValue, 'Follow one address hop by hop, showing what each server was sent and said')
            [CompletionResult]::new('push', 'push', [CompletionResultType]::ParameterValue, 'MSC4004: declare an origin server''s addresses, hashed, to a trusted identity server')
            [CompletionResult]::new('bind', 'bind', [CompletionResultType]::ParameterValue, 'Publish one of your own addresses on an identity server, through your homeserver')
            [CompletionResult]::new('unbind', 'unbind', [CompletionResultType]::ParameterValue, 'Remove one of your addresses from identity servers, through your homeserver')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Log in to your homeserver with a password; the token is kept for later runs')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'End the session `login` kept, on the homeserver, and forget its token')
            [CompletionResult]::new('sandbox', 'sandbox', [CompletionResultType]::ParameterValue, 'Run the embedded sandbox federation on loopback until Ctrl-C')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the settings in force and where each comes from')
            [CompletionResult]::new('hash', 'hash', [CompletionResultType]::ParameterValue, 'Print the lookup hash of one address')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('manpage', 'manpage', [CompletionResultType]::ParameterValue, 'Print the manual page (roff), or write one per command into a folder')
            [CompletionResult]::new('synth', 'synth', [CompletionResultType]::ParameterValue, 'Write a synthetic address book (for benchmarks; see README)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mxlookup;lookup' {
            [CompletionResult]::new('--input-format', '--input-format', [CompletionResultType]::ParameterName, 'Read every file as this format instead of guessing from its name and content')
            [CompletionResult]::new('--email-column', '--email-column', [CompletionResultType]::ParameterName, 'Read this CSV column as email addresses: its header (case and accents aside) or its number, 1 for the first. Repeatable; only the columns given are read as email addresses')
            [CompletionResult]::new('--phone-column', '--phone-column', [CompletionResultType]::ParameterName, 'Read this CSV column as phone numbers: its header (case and accents aside) or its number, 1 for the first. Repeatable; only the columns given are read as phone numbers')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)')
            [CompletionResult]::new('--pepper', '--pepper', [CompletionResultType]::ParameterName, 'With --dry-run and no server: hash with this pepper, offline')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'An identity server to start from (repeat for several) [default: the one your account chose on --homeserver (m.identity_server account data), else those its /.well-known/matrix/client names]')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'An identity server to start from (repeat for several) [default: the one your account chose on --homeserver (m.identity_server account data), else those its /.well-known/matrix/client names]')
            [CompletionResult]::new('--homeserver', '--homeserver', [CompletionResultType]::ParameterName, 'Homeserver that provides OpenID tokens to register at identity servers')
            [CompletionResult]::new('--hs-token', '--hs-token', [CompletionResultType]::ParameterName, 'Access token for --homeserver (sent to the homeserver only)')
            [CompletionResult]::new('--access-token', '--access-token', [CompletionResultType]::ParameterName, 'An identity-server token: TOKEN for the one start server, URL=TOKEN for the start server at URL (repeatable; needed with several -s). Sent to that server only; the others register through --homeserver')
            [CompletionResult]::new('--resolve', '--resolve', [CompletionResultType]::ParameterName, 'Reach server NAME (host:port) at URL instead of https://NAME (repeatable)')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust the CA certificates in this PEM file')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed per request')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'The longest wait, in seconds, a rate-limited server may ask for before it is asked again (its Retry-After); a longer one is an error. ToM-server asks for up to 600')
            [CompletionResult]::new('--backoff-ms', '--backoff-ms', [CompletionResultType]::ParameterName, 'First retry delay in milliseconds (doubled each retry, with jitter)')
            [CompletionResult]::new('--max-depth', '--max-depth', [CompletionResultType]::ParameterName, 'Follow at most N referral hops')
            [CompletionResult]::new('--allow-server', '--allow-server', [CompletionResultType]::ParameterName, 'Follow referrals only to servers matching PATTERN (glob on host:port; repeatable)')
            [CompletionResult]::new('--deny-server', '--deny-server', [CompletionResultType]::ParameterName, 'Never follow referrals to servers matching PATTERN (repeatable)')
            [CompletionResult]::new('--server-budget', '--server-budget', [CompletionResultType]::ParameterName, 'Ask at most N distinct referred servers')
            [CompletionResult]::new('--federation', '--federation', [CompletionResultType]::ParameterName, 'With --sandbox: the federation to run (TOML) instead of the built-in one')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write results to this file instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write results to this file instead of stdout')
            [CompletionResult]::new('--dav-user', '--dav-user', [CompletionResultType]::ParameterName, 'The CardDAV login for sources given as URLs [also ~/.netrc, `dav_user` in the config file]. The password comes from MXLOOKUP_DAV_PASSWORD, the file `dav_password_file` of the config file names, ~/.netrc, or a prompt; it is sent to that server only')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Fetch the start servers'' hash_details only, and print what would be sent for each address; send no address and no hash')
            [CompletionResult]::new('--write-back', '--write-back', [CompletionResultType]::ParameterName, 'Write the Matrix IDs found back into the sources (IMPP:matrix:u/…): files atomically, CardDAV cards with If-Match')
            [CompletionResult]::new('--no-follow', '--no-follow', [CompletionResultType]::ParameterName, 'Follow no referral (same as --max-depth 0)')
            [CompletionResult]::new('--allow-plaintext', '--allow-plaintext', [CompletionResultType]::ParameterName, 'Allow the `none` algorithm, which sends addresses in clear text')
            [CompletionResult]::new('--accept-terms', '--accept-terms', [CompletionResultType]::ParameterName, 'Accept the identity servers'' terms of service when they ask (terms you accepted in another client, listed in your m.accepted_terms account data, are accepted without it; what this accepts is added there)')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Start the embedded sandbox federation on loopback and use it')
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'Print the CardDAV address books the URLs lead to (URL, name, cards) and look nothing up')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mxlookup;trace' {
            [CompletionResult]::new('--medium', '--medium', [CompletionResultType]::ParameterName, 'The medium [default: email if ADDRESS has an `@`, else msisdn]')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, '`table` for people, `json` for data')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, '`table` for people, `json` for data')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'An identity server to start from (repeat for several) [default: the one your account chose on --homeserver (m.identity_server account data), else those its /.well-known/matrix/client names]')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'An identity server to start from (repeat for several) [default: the one your account chose on --homeserver (m.identity_server account data), else those its /.well-known/matrix/client names]')
            [CompletionResult]::new('--homeserver', '--homeserver', [CompletionResultType]::ParameterName, 'Homeserver that provides OpenID tokens to register at identity servers')
            [CompletionResult]::new('--hs-token', '--hs-token', [CompletionResultType]::ParameterName, 'Access token for --homeserver (sent to the homeserver only)')
            [CompletionResult]::new('--access-token', '--access-token', [CompletionResultType]::ParameterName, 'An identity-server token: TOKEN for the one start server, URL=TOKEN for the start server at URL (repeatable; needed with several -s). Sent to that server only; the others register through --homeserver')
            [CompletionResult]::new('--resolve', '--resolve', [CompletionResultType]::ParameterName, 'Reach server NAME (host:port) at URL instead of https://NAME (repeatable)')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust the CA certificates in this PEM file')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed per request')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'The longest wait, in seconds, a rate-limited server may ask for before it is asked again (its Retry-After); a longer one is an error. ToM-server asks for up to 600')
            [CompletionResult]::new('--backoff-ms', '--backoff-ms', [CompletionResultType]::ParameterName, 'First retry delay in milliseconds (doubled each retry, with jitter)')
            [CompletionResult]::new('--max-depth', '--max-depth', [CompletionResultType]::ParameterName, 'Follow at most N referral hops')
            [CompletionResult]::new('--allow-server', '--allow-server', [CompletionResultType]::ParameterName, 'Follow referrals only to servers matching PATTERN (glob on host:port; repeatable)')
            [CompletionResult]::new('--deny-server', '--deny-server', [CompletionResultType]::ParameterName, 'Never follow referrals to servers matching PATTERN (repeatable)')
            [CompletionResult]::new('--server-budget', '--server-budget', [CompletionResultType]::ParameterName, 'Ask at most N distinct referred servers')
            [CompletionResult]::new('--federation', '--federation', [CompletionResultType]::ParameterName, 'With --sandbox: the federation to run (TOML) instead of the built-in one')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)')
            [CompletionResult]::new('--no-follow', '--no-follow', [CompletionResultType]::ParameterName, 'Follow no referral (same as --max-depth 0)')
            [CompletionResult]::new('--allow-plaintext', '--allow-plaintext', [CompletionResultType]::ParameterName, 'Allow the `none` algorithm, which sends addresses in clear text')
            [CompletionResult]::new('--accept-terms', '--accept-terms', [CompletionResultType]::ParameterName, 'Accept the identity servers'' terms of service when they ask (terms you accepted in another client, listed in your m.accepted_terms account data, are accepted without it; what this accepts is added there)')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Start the embedded sandbox federation on loopback and use it')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mxlookup;push' {
            [CompletionResult]::new('--origin', '--origin', [CompletionResultType]::ParameterName, 'The origin server that holds the associations, as host:port (port 443 when absent)')
            [CompletionResult]::new('--input-format', '--input-format', [CompletionResultType]::ParameterName, 'Read every file as this format instead of guessing from its name and content')
            [CompletionResult]::new('--email-column', '--email-column', [CompletionResultType]::ParameterName, 'Read this CSV column as email addresses: its header (case and accents aside) or its number, 1 for the first. Repeatable; only the columns given are read as email addresses')
            [CompletionResult]::new('--phone-column', '--phone-column', [CompletionResultType]::ParameterName, 'Read this CSV column as phone numbers: its header (case and accents aside) or its number, 1 for the first. Repeatable; only the columns given are read as phone numbers')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Hashes per request')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, '`table` for people, `json` or `ndjson` for data')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, '`table` for people, `json` or `ndjson` for data')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'An identity server to start from (repeat for several) [default: the one your account chose on --homeserver (m.identity_server account data), else those its /.well-known/matrix/client names]')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'An identity server to start from (repeat for several) [default: the one your account chose on --homeserver (m.identity_server account data), else those its /.well-known/matrix/client names]')
            [CompletionResult]::new('--homeserver', '--homeserver', [CompletionResultType]::ParameterName, 'Homeserver that provides OpenID tokens to register at identity servers')
            [CompletionResult]::new('--hs-token', '--hs-token', [CompletionResultType]::ParameterName, 'Access token for --homeserver (sent to the homeserver only)')
            [CompletionResult]::new('--access-token', '--access-token', [CompletionResultType]::ParameterName, 'An identity-server token: TOKEN for the one start server, URL=TOKEN for the start server at URL (repeatable; needed with several -s). Sent to that server only; the others register through --homeserver')
            [CompletionResult]::new('--resolve', '--resolve', [CompletionResultType]::ParameterName, 'Reach server NAME (host:port) at URL instead of https://NAME (repeatable)')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust the CA certificates in this PEM file')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed per request')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'The longest wait, in seconds, a rate-limited server may ask for before it is asked again (its Retry-After); a longer one is an error. ToM-server asks for up to 600')
            [CompletionResult]::new('--backoff-ms', '--backoff-ms', [CompletionResultType]::ParameterName, 'First retry delay in milliseconds (doubled each retry, with jitter)')
            [CompletionResult]::new('--max-depth', '--max-depth', [CompletionResultType]::ParameterName, 'Follow at most N referral hops')
            [CompletionResult]::new('--allow-server', '--allow-server', [CompletionResultType]::ParameterName, 'Follow referrals only to servers matching PATTERN (glob on host:port; repeatable)')
            [CompletionResult]::new('--deny-server', '--deny-server', [CompletionResultType]::ParameterName, 'Never follow referrals to servers matching PATTERN (repeatable)')
            [CompletionResult]::new('--server-budget', '--server-budget', [CompletionResultType]::ParameterName, 'Ask at most N distinct referred servers')
            [CompletionResult]::new('--federation', '--federation', [CompletionResultType]::ParameterName, 'With --sandbox: the federation to run (TOML) instead of the built-in one')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Fetch the recipient''s hash_details only, and print the batches that would be sent (with -f json/ndjson, their bodies); send nothing')
            [CompletionResult]::new('--isolate', '--isolate', [CompletionResultType]::ParameterName, 'After a batch answers 500, resend it in halves, quarters… down to single hashes, until each hash is `stored` (answered 201) or `already_held` (answered 500 alone): up to 2n-2 more requests for a batch of n hashes')
            [CompletionResult]::new('--no-follow', '--no-follow', [CompletionResultType]::ParameterName, 'Follow no referral (same as --max-depth 0)')
            [CompletionResult]::new('--allow-plaintext', '--allow-plaintext', [CompletionResultType]::ParameterName, 'Allow the `none` algorithm, which sends addresses in clear text')
            [CompletionResult]::new('--accept-terms', '--accept-terms', [CompletionResultType]::ParameterName, 'Accept the identity servers'' terms of service when they ask (terms you accepted in another client, listed in your m.accepted_terms account data, are accepted without it; what this accepts is added there)')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Start the embedded sandbox federation on loopback and use it')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mxlookup;bind' {
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'The token the identity server sent, for a session requested before (by --request-only, or a run that stopped at the prompt)')
            [CompletionResult]::new('--id-server', '--id-server', [CompletionResultType]::ParameterName, 'The identity server''s name for the homeserver (host[:port], reached over https) [default: host and port of -s]')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, '`text` for people, `json` for scripts')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, '`text` for people, `json` for scripts')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'An identity server to start from (repeat for several) [default: the one your account chose on --homeserver (m.identity_server account data), else those its /.well-known/matrix/client names]')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'An identity server to start from (repeat for several) [default: the one your account chose on --homeserver (m.identity_server account data), else those its /.well-known/matrix/client names]')
            [CompletionResult]::new('--homeserver', '--homeserver', [CompletionResultType]::ParameterName, 'Homeserver that provides OpenID tokens to register at identity servers')
            [CompletionResult]::new('--hs-token', '--hs-token', [CompletionResultType]::ParameterName, 'Access token for --homeserver (sent to the homeserver only)')
            [CompletionResult]::new('--access-token', '--access-token', [CompletionResultType]::ParameterName, 'An identity-server token: TOKEN for the one start server, URL=TOKEN for the start server at URL (repeatable; needed with several -s). Sent to that server only; the others register through --homeserver')
            [CompletionResult]::new('--resolve', '--resolve', [CompletionResultType]::ParameterName, 'Reach server NAME (host:port) at URL instead of https://NAME (repeatable)')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust the CA certificates in this PEM file')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed per request')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'The longest wait, in seconds, a rate-limited server may ask for before it is asked again (its Retry-After); a longer one is an error. ToM-server asks for up to 600')
            [CompletionResult]::new('--backoff-ms', '--backoff-ms', [CompletionResultType]::ParameterName, 'First retry delay in milliseconds (doubled each retry, with jitter)')
            [CompletionResult]::new('--max-depth', '--max-depth', [CompletionResultType]::ParameterName, 'Follow at most N referral hops')
            [CompletionResult]::new('--allow-server', '--allow-server', [CompletionResultType]::ParameterName, 'Follow referrals only to servers matching PATTERN (glob on host:port; repeatable)')
            [CompletionResult]::new('--deny-server', '--deny-server', [CompletionResultType]::ParameterName, 'Never follow referrals to servers matching PATTERN (repeatable)')
            [CompletionResult]::new('--server-budget', '--server-budget', [CompletionResultType]::ParameterName, 'Ask at most N distinct referred servers')
            [CompletionResult]::new('--federation', '--federation', [CompletionResultType]::ParameterName, 'With --sandbox: the federation to run (TOML) instead of the built-in one')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)')
            [CompletionResult]::new('--request-only', '--request-only', [CompletionResultType]::ParameterName, 'Have the token sent, keep the session, and stop; finish with --token')
            [CompletionResult]::new('--no-follow', '--no-follow', [CompletionResultType]::ParameterName, 'Follow no referral (same as --max-depth 0)')
            [CompletionResult]::new('--allow-plaintext', '--allow-plaintext', [CompletionResultType]::ParameterName, 'Allow the `none` algorithm, which sends addresses in clear text')
            [CompletionResult]::new('--accept-terms', '--accept-terms', [CompletionResultType]::ParameterName, 'Accept the identity servers'' terms of service when they ask (terms you accepted in another client, listed in your m.accepted_terms account data, are accepted without it; what this accepts is added there)')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Start the embedded sandbox federation on loopback and use it')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mxlookup;unbind' {
            [CompletionResult]::new('--id-server', '--id-server', [CompletionResultType]::ParameterName, 'The identity server to remove it from (host[:port]) [default: host and port of -s; without either, every server the homeserver bound it on]')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, '`text` for people, `json` for scripts')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, '`text` for people, `json` for scripts')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'An identity server to start from (repeat for several) [default: the one your account chose on --homeserver (m.identity_server account data), else those its /.well-known/matrix/client names]')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'An identity server to start from (repeat for several) [default: the one your account chose on --homeserver (m.identity_server account data), else those its /.well-known/matrix/client names]')
            [CompletionResult]::new('--homeserver', '--homeserver', [CompletionResultType]::ParameterName, 'Homeserver that provides OpenID tokens to register at identity servers')
            [CompletionResult]::new('--hs-token', '--hs-token', [CompletionResultType]::ParameterName, 'Access token for --homeserver (sent to the homeserver only)')
            [CompletionResult]::new('--access-token', '--access-token', [CompletionResultType]::ParameterName, 'An identity-server token: TOKEN for the one start server, URL=TOKEN for the start server at URL (repeatable; needed with several -s). Sent to that server only; the others register through --homeserver')
            [CompletionResult]::new('--resolve', '--resolve', [CompletionResultType]::ParameterName, 'Reach server NAME (host:port) at URL instead of https://NAME (repeatable)')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust the CA certificates in this PEM file')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed per request')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'The longest wait, in seconds, a rate-limited server may ask for before it is asked again (its Retry-After); a longer one is an error. ToM-server asks for up to 600')
            [CompletionResult]::new('--backoff-ms', '--backoff-ms', [CompletionResultType]::ParameterName, 'First retry delay in milliseconds (doubled each retry, with jitter)')
            [CompletionResult]::new('--max-depth', '--max-depth', [CompletionResultType]::ParameterName, 'Follow at most N referral hops')
            [CompletionResult]::new('--allow-server', '--allow-server', [CompletionResultType]::ParameterName, 'Follow referrals only to servers matching PATTERN (glob on host:port; repeatable)')
            [CompletionResult]::new('--deny-server', '--deny-server', [CompletionResultType]::ParameterName, 'Never follow referrals to servers matching PATTERN (repeatable)')
            [CompletionResult]::new('--server-budget', '--server-budget', [CompletionResultType]::ParameterName, 'Ask at most N distinct referred servers')
            [CompletionResult]::new('--federation', '--federation', [CompletionResultType]::ParameterName, 'With --sandbox: the federation to run (TOML) instead of the built-in one')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)')
            [CompletionResult]::new('--no-follow', '--no-follow', [CompletionResultType]::ParameterName, 'Follow no referral (same as --max-depth 0)')
            [CompletionResult]::new('--allow-plaintext', '--allow-plaintext', [CompletionResultType]::ParameterName, 'Allow the `none` algorithm, which sends addresses in clear text')
            [CompletionResult]::new('--accept-terms', '--accept-terms', [CompletionResultType]::ParameterName, 'Accept the identity servers'' terms of service when they ask (terms you accepted in another client, listed in your m.accepted_terms account data, are accepted without it; what this accepts is added there)')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Start the embedded sandbox federation on loopback and use it')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mxlookup;login' {
            [CompletionResult]::new('--homeserver', '--homeserver', [CompletionResultType]::ParameterName, 'The homeserver''s base URL [default: the `m.homeserver` of https://SERVER/.well-known/matrix/client, else https://SERVER, SERVER being the user ID''s]')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of FILE [default: standard input when it is not a terminal, else a prompt that does not echo]')
            [CompletionResult]::new('--device-name', '--device-name', [CompletionResultType]::ParameterName, 'The name of the new device, as your other clients list it')
            [CompletionResult]::new('--resolve', '--resolve', [CompletionResultType]::ParameterName, 'Reach server NAME (host:port) at URL instead of https://NAME (repeatable)')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust the CA certificates in this PEM file')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed per request')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'The longest wait, in seconds, a rate-limited server may ask for before it is asked again (its Retry-After); a longer one is an error. ToM-server asks for up to 600')
            [CompletionResult]::new('--backoff-ms', '--backoff-ms', [CompletionResultType]::ParameterName, 'First retry delay in milliseconds (doubled each retry, with jitter)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mxlookup;logout' {
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust the CA certificates in this PEM file')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed per request')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'The longest wait, in seconds, a rate-limited server may ask for before it is asked again (its Retry-After); a longer one is an error. ToM-server asks for up to 600')
            [CompletionResult]::new('--backoff-ms', '--backoff-ms', [CompletionResultType]::ParameterName, 'First retry delay in milliseconds (doubled each retry, with jitter)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mxlookup;sandbox' {
            [CompletionResult]::new('--federation', '--federation', [CompletionResultType]::ParameterName, 'The federation to run (TOML) instead of the built-in one')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mxlookup;config' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the effective settings, each with its source (flag, env, file, default, discovered); tokens are shown as `(set)`')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mxlookup;config;show' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, '`table` for people, `json` for data')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, '`table` for people, `json` for data')
            [CompletionResult]::new('--lookup-format', '--lookup-format', [CompletionResultType]::ParameterName, 'The lookup output format to show (as `lookup -f` would take it)')
            [CompletionResult]::new('--dav-user', '--dav-user', [CompletionResultType]::ParameterName, 'The CardDAV login to show (as `lookup --dav-user` would take it)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'An identity server to start from (repeat for several) [default: the one your account chose on --homeserver (m.identity_server account data), else those its /.well-known/matrix/client names]')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'An identity server to start from (repeat for several) [default: the one your account chose on --homeserver (m.identity_server account data), else those its /.well-known/matrix/client names]')
            [CompletionResult]::new('--homeserver', '--homeserver', [CompletionResultType]::ParameterName, 'Homeserver that provides OpenID tokens to register at identity servers')
            [CompletionResult]::new('--hs-token', '--hs-token', [CompletionResultType]::ParameterName, 'Access token for --homeserver (sent to the homeserver only)')
            [CompletionResult]::new('--access-token', '--access-token', [CompletionResultType]::ParameterName, 'An identity-server token: TOKEN for the one start server, URL=TOKEN for the start server at URL (repeatable; needed with several -s). Sent to that server only; the others register through --homeserver')
            [CompletionResult]::new('--resolve', '--resolve', [CompletionResultType]::ParameterName, 'Reach server NAME (host:port) at URL instead of https://NAME (repeatable)')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust the CA certificates in this PEM file')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed per request')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'The longest wait, in seconds, a rate-limited server may ask for before it is asked again (its Retry-After); a longer one is an error. ToM-server asks for up to 600')
            [CompletionResult]::new('--backoff-ms', '--backoff-ms', [CompletionResultType]::ParameterName, 'First retry delay in milliseconds (doubled each retry, with jitter)')
            [CompletionResult]::new('--max-depth', '--max-depth', [CompletionResultType]::ParameterName, 'Follow at most N referral hops')
            [CompletionResult]::new('--allow-server', '--allow-server', [CompletionResultType]::ParameterName, 'Follow referrals only to servers matching PATTERN (glob on host:port; repeatable)')
            [CompletionResult]::new('--deny-server', '--deny-server', [CompletionResultType]::ParameterName, 'Never follow referrals to servers matching PATTERN (repeatable)')
            [CompletionResult]::new('--server-budget', '--server-budget', [CompletionResultType]::ParameterName, 'Ask at most N distinct referred servers')
            [CompletionResult]::new('--federation', '--federation', [CompletionResultType]::ParameterName, 'With --sandbox: the federation to run (TOML) instead of the built-in one')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)')
            [CompletionResult]::new('--discover', '--discover', [CompletionResultType]::ParameterName, 'With a homeserver and no server named, ask it now which identity server a run would use (your m.identity_server account data, else its /.well-known/matrix/client); without it, config show stays offline')
            [CompletionResult]::new('--no-follow', '--no-follow', [CompletionResultType]::ParameterName, 'Follow no referral (same as --max-depth 0)')
            [CompletionResult]::new('--allow-plaintext', '--allow-plaintext', [CompletionResultType]::ParameterName, 'Allow the `none` algorithm, which sends addresses in clear text')
            [CompletionResult]::new('--accept-terms', '--accept-terms', [CompletionResultType]::ParameterName, 'Accept the identity servers'' terms of service when they ask (terms you accepted in another client, listed in your m.accepted_terms account data, are accepted without it; what this accepts is added there)')
            [CompletionResult]::new('--sandbox', '--sandbox', [CompletionResultType]::ParameterName, 'Start the embedded sandbox federation on loopback and use it')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mxlookup;config;help' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the effective settings, each with its source (flag, env, file, default, discovered); tokens are shown as `(set)`')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mxlookup;config;help;show' {
            break
        }
        'mxlookup;config;help;help' {
            break
        }
        'mxlookup;hash' {
            [CompletionResult]::new('--pepper', '--pepper', [CompletionResultType]::ParameterName, 'The server''s lookup pepper (from its hash_details)')
            [CompletionResult]::new('--medium', '--medium', [CompletionResultType]::ParameterName, 'The medium [default: email if ADDRESS has an `@`, else msisdn]')
            [CompletionResult]::new('--algorithm', '--algorithm', [CompletionResultType]::ParameterName, 'The lookup algorithm: sha256 prints the hash, none the clear text form')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'Region of phone numbers written in national form (ISO 3166 code, e.g. FR, US)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mxlookup;completions' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mxlookup;manpage' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Write mxlookup.1 and a page per command (mxlookup-lookup.1...) into DIR, created if need be')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mxlookup;synth' {
            [CompletionResult]::new('--contacts', '--contacts', [CompletionResultType]::ParameterName, 'How many contacts')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Seed of the generator')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'vCard or CSV')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this file instead of $XDG_CONFIG_HOME/mxlookup/config.toml (flags and MXLOOKUP_* variables override it)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mxlookup;help' {
            [CompletionResult]::new('lookup', 'lookup', [CompletionResultType]::ParameterValue, 'Look up the contacts of address books')
            [CompletionResult]::new('trace', 'trace', [CompletionResultType]::ParameterValue, 'Follow one address hop by hop, showing what each server was sent and said')
            [CompletionResult]::new('push', 'push', [CompletionResultType]::ParameterValue, 'MSC4004: declare an origin server''s addresses, hashed, to a trusted identity server')
            [CompletionResult]::new('bind', 'bind', [CompletionResultType]::ParameterValue, 'Publish one of your own addresses on an identity server, through your homeserver')
            [CompletionResult]::new('unbind', 'unbind', [CompletionResultType]::ParameterValue, 'Remove one of your addresses from identity servers, through your homeserver')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Log in to your homeserver with a password; the token is kept for later runs')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'End the session `login` kept, on the homeserver, and forget its token')
            [CompletionResult]::new('sandbox', 'sandbox', [CompletionResultType]::ParameterValue, 'Run the embedded sandbox federation on loopback until Ctrl-C')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the settings in force and where each comes from')
            [CompletionResult]::new('hash', 'hash', [CompletionResultType]::ParameterValue, 'Print the lookup hash of one address')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('manpage', 'manpage', [CompletionResultType]::ParameterValue, 'Print the manual page (roff), or write one per command into a folder')
            [CompletionResult]::new('synth', 'synth', [CompletionResultType]::ParameterValue, 'Write a synthetic address book (for benchmarks; see README)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mxlookup;help;lookup' {
            break
        }
        'mxlookup;help;trace' {
            break
        }
        'mxlookup;help;push' {
            break
        }
        'mxlookup;help;bind' {
            break
        }
        'mxlookup;help;unbind' {
            break
        }
        'mxlookup;help;login' {
            break
        }
        'mxlookup;help;logout' {
            break
        }
        'mxlookup;help;sandbox' {
            break
        }
        'mxlookup;help;config' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the effective settings, each with its source (flag, env, file, default, discovered); tokens are shown as `(set)`')
            break
        }
        'mxlookup;help;config;show' {
            break
        }
        'mxlookup;help;hash' {
            break
        }
        'mxlookup;help;completions' {
            break
        }
        'mxlookup;help;manpage' {
            break
        }
        'mxlookup;help;synth' {
            break
        }
        'mxlookup;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
