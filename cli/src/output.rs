//! Where a command's results go: text, or JSON as bpftool writes it (`-j` compact, `-p`
//! indented), on stdout, through a writer that turns a closed reader into a quiet end.
//!
//! [`Out`] writes the results; every write returns [`Failure::Closed`] once the reader has gone
//! away (`ebpf verify x.o | head -1`), which the command passes up with `?` so that it stops
//! early, and [`finish`] turns into exit 0 without a message. [`Failure::Error`] carries an
//! error and its exit code; [`finish`] prints it on stderr, or under JSON as `{"error": "..."}`
//! on stdout, and returns the code.

use std::io::{self, Write};
use std::process::ExitCode;

use serde_json::Value;

/// How results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Lines for people.
    Text,
    /// One JSON document on one line (`-j`, `--json`).
    Json,
    /// One JSON document, indented (`-p`, `--pretty`).
    Pretty,
}

impl Format {
    /// The format the global flags ask for: `--pretty` implies JSON.
    pub fn from_flags(json: bool, pretty: bool) -> Format {
        match (json, pretty) {
            (_, true) => Format::Pretty,
            (true, false) => Format::Json,
            (false, false) => Format::Text,
        }
    }

    /// Whether results are JSON.
    pub fn is_json(self) -> bool {
        self != Format::Text
    }
}

/// Exit code: success, or the reader of the output went away.
pub const EXIT_OK: u8 = 0;
/// Exit code: the program faulted, a conformance vector failed, the verifier rejected a program.
pub const EXIT_FAILED: u8 = 1;
/// Exit code: bad input or usage.
pub const EXIT_BAD_INPUT: u8 = 2;

/// Why a command ended without success.
#[derive(Debug)]
pub enum Failure {
    /// The reader of stdout went away: stop and exit 0 quietly.
    Closed,
    /// An error with its exit code.
    Error {
        /// The exit code.
        code: u8,
        /// What went wrong.
        error: anyhow::Error,
        /// Whether the command's JSON output already says it (a verdict of `rejected`, a
        /// failed vector), so that no `{"error": ...}` object follows it.
        in_output: bool,
    },
}

impl Failure {
    /// Bad input or usage (exit 2).
    pub fn bad_input(error: anyhow::Error) -> Failure {
        Failure::Error {
            code: EXIT_BAD_INPUT,
            error,
            in_output: false,
        }
    }

    /// A failed run (exit 1) that the output does not show.
    pub fn failed(error: anyhow::Error) -> Failure {
        Failure::Error {
            code: EXIT_FAILED,
            error,
            in_output: false,
        }
    }

    /// A failed verdict (exit 1) that the printed results already show.
    pub fn shown(error: anyhow::Error) -> Failure {
        Failure::Error {
            code: EXIT_FAILED,
            error,
            in_output: true,
        }
    }

    /// The failure of a write: [`Failure::Closed`] for a closed pipe, else an error.
    pub fn from_io(e: io::Error) -> Failure {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Failure::Closed
        } else {
            Failure::bad_input(anyhow::anyhow!("cannot write the output: {e}"))
        }
    }
}

/// The results writer of one command.
#[derive(Debug)]
pub struct Out<W: Write> {
    writer: W,
    format: Format,
}

impl<W: Write> Out<W> {
    /// Results in `format` written to `writer`.
    pub fn new(writer: W, format: Format) -> Self {
        Out { writer, format }
    }

    /// The format results are printed in.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Whether results are JSON.
    pub fn is_json(&self) -> bool {
        self.format.is_json()
    }

    /// Writes `text` as it is.
    pub fn text(&mut self, text: &str) -> Result<(), Failure> {
        self.writer
            .write_all(text.as_bytes())
            .map_err(Failure::from_io)
    }

    /// Writes `value` as one JSON document and a newline, compact or indented.
    pub fn json(&mut self, value: &Value) -> Result<(), Failure> {
        let text = match self.format {
            Format::Pretty => format!("{value:#}\n"),
            Format::Json | Format::Text => format!("{value}\n"),
        };
        self.text(&text)
    }

    /// Writes `value` under JSON, else calls `text` for the text form.
    pub fn either(
        &mut self,
        value: impl FnOnce() -> Value,
        text: impl FnOnce() -> String,
    ) -> Result<(), Failure> {
        if self.is_json() {
            self.json(&value())
        } else {
            self.text(&text())
        }
    }

