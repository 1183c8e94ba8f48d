//! What the binary writes about itself or for benchmarks: shell
//! completions, the manual page, a synthetic address book.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;

use super::args::Cli;
use crate::commands::{Completion, JobError};

/// A failure to write stdout.
fn stdout_error(source: std::io::Error) -> JobError {
    JobError::Output {
        target: "stdout".to_owned(),
        source,
    }
}

/// `mxlookup manpage`: the manual page of `mxlookup` (roff) on stdout;
/// with `--dir DIR`, a page for it and one for each command
/// (`mxlookup-lookup.1`, `mxlookup-config-show.1`…) written into DIR,
/// created if need be.
pub fn manpage(dir: Option<&Path>) -> Result<Completion, JobError> {
    let pages = manual_pages();
    let Some(dir) = dir else {
        let (_, main) = &pages[0];
        std::io::stdout().write_all(main).map_err(stdout_error)?;
        return Ok(Completion::Complete);
    };
    let cannot = |target: &Path, source| JobError::Output {
        target: target.display().to_string(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(|e| cannot(dir, e))?;
    for (name, page) in &pages {
        let path = dir.join(name);
        std::fs::write(&path, page).map_err(|e| cannot(&path, e))?;
    }
    eprintln!("wrote {} manual pages to {}", pages.len(), dir.display());
    Ok(Completion::Complete)
}

/// Every manual page, `mxlookup.1` first, then a page per command that is
/// not hidden (`mxlookup-config-show.1` for `config show`): (file name,
/// roff). Each page ends with a SEE ALSO naming the pages next to it.
pub fn manual_pages() -> Vec<(String, Vec<u8>)> {
    // No `help` command: it would be named in the pages, with no page.
    let mut cli = Cli::command().disable_help_subcommand(true);
    cli.build();
    let mut pages = Vec::new();
    add_pages(&cli, None, &mut pages);
    pages
}

/// The page of `cmd` (whose parent page is `parent`) and its commands' pages.
fn add_pages(cmd: &clap::Command, parent: Option<&str>, pages: &mut Vec<(String, Vec<u8>)>) {
    // Every page is of mxlookup and its version, as the main one is.
    let man = clap_mangen::Man::new(cmd.clone())
        .source(format!("mxlookup {}", env!("CARGO_PKG_VERSION")));
    let name = page_name(cmd);
    let commands: Vec<&clap::Command> =
        cmd.get_subcommands().filter(|c| !c.is_hide_set()).collect();
    let mut see_also: Vec<String> = parent.map(str::to_owned).into_iter().collect();
    see_also.extend(commands.iter().map(|c| page_name(c)));
    let mut page = Vec::new();
    man.render(&mut page).expect("roff is written to memory");
    let page = with_see_also(page, &see_also);
    pages.push((man.get_filename(), page));
    for command in commands {
        add_pages(command, Some(&name), pages);
    }
}

/// The name of `cmd`'s page: `mxlookup`, `mxlookup-lookup`…
fn page_name(cmd: &clap::Command) -> String {
    cmd.get_display_name().unwrap_or(cmd.get_name()).to_owned()
}

/// `page` with a SEE ALSO section naming `pages` (section 1), before its
/// VERSION section.
fn with_see_also(page: Vec<u8>, pages: &[String]) -> Vec<u8> {
    if pages.is_empty() {
        return page;
    }
    let names: Vec<String> = pages
        .iter()
        .map(|p| format!("\\fB{}\\fR(1)", p.replace('-', "\\-")))
        .collect();
    let section = format!(".SH \"SEE ALSO\"\n{}\n", names.join(", "));
    let text = String::from_utf8(page).expect("clap_mangen writes UTF-8");
    match text.rfind(".SH VERSION") {
        Some(at) => format!("{}{section}{}", &text[..at], &text[at..]),
        None => format!("{text}{section}"),
    }
    .into_bytes()
}

/// `mxlookup completions SHELL`: the completion script on stdout.
pub fn completions(shell: clap_complete::Shell) -> Completion {
    clap_complete::generate(
        shell,
        &mut Cli::command(),
        "mxlookup",
        &mut std::io::stdout(),
    );
    Completion::Complete
}

/// `mxlookup synth`: a synthetic address book on stdout.
pub fn synth(
    contacts: usize,
    seed: u64,
    format: mxlookup::synthetic::SynthFormat,
) -> Result<Completion, JobError> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    mxlookup::synthetic::write_book(&mut out, contacts, seed, format)
        .and_then(|()| out.flush())
        .map_err(stdout_error)?;
    Ok(Completion::Complete)
}
