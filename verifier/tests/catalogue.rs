//! The program catalogue: every `tests/unsafe/*.s` is rejected with its expected error class
//! as the first error, every `tests/safe/*.s` is accepted.

mod common;

use std::fmt::Write;

#[test]
fn unsafe_programs_are_rejected_with_the_expected_error() {
    let cases = common::cases("unsafe");
    let mut failures = String::new();
    for case in &cases {
        let expect = case
            .expect
            .as_deref()
            .unwrap_or_else(|| panic!("{}: no `; expect:` line", case.path.display()));
        match common::verify(case) {
            Ok(_) => writeln!(
                failures,
                "{}: accepted, expected {expect}",
                case.path.display()
            )
            .unwrap(),
            Err(errors) => {
                let first = &errors[0];
                if first.kind().class() != expect {
                    writeln!(
                        failures,
                        "{}: first error is {} ({first}), expected {expect}",
                        case.path.display(),
                        first.kind().class()
                    )
                    .unwrap();
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{failures}");
    assert!(cases.len() >= 170, "only {} unsafe programs", cases.len());
}

#[test]
fn safe_programs_are_accepted() {
    let cases = common::cases("safe");
    let mut failures = String::new();
    for case in &cases {
        if let Err(errors) = common::verify(case) {
            writeln!(failures, "{}:", case.path.display()).unwrap();
            for e in errors {
                writeln!(failures, "    {e}").unwrap();
            }
        }
    }
    assert!(failures.is_empty(), "\n{failures}");
    assert!(cases.len() >= 80, "only {} safe programs", cases.len());
}
