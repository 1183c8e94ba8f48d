//! Identity-server tokens the user gives (`--access-token`,
//! `MXLOOKUP_ACCESS_TOKEN`, the config file's token files), checked as
//! tokens and bound to the start server each is for, before any request.
//!
//! A token is per server: a bare `TOKEN` is for the one start server, and
//! `URL=TOKEN` for the start server at URL. A bare token with several start
//! servers is refused, as is a `URL=TOKEN` of a flag or variable naming no
//! start server: either would have to guess where the token goes. Errors
//! name where a token was given, never the token.

use std::fmt;

use url::Url;

use super::JobError;
use mxlookup::resolve::walk::Server;

/// A token as an `Authorization: Bearer` header carries it: not empty,
/// visible ASCII only (no space or control character). Its `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// `text` if it is a token; else what is wrong with it (never `text`).
    pub fn check(text: &str) -> Result<Token, &'static str> {
        if text.is_empty() {
            return Err("is empty");
        }
        if text.chars().any(char::is_whitespace) {
            return Err("has a space or line break in it");
        }
        if text.chars().any(char::is_control) {
            return Err("has a control character in it");
        }
        if !text.is_ascii() {
            return Err("has a character that is not ASCII");
        }
        Ok(Token(text.to_owned()))
    }

    /// The token itself, to send.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(hidden)")
    }
}

/// One token as given: the server it names, where it was given, and
/// whether a run that does not use that server may leave it aside.
#[derive(Debug, Clone)]
pub struct GivenToken {
    /// The start server's URL as written, and its [`server_key`]; none for
    /// a bare token.
    pub server: Option<(String, String)>,
    /// The token.
    pub token: Token,
    /// Where it was given, for messages: `--access-token`,
    /// `MXLOOKUP_ACCESS_TOKEN`, or the token file of the config file.
    pub from: String,
    /// From the config file, whose tokens serve every run: one naming a
    /// server this run does not start from is left aside.
    pub standing: bool,
}

/// The tokens given, checked; [`AccessTokens::bind`] gives each to its
/// start server once those are known.
#[derive(Debug, Clone, Default)]
pub struct AccessTokens {
    /// In the order given.
    pub given: Vec<GivenToken>,
}

/// How a start server's URL is compared with the URL of a `URL=TOKEN`: the
/// token cache's key (`identity::tokens::server_key`: parsed, scheme and host
/// in lower case, no default port, no trailing dot on the host), less any
/// trailing `/`. `None` when it is not a URL.
pub fn server_key(url: &str) -> Option<String> {
    let parsed = Url::parse(url.trim()).ok()?;
    Some(
        mxlookup::identity::tokens::server_key(parsed.as_str())
            .trim_end_matches('/')
            .to_owned(),
    )
}

fn refused(message: String, hint: String) -> JobError {
    JobError::Config {
        message,
        hint: Some(hint),
    }
}

