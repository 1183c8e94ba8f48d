//! `lookup --write-back`: the Matrix IDs found written into the local
//! sources they were read from, as `IMPP:matrix:u/…` lines
//! ([`patch::add_matrix_ids`]): vCard files and the items of vdir folders.
//! URL sources (CardDAV) are left to their own code, which can reuse
//! [`gained`].
//!
//! Nothing is lost: each file is read again when it is written, and only
//! the IMPP lines its cards lack are added, every other byte kept. A file
//! whose cards gain nothing is not touched; one that did is written to a
//! temporary file beside it (with its permissions) and renamed onto it. A
//! file that changed since it was read (size, modification time or inode)
//! is left as it is, with a warning. Everything that can be checked is
//! checked before anything is sent: no standard input, vCard only, files
//! and folders writable.
//!
//! With `--dry-run`, the addresses are looked up as usual, nothing is
//! written, and a unified diff of what would change is printed instead of
//! the results.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::Path;
use std::time::SystemTime;

use mxlookup::addressbook::vcard::patch::{self, PatchedCard};
use mxlookup::addressbook::{Format, Opened, vdir};
use mxlookup::outcome::Status;
use mxlookup::report::Records;

use super::dav_source::DavRead;
use super::interrupt::Registered;
use super::output_file::{Destination, folder_and_name, temp_beside};
use super::{Completion, JobError, Verbosity};

/// What `--write-back` does, and to which local files.
#[derive(Debug, Clone)]
pub struct WriteBack {
    /// `--dry-run`: print a diff, write nothing.
    pub diff: bool,
    /// The local files written back, as they were before they were read.
    files: Vec<Local>,
}

/// A local vCard file to write back.
#[derive(Debug, Clone)]
struct Local {
    /// The source given (a file, or the vdir folder it is in).
    source: String,
    /// The file as results cite it.
    file: String,
    /// Where it really is (links resolved), to write each file once.
    canonical: Option<std::path::PathBuf>,
    /// How it was before it was read.
    stamp: Stamp,
}

/// What tells that a file changed: its size, its modification time and
/// which file it is.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    inode: (u64, u64),
}

impl Stamp {
    fn of(path: &Path) -> io::Result<Stamp> {
        let meta = fs::metadata(path)?;
        #[cfg(unix)]
        let inode = {
            use std::os::unix::fs::MetadataExt;
            (meta.dev(), meta.ino())
        };
        #[cfg(not(unix))]
        let inode = (0, 0);
        Ok(Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            inode,
        })
    }
}

/// Whether a source is a URL, whose write-back is not this module's.
fn is_url(source: &str) -> bool {
    source.starts_with("https://") || source.starts_with("http://")
}

fn refused(message: String, hint: &str) -> JobError {
    JobError::config(message, Some(hint))
}

impl WriteBack {
    /// The local files of `sources` to write back, stamped before they are
    /// read (`diff`: `--dry-run`). Standard input is refused, and so is a
    /// file that is read-only or in a folder where no file can be created.
    /// A source that cannot be read is left to the reader to report.
    pub fn prepare(sources: &[String], diff: bool) -> Result<WriteBack, JobError> {
        let mut files = Vec::new();
        for source in sources.iter().filter(|s| !is_url(s)) {
            if source == "-" {
                return Err(refused(
                    "--write-back writes into the files read, and standard input (-) is none"
                        .to_owned(),
                    "save the address book to a file and name it, or write a copy with -f vcard -o FILE",
                ));
            }
            let items = match Path::new(source).is_dir() {
                true => vdir::items(source)?,
                false => vec![source.clone()],
            };
            for file in items {
                // A file named twice is written once.
                let Ok(stamp) = Stamp::of(Path::new(&file)) else {
                    continue;
                };
                let canonical = fs::canonicalize(&file).ok();
                if files.iter().any(|f: &Local| f.canonical == canonical) {
                    continue;
                }
                if !diff {
                    writable(&file)?;
                }
                files.push(Local {
                    source: source.clone(),
                    file,
                    canonical,
                    stamp,
                });
            }
        }
        Ok(WriteBack { diff, files })
    }

    /// Checks, once the files are opened and before anything is sent, that
    /// each one to write back is read as vCard.
    pub fn check(&self, books: &[Opened]) -> Result<(), JobError> {
        for book in books {
            let local = self.files.iter().any(|f| *f.file == *book.file);
            if local && book.format != Format::Vcard {
                return Err(refused(
                    format!(
                        "--write-back writes Matrix IDs into vCard files, and {} is read as {}",
                        book.file, book.format
                    ),
                    "write a vCard copy with the Matrix IDs instead: -f vcard -o FILE.vcf",
                ));
            }
        }
        Ok(())
    }

