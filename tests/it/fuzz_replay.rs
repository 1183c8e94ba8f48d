//! The fuzz targets' corpus and every crash input they found, replayed on
//! stable through the same library entry points (`mxlookup::fuzzing`) the
//! fuzzers call. See README.md § Fuzzing.

use std::path::Path;

use crate::support::root;

/// Every file of `fuzz/<kind>/<target>/`, sorted.
fn inputs(kind: &str, target: &str) -> Vec<std::path::PathBuf> {
    let dir = root().join("fuzz").join(kind).join(target);
    let Ok(read) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = read
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn replay(target: &str, run: fn(&[u8]), files: &[std::path::PathBuf]) -> Vec<String> {
    let mut failures = Vec::new();
    for path in files {
        let data = std::fs::read(path).expect("readable input");
        if std::panic::catch_unwind(|| run(&data)).is_err() {
            let shown = path.strip_prefix(root()).unwrap_or(path);
            failures.push(format!("{target}: {}", shown.display()));
        }
    }
    failures
}

#[test]
fn every_target_has_a_corpus_and_replays_it() {
    let mut failures = Vec::new();
    for &(target, run) in mxlookup::fuzzing::TARGETS {
        let corpus = inputs("corpus", target);
        assert!(!corpus.is_empty(), "fuzz/corpus/{target}/ is empty");
        assert!(
            Path::new(
                &root()
                    .join("fuzz/fuzz_targets")
                    .join(format!("{target}.rs"))
            )
            .exists(),
            "no fuzz target for {target}"
        );
        failures.extend(replay(target, run, &corpus));
    }
    assert!(failures.is_empty(), "inputs that fail: {failures:#?}");
}

#[test]
fn every_crash_found_stays_fixed() {
    let mut failures = Vec::new();
    let mut replayed = 0;
    for &(target, run) in mxlookup::fuzzing::TARGETS {
        let found = inputs("regressions", target);
        replayed += found.len();
        failures.extend(replay(target, run, &found));
    }
    assert!(failures.is_empty(), "regressions: {failures:#?}");
    // Every directory under fuzz/regressions/ names a target.
    if let Ok(dirs) = std::fs::read_dir(root().join("fuzz/regressions")) {
        for dir in dirs {
            let name = dir.expect("entry").file_name();
            let name = name.to_string_lossy();
            assert!(
                mxlookup::fuzzing::TARGETS.iter().any(|(t, _)| *t == name),
                "fuzz/regressions/{name} names no target"
            );
        }
    }
    eprintln!("{replayed} regression inputs replayed");
}
