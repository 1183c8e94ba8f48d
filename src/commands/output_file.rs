//! Where `lookup` writes its results: stdout, or the file of `-o`. The file
//! is checked before anything reaches the network, by creating the
//! temporary file beside it that the results are written to; that file is
//! renamed into place only once every result is written, so a run that
//! fails or is stopped leaves FILE as it was. A device or a pipe (`-o
//! /dev/stdout`) is written in place. FILE may be the input itself with
//! `-f vcard` (read whole before anything is written; a hard link to it is
//! replaced, not written through); with other formats that is refused.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use super::JobError;
use super::interrupt::Registered;

/// Where the results go.
pub enum Destination {
    /// Standard output.
    Stdout,
    /// The file of `-o`.
    File(OutputFile),
}

/// The file of `-o`, checked and open.
pub struct OutputFile {
    /// As given, for messages.
    shown: String,
    how: How,
}

enum How {
    /// A temporary file beside `target`, renamed onto it by [`Destination::commit`].
    Beside {
        temp: NamedTempFile,
        target: PathBuf,
        /// Removed by Ctrl-C while it is written.
        _interrupt: Registered,
    },
    /// A device or a pipe, written in place.
    InPlace(File),
}

impl Destination {
    /// Stdout, or `path` checked and opened (see the module's doc).
    pub fn prepare(path: Option<&Path>) -> Result<Destination, JobError> {
        match path {
            None => Ok(Destination::Stdout),
            Some(path) => OutputFile::prepare(path).map(Destination::File),
        }
    }

    /// How errors name it, and a writer to it.
    pub fn writer(&self) -> Result<(String, Box<dyn Write + '_>), JobError> {
        match self {
            // Whole lines only, even when the run is interrupted.
            Destination::Stdout => Ok(("stdout".to_owned(), Box::new(super::interrupt::stdout()))),
            Destination::File(file) => {
                let handle = match &file.how {
                    How::Beside { temp, .. } => temp.as_file(),
                    How::InPlace(handle) => handle,
                };
                Ok((file.shown.clone(), Box::new(handle)))
            }
        }
    }

    /// Every result is written: the file takes its place.
    pub fn commit(self) -> Result<(), JobError> {
        let Destination::File(OutputFile { shown, how }) = self else {
            return Ok(());
        };
        match how {
            How::Beside { temp, target, .. } => {
                temp.persist(&target)
                    .map(drop)
                    .map_err(|e| JobError::Output {
                        target: shown,
                        source: e.error,
                    })
            }
            How::InPlace(_) => Ok(()),
        }
    }
}

impl OutputFile {
    fn prepare(path: &Path) -> Result<OutputFile, JobError> {
        let shown = path.display().to_string();
        let refused = |why: String, hint: &str| {
            JobError::config(format!("cannot write -o {shown}: {why}"), Some(hint))
        };
        let folder_hint = "-o names the file to write the results to, e.g. -o results.json";
        if shown.ends_with('/') {
            return Err(refused("it names a folder".to_owned(), folder_hint));
        }
        // A link is followed: the file it points to is replaced, not the link.
        let is_link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        let target = match is_link {
            true => fs::canonicalize(path).unwrap_or_else(|_| path.to_owned()),
            false => path.to_owned(),
        };
        let permissions = match fs::metadata(&target) {
            Ok(m) if m.is_dir() => return Err(refused("it is a folder".to_owned(), folder_hint)),
            Ok(m) if !m.is_file() => {
                let file = fs::OpenOptions::new()
                    .write(true)
                    .open(&target)
                    .map_err(|e| refused(e.to_string(), "check its permissions (ls -l)"))?;
                return Ok(OutputFile {
                    shown,
                    how: How::InPlace(file),
                });
            }
            Ok(m) => Some(m.permissions()),
            // Said below, of the folder, when the file cannot be created.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                ) =>
            {
                None
            }
            Err(e) => return Err(refused(e.to_string(), "check the path given to -o")),
        };
        let (folder, name) = folder_and_name(&target);
        let name = name.ok_or_else(|| refused("it names a folder".to_owned(), folder_hint))?;
        let temp = temp_beside(folder, &name, permissions).map_err(|e| {
            // A folder that is there may still answer "not found" (/proc).
            let missing = e.kind() == io::ErrorKind::NotFound && !folder.is_dir();
            let folder = folder.display();
            match e.kind() {
                io::ErrorKind::NotFound if missing => refused(
                    format!("the folder {folder} does not exist"),
                    "create the folder first, or name a file in a folder that exists",
                ),
                io::ErrorKind::NotADirectory => refused(
                    format!("{folder} is not a folder"),
                    "name a file in a folder that exists",
                ),
                io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => refused(
                    format!("no file can be created in the folder {folder} ({e})"),
                    "name a file in a folder you can write in, or check the folder's permissions (ls -ld)",
                ),
                _ => refused(
                    format!("no file can be created in the folder {folder}: {e}"),
                    "name a file in a folder you can write in",
                ),
            }
        })?;
        let registered = Registered::new(temp.path().to_owned(), &shown);
        Ok(OutputFile {
            shown,
            how: How::Beside {
                temp,
                target,
                _interrupt: registered,
            },
        })
    }
}

