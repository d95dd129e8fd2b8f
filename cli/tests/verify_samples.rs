//! The verifier on the real corpus: every program of ../shared/ebpf-samples (or
//! `EBPF_SAMPLES_DIR`), compared with the verdict PREVAIL gets on it (EXPECTED.tsv).
//!
//! The counts may only go up: the floors below are what this verifier achieves today. Every
//! unsafe program (`reject`) must be rejected, whatever else changes. Prints a table of counts
//! and times per project. Skips with a message when the corpus is absent.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::samples_dir;
use ebpf_cli::verify::verify_program;
use ebpf_loader::{LoadOptions, Object};

/// Programs PREVAIL proves safe that we accept (of 227).
const FLOOR_PASS: usize = 225;
/// Programs PREVAIL rejects although they are safe that we accept (of 65).
const FLOOR_EXPECTED_FAILURE: usize = 50;

#[derive(Default)]
struct Row {
    pass: [usize; 2],
    expected_failure: [usize; 2],
    reject: [usize; 2],
    reject_load: [usize; 2],
    time: Duration,
    slowest: (Duration, String),
}

#[test]
fn ebpf_samples_precision_and_soundness() {
    let Some(dir) = samples_dir("cli/verify_samples/ebpf_samples_precision_and_soundness") else {
        return;
    };
    let tsv = std::fs::read_to_string(dir.join("EXPECTED.tsv")).unwrap();
    // EBPF_SAMPLES_VERBOSE=1 also lists the expected_failure programs still rejected.
    let verbose = std::env::var_os("EBPF_SAMPLES_VERBOSE").is_some();
    let mut objects: BTreeMap<String, Result<Object, String>> = BTreeMap::new();
    let mut projects: BTreeMap<String, Row> = BTreeMap::new();
    let mut accepted_unsafe = Vec::new();
    let mut missed_pass = Vec::new();
    for line in tsv.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [file, section, function, status, ..] = cols[..] else {
            continue;
        };
        let project = file.split('/').next().unwrap_or(file).to_string();
        let object = objects.entry(file.to_string()).or_insert_with(|| {
            let bytes = std::fs::read(dir.join(file)).map_err(|e| e.to_string())?;
            let mut object =
                Object::parse(&bytes, &LoadOptions::default()).map_err(|e| e.to_string())?;
            // Cilium's sections are named by slot; the file name gives the type.
            object.type_programs_from_path(file);
            Ok(object)
        });
        let verdict = match object {
            Ok(object) => object
                .program(Some(section), function)
                .map(|program| verify_program(object, program, None, false)),
            Err(_) => None,
        };
        let accepted = verdict.as_ref().is_some_and(|v| v.accepted);
        let row = projects.entry(project).or_default();
        if let Some(v) = &verdict {
            row.time += v.time;
            if v.time > row.slowest.0 {
                row.slowest = (v.time, format!("{file} {section}/{function}"));
            }
        }
        let slot = match status {
            "pass" => &mut row.pass,
            "expected_failure" => &mut row.expected_failure,
            "reject" => &mut row.reject,
            _ => &mut row.reject_load,
        };
        slot[0] += 1;
        if accepted {
            slot[1] += 1;
        }
        let id = format!("{file} {section}/{function}");
        match (status, &verdict) {
            ("reject", _) if accepted => accepted_unsafe.push(id),
            ("pass", Some(v)) if !v.accepted => {
                let first = v
                    .errors
                    .first()
                    .map_or(String::new(), |e| e.message.clone());
                missed_pass.push(format!("{id}: {first}"));
            }
            ("pass", None) => missed_pass.push(format!("{id}: not loaded")),
            ("expected_failure", Some(v)) if !v.accepted && verbose => {
                let first = v
                    .errors
                    .first()
                    .map_or(String::new(), |e| e.message.clone());
                println!("  expected_failure not accepted: {id}: {first}");
            }
            _ => {}
        }
    }

    println!(
        "project           pass(acc/all)  exp_fail(acc/all)  reject(rej/all)  time      slowest"
    );
    let mut total = Row::default();
    for (name, r) in &projects {
        println!(
            "{name:<17} {:>4}/{:<4}      {:>4}/{:<4}          {:>4}/{:<4}        {:>7.1} ms  {:.1} ms {}",
            r.pass[1],
            r.pass[0],
            r.expected_failure[1],
            r.expected_failure[0],
            r.reject[0] - r.reject[1],
            r.reject[0],
            r.time.as_secs_f64() * 1e3,
            r.slowest.0.as_secs_f64() * 1e3,
            r.slowest.1
        );
        for (t, s) in [
            (&mut total.pass, r.pass),
            (&mut total.expected_failure, r.expected_failure),
        ] {
            t[0] += s[0];
            t[1] += s[1];
        }
        total.reject[0] += r.reject[0];
        total.reject[1] += r.reject[1];
        total.time += r.time;
    }
    println!(
        "total: pass {}/{} accepted, expected_failure {}/{} accepted, reject {}/{} rejected, {:.1} ms",
        total.pass[1],
        total.pass[0],
        total.expected_failure[1],
        total.expected_failure[0],
        total.reject[0] - total.reject[1],
        total.reject[0],
        total.time.as_secs_f64() * 1e3
    );
    for m in &missed_pass {
        println!("  not accepted (PREVAIL passes it): {m}");
    }
    assert!(
        accepted_unsafe.is_empty(),
        "unsafe programs accepted: {accepted_unsafe:#?}"
    );
    assert!(
        total.pass[1] >= FLOOR_PASS,
        "pass accepted fell to {}",
        total.pass[1]
    );
    assert!(
        total.expected_failure[1] >= FLOOR_EXPECTED_FAILURE,
        "expected_failure accepted fell to {}",
        total.expected_failure[1]
    );
}
