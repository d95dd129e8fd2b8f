//! Differential test of the verifier against Linux's over the whole program catalogue
//! (`verifier/tests/unsafe/*.s` and `verifier/tests/safe/*.s`): every Linux case is loaded into
//! this machine's kernel with `bpf(BPF_PROG_LOAD)`, as the program type and expected attach
//! type its header names, its maps created as it declares them (frozen values written and the
//! map frozen) and their descriptors patched into its `lddw`s. Linux's verdict is compared with
//! ours, and every disagreement must be listed, with its reason, in
//! `verifier/tests/linux_disagreements.tsv`; a new disagreement, or a listed one that no longer
//! holds, fails the test. Windows cases are skipped. Skips with a message when this machine
//! refuses `bpf()` (not root, or `bpf()` not available).
//!
//! `LINUX_DIFF_WRITE=1` rewrites the list from this run, keeping the reasons of the rows that
//! remain and marking new rows `TODO` (which fails the test until a reason is written).

#[path = "../../verifier/tests/common/mod.rs"]
mod catalogue;
mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use common::bpf;
use ebpf_isa::{Insn, LddwSrc};
use ebpf_verifier::{MapInfo, MapKind, LINUX};

const TEST: &str = "ebpf-cli/catalogue_linux_diff/linux_verdicts_match_or_are_listed";

/// The list of disagreements.
fn list_path() -> PathBuf {
    common::repo_root().join("verifier/tests/linux_disagreements.tsv")
}

/// One verdict: accepted, or rejected with a short description.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Verdict {
    Accept,
    Reject(String),
}

impl Verdict {
    fn word(&self) -> &'static str {
        match self {
            Verdict::Accept => "accept",
            Verdict::Reject(_) => "reject",
        }
    }

    fn describe(&self) -> String {
        match self {
            Verdict::Accept => String::from("accept"),
            Verdict::Reject(why) => format!("reject: {why}"),
        }
    }
}

/// The Linux map type number of a catalogue map kind (`other` has none).
fn linux_map_type(kind: MapKind) -> Option<u32> {
    LINUX
        .map_types
        .iter()
        .find(|t| t.kind == kind && !matches!(kind, MapKind::Other(_)))
        .map(|t| t.number)
}

/// Creates `m` (and its inner map template first); the descriptor.
fn create(m: &MapInfo, frozen: Option<&[u8]>) -> Result<bpf::Fd, String> {
    let ty =
        linux_map_type(m.kind).ok_or_else(|| format!("map kind {:?} has no Linux type", m.kind))?;
    let inner = match &m.inner {
        Some(i) => {
            let ity = linux_map_type(i.kind)
                .ok_or_else(|| format!("inner map kind {:?} has no Linux type", i.kind))?;
            Some(bpf::map_create(
                ity,
                i.key_size,
                i.value_size,
                i.max_entries,
                i.flags,
                None,
            )?)
        }
        None => None,
    };
    let fd = bpf::map_create(
        ty,
        m.key_size,
        m.value_size,
        m.max_entries,
        m.flags,
        inner.as_ref().map(|f| f.0),
    )?;
    if let Some(bytes) = frozen {
        let mut value = bytes.to_vec();
        value.resize(m.value_size as usize, 0);
        bpf::map_update(&fd, &0u32.to_ne_bytes(), &value)?;
        bpf::map_freeze(&fd)?;
    }
    Ok(fd)
}

/// Linux's verdict on `case`, or why it could not be asked.
fn on_linux(case: &catalogue::Case) -> Result<Verdict, String> {
    let ty = LINUX
        .program_type(&case.prog_type)
        .ok_or_else(|| format!("no Linux program type {}", case.prog_type))?;
    let attach = match &case.attach {
        Some(a) => {
            LINUX
                .attach_type(a)
                .ok_or_else(|| format!("no Linux attach type {a}"))?
                .number
        }
        None => 0,
    };
    let mut fds = BTreeMap::new();
    for (i, m) in case.maps.iter().enumerate() {
        let frozen = case
            .frozen
            .iter()
            .find(|(map, _)| *map == i)
            .map(|(_, b)| b.as_slice());
        let fd = create(m, frozen).map_err(|e| format!("map fd={}: {e}", m.fd))?;
        fds.insert(m.fd, fd);
    }
    let insns: Vec<Insn> = case
        .insns
        .iter()
        .map(|&insn| match insn {
            Insn::Lddw {
                dst,
                src: src @ (LddwSrc::MapFd | LddwSrc::MapValue),
                imm,
                next_imm,
            } => Insn::Lddw {
                dst,
                src,
                imm: fds.get(&imm).map_or(imm, |f| f.0),
                next_imm,
            },
            other => other,
        })
        .collect();
    Ok(
        match bpf::prog_load(ty.number, attach, &ebpf_isa::encode(&insns), "GPL") {
            Ok(_) => Verdict::Accept,
            Err(why) => Verdict::Reject(why),
        },
    )
}

