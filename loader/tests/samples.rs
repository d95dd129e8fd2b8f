//! Loads every object of the shared ebpf-samples corpus (`../shared/ebpf-samples`, or
//! `EBPF_SAMPLES_DIR`) and checks it against the corpus' `EXPECTED.tsv`: every program whose
//! status is not `reject_load` is listed, every `reject_load` object fails with an error that
//! names where, and no object makes the loader panic, in either map layout.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use ebpf_loader::{LoadOptions, Object};

/// The corpus: `EBPF_SAMPLES_DIR`, or `../shared` beside the repository. `None` when it holds no
/// `EXPECTED.tsv`, after saying that `test` was skipped on the real stderr (libtest captures
/// only the `print!` family, so the line shows in a normal `cargo test` run).
fn samples_dir(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("EBPF_SAMPLES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/ebpf-samples"));
    if dir.join("EXPECTED.tsv").is_file() {
        return Some(dir);
    }
    let line = format!(
        "skipped: loader/samples/{test}: no ebpf-samples corpus (EXPECTED.tsv) at {} \
         (set EBPF_SAMPLES_DIR to the ebpf-samples directory)\n",
        dir.display()
    );
    let _ = std::io::stderr().write_all(line.as_bytes());
    None
}

/// Every file under `dir`, recursively, sorted.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files(&path, out);
        } else if path
            .file_name()
            .is_some_and(|n| n != "EXPECTED.tsv" && n != "README.md")
        {
            out.push(path);
        }
    }
}

#[test]
fn every_sample_loads_as_expected() {
    let Some(dir) = samples_dir("every_sample_loads_as_expected") else {
        return;
    };
    let expected = std::fs::read_to_string(dir.join("EXPECTED.tsv")).unwrap();
    // object -> (section, function) -> status
    let mut by_object: BTreeMap<String, Vec<(String, String, String)>> = BTreeMap::new();
    for line in expected.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        assert!(cols.len() >= 4, "bad EXPECTED.tsv line: {line}");
        let entry = (
            cols[1].to_string(),
            cols[2].to_string(),
            cols[3].to_string(),
        );
        by_object
            .entry(cols[0].to_string())
            .or_default()
            .push(entry);
    }
    let mut all = Vec::new();
    files(&dir, &mut all);
    let (mut listed, mut rejected, mut early, mut objects) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    for path in &all {
        let rel = path
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let bytes = std::fs::read(path).unwrap();
        objects += 1;
        let linux = Object::parse(&bytes, &LoadOptions::default());
        // The other layout must not panic either; its result is not checked here.
        let _ = Object::parse(&bytes, &LoadOptions::new(&ebpf_platform::WINDOWS));
        let Some(entries) = by_object.get(&rel) else {
            continue;
        };
        let must_reject = entries.iter().all(|(_, _, status)| status == "reject_load");
        match &linux {
            Ok(object) => {
                if must_reject {
                    failures.push(format!("{rel}: loaded, but EXPECTED.tsv says reject_load"));
                    continue;
                }
                for p in object
                    .programs()
                    .iter()
                    .filter(|p| p.decode_error.is_none())
                {
                    assert_eq!(ebpf_isa::encode(&p.insns), p.code, "{rel}: {}", p.function);
                }
                let have: BTreeSet<(&str, &str)> = object
                    .programs()
                    .iter()
                    .map(|p| (p.section.as_str(), p.function.as_str()))
                    .collect();
                for (section, function, status) in entries {
                    if status == "reject_load" {
                        failures.push(format!("{rel}: {section}/{function} should not load"));
                    } else if have.contains(&(section.as_str(), function.as_str())) {
                        listed += 1;
                    } else {
                        failures.push(format!("{rel}: program {section}/{function} not listed"));
                    }
                }
            }
            Err(e) => {
                let message = e.to_string();
                if must_reject {
                    assert!(
                        e.section().is_some() || e.symbol_name().is_some(),
                        "{rel}: error does not say where: {message}"
                    );
                    println!("{rel}: rejected as expected: {message}");
                    rejected += entries.len();
                } else if unsafe_unresolved(entries, e) {
                    // Known divergence: PREVAIL lists this unsafe (`reject`) program although it
                    // calls a function that no object defines; refusing it at load time is the
                    // stronger verdict, and the issue asks for an error on unresolved symbols.
                    println!("{rel}: unsafe program refused at load: {message}");
                    early += entries.len();
                } else {
                    failures.push(format!("{rel}: {message}"));
                }
            }
        }
    }
    println!(
        "{objects} objects: {listed} programs listed, {rejected} reject_load programs rejected, \
         {early} unsafe programs refused for unresolved symbols, 0 panics"
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let total: usize = by_object.values().map(Vec::len).sum();
    assert_eq!(
        listed + rejected + early,
        total,
        "every EXPECTED.tsv entry is accounted for"
    );
}

/// Whether every entry is an unsafe (`reject`) program and `e` is an unresolved symbol.
fn unsafe_unresolved(entries: &[(String, String, String)], e: &ebpf_loader::LoadError) -> bool {
    entries.iter().all(|(_, _, status)| status == "reject")
        && matches!(e.kind(), ebpf_loader::LoadErrorKind::UnresolvedSymbol)
}

/// A few corpus objects checked in detail: cross-section legacy map-in-map, bpf-to-bpf calls
/// through `.text`, prog array initial values, global data, a section without symbols.
#[test]
fn selected_samples_in_detail() {
    let Some(dir) = samples_dir("selected_samples_in_detail") else {
        return;
    };
    let load = |name: &str| {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        Object::parse(&bytes, &LoadOptions::default()).unwrap()
    };
    let o = load("build/map_in_map_legacy.o");
    let inner = o.maps()[0]
        .inner
        .as_ref()
        .expect("inner map from maps/inner_map");
    assert_eq!((inner.name.as_str(), inner.value_size), ("inner_map", 8));

    let o = load("build/bpf2bpf.o");
    let func = o.program(Some("test"), "func").unwrap();
    let names: Vec<&str> = func.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["func", "add2", "add1"]);
    assert_eq!(func.slots(), 58);

    let o = load("build/prog_array.o");
    let targets: Vec<String> = o.maps()[0]
        .initial_values
        .iter()
        .map(|i| format!("{}={:?}", i.index, i.target))
        .collect();
    assert_eq!(
        targets,
        [
            "0=Program(\"func0\")",
            "1=Program(\"func1\")",
            "2=Program(\"func2\")",
            "3=Program(\"func3\")"
        ]
    );

    let o = load("build/global_variable.o");
    let names: Vec<&str> = o.maps().iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, [".bss", ".rodata", ".data"]);
    let refs: Vec<(usize, usize)> = o.programs()[0]
        .map_refs
        .iter()
        .map(|r| (r.pc, r.map))
        .collect();
    assert_eq!(refs, [(1, 0), (5, 0), (8, 1), (11, 2)]);

    let o = load("linux/sockex1_kern.o");
    let p = &o.programs()[0];
    assert_eq!(
        (p.section.as_str(), p.function.as_str()),
        ("socket1", "socket1")
    );
    assert_eq!(o.maps()[0].name, "my_map");
    assert_eq!(o.license(), Some("GPL"));
}
