//! Dropping states early changes no result: the analysis frees the states of nodes no loop
//! head reaches once their successors have read them, except when the caller asks for every
//! invariant. Every catalogue program gets the same errors, instruction bound and context
//! reach both ways.

mod common;

use std::fmt::Write;

use ebpf_verifier::{FrozenValue, Options, Report};

fn analyze(case: &common::Case, options: &Options) -> Option<Report> {
    let program = ebpf_isa::Program::from_insns(case.insns.as_slice()).ok()?;
    let platform = match case.platform.as_str() {
        "linux" => &ebpf_verifier::LINUX,
        _ => &ebpf_verifier::WINDOWS,
    };
    let frozen: Vec<FrozenValue<'_>> = case
        .frozen
        .iter()
        .map(|(map, bytes)| FrozenValue { map: *map, bytes })
        .collect();
    Some(ebpf_verifier::analyze_with_contents(
        &program,
        platform,
        &case.prog_type,
        &case.maps,
        &frozen,
        options,
    ))
}

#[test]
fn keeping_every_state_changes_no_result() {
    let mut cases = common::cases("safe");
    cases.extend(common::cases("unsafe"));
    let keep = Options {
        invariants: true,
        ..Options::default()
    };
    let mut differences = String::new();
    let mut compared = 0;
    for case in &cases {
        let (Some(dropped), Some(kept)) =
            (analyze(case, &Options::default()), analyze(case, &keep))
        else {
            continue;
        };
        compared += 1;
        let text = |r: &Report| r.errors.iter().map(|e| e.to_string()).collect::<Vec<_>>();
        if text(&dropped) != text(&kept)
            || dropped.instruction_bound != kept.instruction_bound
            || dropped.max_context_offset != kept.max_context_offset
        {
            writeln!(
                differences,
                "{}: {:?} / bound {} against {:?} / bound {}",
                case.path.display(),
                text(&dropped),
                dropped.instruction_bound,
                text(&kept),
                kept.instruction_bound
            )
            .unwrap();
        }
        assert!(
            dropped.invariants.is_empty(),
            "{}: invariants not asked for",
            case.path.display()
        );
    }
    assert!(differences.is_empty(), "\n{differences}");
    assert!(compared >= 250, "only {compared} programs compared");
}
