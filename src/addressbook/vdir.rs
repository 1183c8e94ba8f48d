//! vdir folders (vdirsyncer's storage, which khard reads): a folder per
//! collection, one contact per `.vcf` file in it.
//!
//! A folder given as a source is read as a collection: every `*.vcf` file
//! directly inside, sorted by name, each an address book of its own (its
//! results cite `FOLDER/ITEM.vcf:LINE`); hidden files and other files are
//! skipped. A folder with no `.vcf` file directly inside is read as a
//! folder of collections (vdirsyncer's `path`): the `*.vcf` files of each
//! sub-folder, one level down, the sub-folders sorted by name. Deeper
//! folders are not read.

use std::path::Path;

use super::ReadError;

/// The `.vcf` files `folder` stands for (see the module's doc), as paths
/// that name them under `folder` as written; an error when there are none.
pub fn items(folder: &str) -> Result<Vec<String>, ReadError> {
    let io = |source| ReadError::Io {
        file: folder.to_owned(),
        source,
    };
    let path = Path::new(folder);
    let mut found = vcf_files(path).map_err(io)?;
    if found.is_empty() {
        for sub in entries(path).map_err(io)? {
            if sub.is_dir() {
                found.extend(vcf_files(&sub).map_err(io)?);
            }
        }
    }
    if found.is_empty() {
        return Err(ReadError::NoCards {
            folder: folder.to_owned(),
        });
    }
    Ok(found)
}

/// The entries of `folder` that are not hidden, sorted by name.
fn entries(folder: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(folder)? {
        let entry = entry?;
        if !entry.file_name().as_encoded_bytes().starts_with(b".") {
            entries.push(folder.join(entry.file_name()));
        }
    }
    entries.sort();
    Ok(entries)
}

/// The `*.vcf` files directly in `folder` (not hidden, any case of the
/// extension), sorted by name.
fn vcf_files(folder: &Path) -> std::io::Result<Vec<String>> {
    Ok(entries(folder)?
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("vcf")) && p.is_file())
        .map(|p| p.to_string_lossy().into_owned())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_collection_then_a_folder_of_collections() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let collection = root.join("friends");
        std::fs::create_dir(&collection).unwrap();
        for name in ["b.vcf", "a.VCF", ".hidden.vcf", "notes.txt"] {
            std::fs::write(collection.join(name), "BEGIN:VCARD\nEND:VCARD\n").unwrap();
        }
        std::fs::create_dir(collection.join("deeper.vcf")).unwrap();
        let shown = |p: &Path| p.to_string_lossy().into_owned();
        assert_eq!(
            items(&shown(&collection)).unwrap(),
            vec![
                shown(&collection.join("a.VCF")),
                shown(&collection.join("b.vcf"))
            ]
        );
        // The folder above: its collections, one level down.
        std::fs::create_dir(root.join("empty")).unwrap();
        assert_eq!(items(&shown(root)).unwrap().len(), 2);
        assert!(matches!(
            items(&shown(&root.join("empty"))),
            Err(ReadError::NoCards { .. })
        ));
    }
}
