//! What the binary asks of the terminal: how wide the table may be, and
//! where a long line on stderr breaks.

use std::io::IsTerminal;

use unicode_width::UnicodeWidthStr;

/// The width when nothing says one: what terminals open with.
pub const DEFAULT_WIDTH: usize = 80;

/// How wide the table may be, in columns:
/// 1. stdout's terminal, when stdout is one (what the user sees);
/// 2. else `COLUMNS`, when it is a positive number (`COLUMNS=200 mxlookup
///    lookup … | less -S`, or a file of whole cells);
/// 3. else the terminal of stderr or stdin (`mxlookup lookup … | less`
///    fits the screen it is read on, as `--help` does);
/// 4. else 80.
pub fn width() -> usize {
    let stdout = std::io::stdout();
    if stdout.is_terminal()
        && let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size_of(&stdout)
    {
        return usize::from(w);
    }
    choose(
        std::env::var("COLUMNS").ok().as_deref(),
        terminal_size::terminal_size_of(std::io::stderr())
            .or_else(|| terminal_size::terminal_size_of(std::io::stdin()))
            .map(|(terminal_size::Width(w), _)| usize::from(w)),
    )
}

/// The width of stderr's terminal, when stderr is one.
pub fn stderr_width() -> Option<usize> {
    let stderr = std::io::stderr();
    if !stderr.is_terminal() {
        return None;
    }
    terminal_size::terminal_size_of(&stderr)
        .map(|(terminal_size::Width(w), _)| usize::from(w))
        .filter(|&w| w > 0)
}

/// `line` broken at spaces into lines of at most `width` columns, each
/// after the first indented by two (a word longer than a line stands on
/// its own), so that a terminal does not break it inside a word.
pub fn wrap(line: &str, width: usize) -> String {
    const INDENT: &str = "  ";
    let mut out = String::with_capacity(line.len() + 8);
    let mut used = 0;
    for word in line.split(' ') {
        let len = word.width();
        if used > 0 && used + 1 + len > width {
            out.push('\n');
            out.push_str(INDENT);
            used = INDENT.len();
        } else if used > 0 {
            out.push(' ');
            used += 1;
        }
        out.push_str(word);
        used += len;
    }
    out
}

/// Steps 2 to 4 of [`width`], from `COLUMNS` and the width of another
/// terminal.
fn choose(columns: Option<&str>, terminal: Option<usize>) -> usize {
    columns
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
        .or(terminal.filter(|&w| w > 0))
        .unwrap_or(DEFAULT_WIDTH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_wins_over_another_terminal_and_80_is_the_last_resort() {
        assert_eq!(choose(Some("120"), Some(200)), 120);
        assert_eq!(choose(None, Some(200)), 200);
        assert_eq!(choose(Some("wide"), None), DEFAULT_WIDTH);
        assert_eq!(choose(Some("0"), None), DEFAULT_WIDTH);
        assert_eq!(choose(None, None), 80);
    }

    #[test]
    fn a_long_line_breaks_between_words_and_goes_on_indented() {
        let line = "looked up: 14 results from 8 contacts (12 distinct addresses): 8 found, 3 not found, 1 unfollowed, 2 invalid";
        let wrapped = wrap(line, 80);
        let lines: Vec<&str> = wrapped.lines().collect();
        assert_eq!(
            lines,
            [
                "looked up: 14 results from 8 contacts (12 distinct addresses): 8 found, 3 not",
                "  found, 1 unfollowed, 2 invalid",
            ]
        );
        assert_eq!(wrap(line, 200), line);
        // Nothing is lost: the words are those of the line.
        let words = |text: &str| {
            text.split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        for width in [1, 10, 40, 79] {
            let wrapped = wrap(line, width);
            assert_eq!(words(&wrapped), words(line), "{width}");
            for l in wrapped.lines().filter(|l| l.trim().contains(' ')) {
                assert!(l.width() <= width, "{width}: {l:?}");
            }
        }
    }
}
