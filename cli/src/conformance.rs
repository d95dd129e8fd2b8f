//! Runs directories of `.data` test vectors on an engine and reports each failure.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::data::{Expect, ProgramText, TestCase};
use crate::engine::{self, Engine};

/// The verdict on one vector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Outcome as expected.
    Pass,
    /// Outcome differs; the line to print.
    Fail(String),
    /// Not run on this engine; why (see [`engine::skip_reason`]).
    Skip(String),
}

/// Runs one parsed vector.
pub fn run_case(case: &TestCase, engine: Engine) -> Verdict {
    if let Some(why) = engine::skip_reason(engine, &case.expect) {
        return Verdict::Skip(why.to_string());
    }
    let insns = match case.program() {
        Ok(ProgramText::Insns(insns)) => insns,
        Ok(ProgramText::Invalid(why)) => {
            return match case.expect {
                Expect::Error(crate::data::ErrorClass::InvalidProgram) => Verdict::Pass,
                _ => Verdict::Fail(format!("program does not decode: {why}")),
            }
        }
        Err(e) => return Verdict::Fail(format!("{e:#}")),
    };
    let mut mem = case.mem.clone();
    let outcome = engine::run(engine, &insns, &mut mem);
    match (&case.expect, outcome) {
        (Expect::Result(want), Ok(done)) if done.r0 == *want => Verdict::Pass,
        (Expect::Result(want), Ok(done)) => {
            Verdict::Fail(format!("expected r0 = {want:#x}, got {:#x}", done.r0))
        }
        (Expect::Result(want), Err(e)) => {
            Verdict::Fail(format!("expected r0 = {want:#x}, got error: {e}"))
        }
        (Expect::Error(class), Ok(done)) => {
            Verdict::Fail(format!("expected error {class}, got r0 = {:#x}", done.r0))
        }
        (Expect::Error(class), Err(e)) if e.class == Some(*class) => Verdict::Pass,
        (Expect::Error(class), Err(e)) => {
            let got = e
                .class
                .map_or_else(|| "unclassified".to_string(), |c| c.to_string());
            Verdict::Fail(format!("expected error {class}, got {got} error: {e}"))
        }
    }
}

/// Totals of a directory run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Vectors that passed.
    pub passed: usize,
    /// `(file, reason)` for each failure.
    pub failures: Vec<(String, String)>,
    /// `(file, reason)` for each vector not run on the engine.
    pub skipped: Vec<(String, String)>,
}

impl Summary {
    /// The closing line: `N passed, N failed` (and `, N skipped` when some were).
    pub fn line(&self) -> String {
        let mut line = format!("{} passed, {} failed", self.passed, self.failures.len());
        if !self.skipped.is_empty() {
            line.push_str(&format!(", {} skipped", self.skipped.len()));
        }
        line
    }
}

/// The `.data` files of `dir`, sorted.
pub fn data_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read directory {}", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .with_context(|| format!("cannot list {}", dir.display()))?
            .path();
        if path.extension().is_some_and(|e| e == "data") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Runs every `.data` file of `dir`, calling `on_failure` as each failure happens.
pub fn run_dir(
    dir: &Path,
    engine: Engine,
    mut on_failure: impl FnMut(&str, &str),
) -> Result<Summary> {
    let mut summary = Summary::default();
    for path in data_files(dir)? {
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let verdict = match TestCase::load(&path) {
            Ok(case) => run_case(&case, engine),
            Err(e) => Verdict::Fail(format!("{e:#}")),
        };
        match verdict {
            Verdict::Pass => summary.passed += 1,
            Verdict::Skip(why) => summary.skipped.push((name, why)),
            Verdict::Fail(why) => {
                on_failure(&name, &why);
                summary.failures.push((name, why));
            }
        }
    }
    Ok(summary)
}