/// Refuses `-o` naming one of the `inputs` (by its path, or as the same
/// file through a link or another name) unless the results are the
/// address book itself (`-f vcard`, `vcard`), which then takes the input's
/// place once every input was read and every result written; and refuses
/// it with `--write-back` (`writing_back`), which rewrites the inputs too.
pub fn check_not_input<'a>(
    path: Option<&Path>,
    inputs: impl IntoIterator<Item = &'a str>,
    vcard: bool,
    writing_back: bool,
) -> Result<(), JobError> {
    let Some(path) = path else { return Ok(()) };
    let Ok(output) = fs::metadata(path) else {
        return Ok(());
    };
    let same = |input: &str| {
        input != "-"
            && (Path::new(input) == path
                || fs::metadata(input).is_ok_and(|m| same_file(&m, &output)))
    };
    let Some(input) = inputs.into_iter().find(|i| same(i)) else {
        return Ok(());
    };
    let shown = path.display();
    if writing_back {
        return Err(JobError::config(
            format!("-o {shown} names the input {input}, which --write-back rewrites"),
            Some("leave out -o (the results go to stdout), or name another file"),
        ));
    }
    if !vcard {
        return Err(JobError::config(
            format!(
                "-o {shown} names the input {input}: the results would replace the address book"
            ),
            Some(
                "name another file, or pass -f vcard to write the address book back with the Matrix IDs found",
            ),
        ));
    }
    Ok(())
}

/// Whether two files are one (the same device and inode).
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        a.dev() == b.dev() && a.ino() == b.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        false
    }
}

/// The folder `path` is in (`.` for a bare name), and the name of the file
/// it names, if any: where a file replacing it is written first.
pub(super) fn folder_and_name(path: &Path) -> (&Path, Option<String>) {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    (folder, name)
}

/// A hidden temporary file in `folder`, named after `name`, with the
/// permissions of the file it will replace (else the usual ones, less the
/// umask).
pub(super) fn temp_beside(
    folder: &Path,
    name: &str,
    permissions: Option<fs::Permissions>,
) -> io::Result<NamedTempFile> {
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let temp = builder.tempfile_in(folder)?;
    if let Some(permissions) = permissions {
        temp.as_file().set_permissions(permissions)?;
    }
    Ok(temp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dest: &Destination, text: &str) {
        let (_, mut out) = dest.writer().unwrap();
        out.write_all(text.as_bytes()).unwrap();
        out.flush().unwrap();
    }

    #[test]
    fn the_file_keeps_its_content_until_the_results_are_all_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        fs::write(&path, "before").unwrap();
        let dest = Destination::prepare(Some(&path)).unwrap();
        write(&dest, "after");
        assert_eq!(fs::read_to_string(&path).unwrap(), "before");
        dest.commit().unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "after");
        // A run that stops before the end leaves the file, and nothing beside it.
        let dest = Destination::prepare(Some(&path)).unwrap();
        write(&dest, "half");
        drop(dest);
        assert_eq!(fs::read_to_string(&path).unwrap(), "after");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn folders_and_missing_folders_are_refused_with_a_hint() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain");
        fs::write(&plain, "").unwrap();
        for (path, says) in [
            (dir.path().to_owned(), "it is a folder"),
            (dir.path().join("no/out.json"), "does not exist"),
            (plain.join("out.json"), "is not a folder"),
        ] {
            let Err(e) = Destination::prepare(Some(&path)) else {
                panic!("{} accepted", path.display());
            };
            assert!(e.to_string().contains(says), "{e}");
            assert!(e.hint().is_some());
        }
        // A folder that is there but takes no file, and answers "not
        // found" (procfs), is not said to be missing.
        let proc = Path::new("/proc");
        if proc.is_dir() {
            let Err(e) = Destination::prepare(Some(&proc.join("out.json"))) else {
                panic!("/proc/out.json accepted");
            };
            assert!(!e.to_string().contains("does not exist"), "{e}");
            assert!(e.to_string().contains("no file can be created"), "{e}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_replaced_file_keeps_its_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        fs::write(&path, "").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let dest = Destination::prepare(Some(&path)).unwrap();
        dest.commit().unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    }
}
