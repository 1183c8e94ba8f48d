//! What the binary asks of the terminal: how wide the table may be.

use std::io::IsTerminal;

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
}