    /// Says on stderr, at the start of a `--dry-run`, what it does.
    pub fn announce(&self, verbosity: Verbosity) {
        if self.diff && verbosity >= Verbosity::Normal {
            eprintln!(
                "note: --write-back --dry-run: the addresses are looked up; nothing will be written, the changes are printed as a diff"
            );
        }
    }

    /// Writes the Matrix IDs of `records` into the files, each at once
    /// (see the module's doc), and says on stderr what was written.
    /// `done` becomes partial when a file could not be written.
    pub fn write(
        &self,
        records: &impl Records,
        verbosity: Verbosity,
        done: Completion,
    ) -> Completion {
        let gained = gained(records);
        let mut all = true;
        // Per source, in the order given: (Matrix IDs, cards, files) written.
        let mut told: Vec<(&str, (usize, usize, usize))> = Vec::new();
        for local in &self.files {
            if told
                .last()
                .is_none_or(|(source, _)| *source != local.source)
            {
                told.push((&local.source, (0, 0, 0)));
            }
            let Some((_, counts)) = told.last_mut() else {
                continue;
            };
            let Some(gains) = gained.get(&local.file) else {
                continue;
            };
            match write_file(local, gains) {
                Ok(Some((cards, ids))) => {
                    *counts = (counts.0 + ids, counts.1 + cards, counts.2 + 1);
                }
                Ok(None) => {}
                Err(Skipped { why, hint }) => {
                    all = false;
                    eprintln!("warning: {}: {why}", local.file);
                    eprintln!("hint: {hint}");
                }
            }
        }
        if verbosity >= Verbosity::Normal {
            for (source, (ids, cards, files)) in told {
                eprintln!("{}", written_line(source, ids, cards, files));
            }
        }
        if all { done } else { Completion::Partial }
    }

    /// `--dry-run`: writes to `dest` (stdout, or the file of `-o`), in
    /// place of the results, a unified diff of what [`WriteBack::write`]
    /// would change.
    pub fn print_diff(
        &self,
        records: &impl Records,
        dav: Option<&DavRead>,
        dest: Destination,
    ) -> Result<(), JobError> {
        let (target, out) = dest.writer()?;
        let mut out = io::BufWriter::new(out);
        let result = self
            .diff(records, &mut out)
            .and_then(|()| match dav {
                Some(dav) => super::dav_write::diff(dav, records, &mut out),
                None => Ok(()),
            })
            .and_then(|()| out.flush());
        drop(out);
        match result {
            // A closed pipe (`| head`) is the reader's choice, not a failure.
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
                return Err(JobError::Output { target, source: e });
            }
            _ => {}
        }
        dest.commit()
    }

    /// Writes to `out` a unified diff of what [`WriteBack::write`] would
    /// change, file by file.
    pub fn diff(&self, records: &impl Records, out: &mut dyn Write) -> io::Result<()> {
        let gained = gained(records);
        for local in &self.files {
            let Some(gains) = gained.get(&local.file) else {
                continue;
            };
            let body = fs::read(&local.file)?;
            let patched = patch::patch_file(&body, gains);
            if patched.is_empty() {
                continue;
            }
            let new = patch::apply(&body, &patched);
            write_diff(out, (&local.file, &local.file), &body, &new)?;
        }
        out.flush()
    }
}

/// A unified diff from `old` to `new`, under a `---`/`+++` header naming
/// them, with 3 lines of context; bytes as they are (a Latin-1 line stays
/// Latin-1).
pub fn write_diff(
    out: &mut dyn Write,
    (old_name, new_name): (&str, &str),
    old: &[u8],
    new: &[u8],
) -> io::Result<()> {
    let diff = similar::TextDiff::from_lines(old, new);
    writeln!(out, "--- {old_name}\n+++ {new_name}")?;
    // Hunk by hunk: `UnifiedDiff::to_writer` writes hunks through
    // `Display`, which replaces bytes that are not UTF-8.
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        hunk.to_writer(&mut *out)?;
    }
    Ok(())
}

/// The Matrix IDs each card gained: file (as results cite it) → the line
/// of the card's `BEGIN:VCARD` → the Matrix IDs of its `found` results,
/// each once, in order.
pub fn gained(records: &impl Records) -> BTreeMap<String, BTreeMap<u32, Vec<String>>> {
    let mut gained: BTreeMap<String, BTreeMap<u32, Vec<String>>> = BTreeMap::new();
    for i in 0..records.len() {
        let r = records.get(i);
        let (Status::Found, Some(mxid)) = (r.status, r.mxid) else {
            continue;
        };
        let Some(begin) = records.contact_line(records.contact_of(i)) else {
            continue;
        };
        if !gained.contains_key(r.source.file) {
            gained.insert(r.source.file.to_owned(), BTreeMap::new());
        }
        let Some(cards) = gained.get_mut(r.source.file) else {
            continue;
        };
        let ids = cards.entry(begin).or_default();
        if !ids.iter().any(|m| m == mxid) {
            ids.push(mxid.to_owned());
        }
    }
    gained
}