/// Our verdict on `case`.
fn ours(case: &catalogue::Case) -> Verdict {
    match catalogue::verify(case) {
        Ok(_) => Verdict::Accept,
        Err(errors) => Verdict::Reject(format!("{} ({})", errors[0].kind().class(), errors[0])),
    }
}

/// A row of the list: `case`, Linux's verdict, ours, the reason.
struct Row {
    linux: String,
    ours: String,
    reason: String,
}

/// The list as checked in, by case.
fn read_list() -> BTreeMap<String, Row> {
    let text = std::fs::read_to_string(list_path()).unwrap_or_default();
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 4, "bad row in {}: {l}", list_path().display());
            (
                cols[0].to_string(),
                Row {
                    linux: cols[1].to_string(),
                    ours: cols[2].to_string(),
                    reason: cols[3].to_string(),
                },
            )
        })
        .collect()
}

/// Tabs and newlines out of a cell.
fn cell(text: &str) -> String {
    text.replace(['\t', '\n'], " ")
}

#[test]
fn linux_verdicts_match_or_are_listed() {
    if !bpf::available(TEST) {
        return;
    }
    let listed = read_list();
    let mut found: BTreeMap<String, Row> = BTreeMap::new();
    let (mut compared, mut windows, mut agree) = (0, 0, 0);
    let mut counts = BTreeMap::new();
    for dir in ["unsafe", "safe"] {
        for case in catalogue::cases(dir) {
            if case.platform != "linux" {
                windows += 1;
                continue;
            }
            let name = format!("{dir}/{}", case.path.file_name().unwrap().to_string_lossy());
            let ours = ours(&case);
            let linux = match on_linux(&case) {
                Ok(v) => v,
                Err(setup) => Verdict::Reject(format!("setup: {setup}")),
            };
            compared += 1;
            if linux.word() == ours.word() {
                agree += 1;
                continue;
            }
            *counts
                .entry(format!("Linux {}s, we {}", linux.word(), ours.word()))
                .or_insert(0) += 1;
            let reason = listed
                .get(&name)
                .map_or_else(|| String::from("TODO"), |r| r.reason.clone());
            found.insert(
                name,
                Row {
                    linux: cell(&linux.describe()),
                    ours: cell(&ours.describe()),
                    reason,
                },
            );
        }
    }
    eprintln!(
        "{compared} Linux cases compared ({windows} Windows cases skipped): {agree} agree, {} disagree: {counts:?}",
        found.len()
    );
    if std::env::var_os("LINUX_DIFF_WRITE").is_some() {
        let mut text = String::from("case\tlinux\tours\treason\n");
        for (name, r) in &found {
            writeln!(text, "{name}\t{}\t{}\t{}", r.linux, r.ours, r.reason).unwrap();
        }
        std::fs::write(list_path(), text).unwrap();
    }
    let mut failures = String::new();
    for (name, r) in &found {
        match listed.get(name) {
            None => writeln!(
                failures,
                "new disagreement {name}: Linux {}, we {}",
                r.linux, r.ours
            )
            .unwrap(),
            Some(l) if l.linux.split(':').next() != r.linux.split(':').next() => writeln!(
                failures,
                "{name}: listed as Linux {}, now Linux {}",
                l.linux, r.linux
            )
            .unwrap(),
            Some(l) if l.reason.trim().is_empty() || l.reason == "TODO" => {
                writeln!(failures, "{name}: no reason written").unwrap()
            }
            Some(l) if l.ours.split(':').next() != r.ours.split(':').next() => writeln!(
                failures,
                "{name}: listed as ours {}, now {}",
                l.ours, r.ours
            )
            .unwrap(),
            Some(_) => {}
        }
    }
    for name in listed.keys().filter(|n| !found.contains_key(*n)) {
        writeln!(
            failures,
            "{name}: listed, but Linux and we now agree (remove the row)"
        )
        .unwrap();
    }
    assert!(
        failures.is_empty(),
        "disagreements with Linux not as listed in {}:\n{failures}",
        list_path().display()
    );
    assert!(compared > 250, "only {compared} cases compared");
}