    /// Flushes what is buffered.
    pub fn flush(&mut self) -> Result<(), Failure> {
        self.writer.flush().map_err(Failure::from_io)
    }
}

/// The JSON object bpftool prints for an error: `{"error": "..."}`.
pub fn error_json(error: &anyhow::Error) -> Value {
    serde_json::json!({ "error": format!("{error:#}") })
}

/// Ends a command: flushes `out`, reports a failure (on `stderr` as `error: ...`, or under
/// JSON as [`error_json`] on `out`) and gives the exit code. Reporting never fails: when
/// stdout or stderr is closed too, the message is dropped.
pub fn finish<W: Write, E: Write>(
    mut out: Out<W>,
    stderr: &mut E,
    result: Result<(), Failure>,
) -> ExitCode {
    let result = result.and_then(|()| out.flush());
    match result {
        Ok(()) | Err(Failure::Closed) => ExitCode::from(EXIT_OK),
        Err(Failure::Error {
            code,
            error,
            in_output,
        }) => {
            if !out.is_json() {
                let _ = writeln!(stderr, "error: {error:#}");
            } else if !in_output {
                let _ = out.json(&error_json(&error));
                let _ = out.flush();
            }
            ExitCode::from(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose reader is gone after `room` bytes.
    struct ClosesAfter {
        room: usize,
        written: Vec<u8>,
    }

    impl Write for ClosesAfter {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::ErrorKind::BrokenPipe.into());
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            self.written.extend_from_slice(&buf[..n]);
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_reader_stops_the_command_and_exits_0_quietly() {
        let mut out = Out::new(
            ClosesAfter {
                room: 4,
                written: Vec::new(),
            },
            Format::Text,
        );
        assert!(matches!(out.text("line 1\n"), Err(Failure::Closed)));
        let mut stderr = Vec::new();
        let code = finish(out, &mut stderr, Err(Failure::Closed));
        assert_eq!(code, ExitCode::from(0));
        assert!(stderr.is_empty());
    }

    #[test]
    fn other_write_errors_are_reported() {
        let failure = Failure::from_io(io::Error::other("disk full"));
        let Failure::Error { code, error, .. } = failure else {
            panic!("a full disk is not a closed pipe");
        };
        assert_eq!(code, EXIT_BAD_INPUT);
        assert!(error.to_string().contains("disk full"));
    }

    #[test]
    fn errors_go_to_stderr_as_text_and_to_stdout_as_json() {
        let mut stderr = Vec::new();
        let code = finish(
            Out::new(Vec::new(), Format::Text),
            &mut stderr,
            Err(Failure::bad_input(anyhow::anyhow!("x.s: line 2: bad"))),
        );
        assert_eq!(code, ExitCode::from(2));
        assert_eq!(
            String::from_utf8(stderr).unwrap(),
            "error: x.s: line 2: bad\n"
        );

        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        let code = finish(
            Out::new(&mut stdout, Format::Json),
            &mut stderr,
            Err(Failure::failed(anyhow::anyhow!("pc 1: out-of-bounds"))),
        );
        assert_eq!(code, ExitCode::from(1));
        assert!(stderr.is_empty());
        assert_eq!(
            String::from_utf8(stdout).unwrap(),
            "{\"error\":\"pc 1: out-of-bounds\"}\n"
        );
    }

    #[test]
    fn a_failure_the_json_already_shows_adds_no_error_object() {
        let mut stdout = Vec::new();
        let mut out = Out::new(&mut stdout, Format::Pretty);
        out.json(&serde_json::json!([{ "accepted": false }]))
            .unwrap();
        let code = finish(
            out,
            &mut Vec::new(),
            Err(Failure::shown(anyhow::anyhow!("1 program(s) rejected"))),
        );
        assert_eq!(code, ExitCode::from(1));
        let text = String::from_utf8(stdout).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value[0]["accepted"], false);
        assert!(text.contains("\n  "), "pretty output is indented: {text}");
    }

    #[test]
    fn pretty_implies_json() {
        assert_eq!(Format::from_flags(false, true), Format::Pretty);
        assert_eq!(Format::from_flags(true, false), Format::Json);
        assert_eq!(Format::from_flags(false, false), Format::Text);
        assert!(Format::Pretty.is_json());
    }
}