/// `wrote 3 Matrix IDs into 2 cards of contacts.vcf`.
pub fn written_line(source: &str, ids: usize, cards: usize, files: usize) -> String {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    if ids == 0 {
        return format!("{source}: no card gained a Matrix ID; left as it was");
    }
    let files = match Path::new(source).is_dir() {
        true => format!(" ({})", plural(files, "file", "files")),
        false => String::new(),
    };
    format!(
        "wrote {} into {} of {source}{files}",
        plural(ids, "Matrix ID", "Matrix IDs"),
        plural(cards, "card", "cards"),
    )
}

/// Why a file was not written back, and what to do.
struct Skipped {
    why: String,
    hint: &'static str,
}

const AGAIN: &str = "run the lookup again to write into its current content";

/// Writes `gains` into `local`'s file: `Some((cards, Matrix IDs))` when
/// it changed, `None` when its cards already held them all.
fn write_file(
    local: &Local,
    gains: &BTreeMap<u32, Vec<String>>,
) -> Result<Option<(usize, usize)>, Skipped> {
    let path = Path::new(&local.file);
    let unchanged = || Stamp::of(path).is_ok_and(|now| now == local.stamp);
    let changed = || Skipped {
        why: "it changed since it was read; left as it is".to_owned(),
        hint: AGAIN,
    };
    let failed = |e: io::Error| Skipped {
        why: format!("cannot write it back ({e}); left as it was"),
        hint: "check the file's and its folder's permissions (ls -l)",
    };
    if !unchanged() {
        return Err(changed());
    }
    let body = fs::read(path).map_err(failed)?;
    if matches!(body.as_slice(), [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..]) {
        return Err(Skipped {
            why: "it is UTF-16, which is not written back; left as it is".to_owned(),
            hint: "write a copy with the Matrix IDs instead: -f vcard -o FILE.vcf",
        });
    }
    for line in patch::cut_short(&body, gains) {
        eprintln!(
            "warning: {}:{line}: the card has no END:VCARD; its Matrix IDs were not written into it",
            local.file
        );
    }
    let patched: Vec<PatchedCard> = patch::patch_file(&body, gains);
    if patched.is_empty() {
        return Ok(None);
    }
    let new = patch::apply(&body, &patched);
    let target = fs::canonicalize(path).map_err(failed)?;
    let (folder, name) = folder_and_name(&target);
    let name = name.unwrap_or_default();
    let permissions = fs::metadata(&target).map_err(failed)?.permissions();
    let mut temp = temp_beside(folder, &name, Some(permissions)).map_err(failed)?;
    let _interrupt = Registered::new(temp.path().to_owned(), &local.file);
    temp.write_all(&new)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(failed)?;
    // Checked again at the last moment: an editor may have saved it meanwhile.
    if !unchanged() {
        return Err(changed());
    }
    temp.persist(&target).map_err(|e| failed(e.error))?;
    let ids = patched.iter().map(|p| p.added).sum();
    Ok(Some((patched.len(), ids)))
}

/// Refuses a file that is read-only or in a folder where no file can be
/// created beside it.
fn writable(file: &str) -> Result<(), JobError> {
    let path = Path::new(file);
    let hint =
        "check its permissions and its folder's (ls -l), or write a copy with -f vcard -o FILE";
    if fs::metadata(path).is_ok_and(|m| m.permissions().readonly()) {
        return Err(refused(
            format!("--write-back cannot write into {file}: it is read-only"),
            hint,
        ));
    }
    let target = fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let (folder, name) = folder_and_name(&target);
    let name = name.unwrap_or_default();
    temp_beside(folder, &name, None).map(drop).map_err(|e| {
        refused(
            format!(
                "--write-back cannot write into {file}: no file can be created beside it ({e})"
            ),
            hint,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_line() {
        assert_eq!(
            written_line("contacts.vcf", 3, 2, 1),
            "wrote 3 Matrix IDs into 2 cards of contacts.vcf"
        );
        assert_eq!(
            written_line("book.vcf", 1, 1, 1),
            "wrote 1 Matrix ID into 1 card of book.vcf"
        );
        assert!(written_line("book.vcf", 0, 0, 0).contains("left as it was"));
    }
}