impl AccessTokens {
    /// The token of each start server, in their order (`None`: it gets
    /// none and registers through the homeserver, as referred servers do).
    pub fn bind(&self, starts: &[Server]) -> Result<Vec<Option<Token>>, JobError> {
        let keys: Vec<String> = starts
            .iter()
            .map(|s| server_key(s.url.as_str()).unwrap_or_default())
            .collect();
        let listed = || {
            starts
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut bound: Vec<Option<Token>> = vec![None; starts.len()];
        let mut given_by: Vec<Option<&str>> = vec![None; starts.len()];
        for given in &self.given {
            let index = match &given.server {
                None if starts.len() == 1 => 0,
                None => {
                    return Err(refused(
                        format!(
                            "{} gives a token without its server, and there are {} start servers: it would reach servers it was not given for",
                            given.from,
                            starts.len()
                        ),
                        format!(
                            "name the server of each token: --access-token URL=TOKEN (repeatable), or `[access_token_files]` in the config file; the start servers are {}",
                            listed()
                        ),
                    ));
                }
                Some((url, key)) => match keys.iter().position(|k| k == key) {
                    Some(index) => index,
                    None if given.standing => continue,
                    None => {
                        return Err(refused(
                            format!("{} names {url}, which is not a start server", given.from),
                            format!(
                                "a token goes only to the start server it names; the start servers are {} (check the URL, or add -s {url})",
                                listed()
                            ),
                        ));
                    }
                },
            };
            if let Some(first) = given_by[index] {
                return Err(refused(
                    format!(
                        "two tokens for {}: from {first} and from {}",
                        starts[index].name, given.from
                    ),
                    "give one token per server".to_owned(),
                ));
            }
            given_by[index] = Some(&given.from);
            bound[index] = Some(given.token.clone());
        }
        Ok(bound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mxlookup::resolve::start_server;

    fn given(server: Option<&str>, token: &str, standing: bool) -> GivenToken {
        GivenToken {
            server: server.map(|s| (s.to_owned(), server_key(s).unwrap())),
            token: Token::check(token).unwrap(),
            from: "--access-token".to_owned(),
            standing,
        }
    }

    fn starts(urls: &[&str]) -> Vec<Server> {
        urls.iter().map(|u| start_server(u).unwrap()).collect()
    }

    fn exposed(bound: Vec<Option<Token>>) -> Vec<Option<String>> {
        bound
            .into_iter()
            .map(|t| t.map(|t| t.expose().to_owned()))
            .collect()
    }

    #[test]
    fn tokens_are_visible_ascii_and_never_shown() {
        assert_eq!(
            Token::check("syt_abc-1.2~x+/==").unwrap().expose(),
            "syt_abc-1.2~x+/=="
        );
        for bad in ["", "a b", "a\tb", "ab\n", "a\u{7f}b", "é"] {
            assert!(Token::check(bad).is_err(), "{bad:?}");
        }
        let why = Token::check("secret value").unwrap_err();
        assert!(!why.contains("secret"));
        assert_eq!(
            format!("{:?}", Token::check("secret").unwrap()),
            "Token(hidden)"
        );
    }

    #[test]
    fn urls_compare_by_scheme_host_port_and_path_less_the_slash() {
        let key = server_key("https://is.example").unwrap();
        for same in [
            "https://is.example/",
            "HTTPS://IS.Example:443",
            "https://is.example:443/",
            "https://is.example./",
        ] {
            assert_eq!(server_key(same).unwrap(), key, "{same}");
        }
        for other in [
            "http://is.example",
            "https://is.example:8443",
            "https://is.example/x",
        ] {
            assert_ne!(server_key(other).unwrap(), key, "{other}");
        }
    }

    #[test]
    fn each_token_goes_to_the_server_it_names_and_no_other() {
        let servers = starts(&["https://a.example", "https://B.example:443/"]);
        let tokens = AccessTokens {
            given: vec![given(Some("https://b.example/"), "tb", false)],
        };
        assert_eq!(
            exposed(tokens.bind(&servers).unwrap()),
            [None, Some("tb".to_owned())]
        );
        let tokens = AccessTokens {
            given: vec![given(None, "t", false)],
        };
        assert_eq!(
            exposed(tokens.bind(&servers[..1]).unwrap()),
            [Some("t".to_owned())]
        );
    }

    #[test]
    fn a_bare_token_with_several_servers_and_an_unknown_server_are_refused() {
        let servers = starts(&["https://a.example", "https://b.example"]);
        let bare = AccessTokens {
            given: vec![given(None, "secret", false)],
        };
        let e = bare.bind(&servers).unwrap_err();
        let text = format!("{e} {}", e.hint().unwrap());
        assert!(
            text.contains("2 start servers") && text.contains("URL=TOKEN"),
            "{text}"
        );
        assert!(
            text.contains("https://a.example, https://b.example"),
            "{text}"
        );
        assert!(!text.contains("secret"), "{text}");
        let elsewhere = AccessTokens {
            given: vec![given(Some("https://c.example"), "secret", false)],
        };
        let e = elsewhere.bind(&servers).unwrap_err();
        let text = format!("{e} {}", e.hint().unwrap());
        assert!(
            text.contains("https://c.example, which is not a start server"),
            "{text}"
        );
        assert!(!text.contains("secret"), "{text}");
        // The config file's token for another server is for other runs.
        let standing = AccessTokens {
            given: vec![given(Some("https://c.example"), "secret", true)],
        };
        assert_eq!(exposed(standing.bind(&servers).unwrap()), [None, None]);
        let twice = AccessTokens {
            given: vec![
                given(Some("https://a.example"), "one", false),
                given(Some("https://A.example/"), "two", false),
            ],
        };
        assert!(
            twice
                .bind(&servers)
                .unwrap_err()
                .to_string()
                .starts_with("two tokens for https://a.example")
        );
    }
}
