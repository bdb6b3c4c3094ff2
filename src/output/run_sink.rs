//! Where `rolecall run` puts the commands' output while they run: lines
//! prefixed with their target (aligned, coloured per target on a terminal
//! unless `NO_COLOR`), each target's output together when it ends, one JSON
//! object per target, and/or one file per target and stream; plus a
//! progress bar on stderr when it is a terminal. Knows nothing of how the
//! commands are run: the caller feeds it lines and results.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::run_report::{Report, file_stem, json_line};

/// How the commands' output reaches the terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Console {
    /// Each line as it comes, prefixed with its target.
    Prefixed,
    /// Each target's output together, in the order targets end.
    Grouped,
    /// One JSON object per target on stdout, in the order targets end.
    Jsonl,
    /// Nothing (the output goes to files only).
    Quiet,
}

/// What the sink needs to know about a target up front.
#[derive(Clone, Debug)]
pub struct Label {
    /// The target id.
    pub id: String,
}

const COLOURS: [&str; 6] = ["\x1b[36m", "\x1b[33m", "\x1b[35m", "\x1b[32m", "\x1b[34m", "\x1b[91m"];
const RESET: &str = "\x1b[0m";

#[derive(Default)]
struct Buffers {
    out: Vec<u8>,
    err: Vec<u8>,
    files: Option<(File, File)>,
    /// Why this target's output could not be written to its files.
    file_error: Option<String>,
}

/// The live output of a run.
pub struct Sink {
    console: Console,
    dir: Option<PathBuf>,
    prefixes: Vec<String>,
    buffers: Vec<Buffers>,
    bar: Option<ProgressBar>,
}

/// Whether to colour: on a terminal, unless `NO_COLOR` is set to anything.
pub fn colour_wanted(is_terminal: bool) -> bool {
    is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

impl Sink {
    /// A sink for `labels` (indexed as the targets are), printing as
    /// `console` says, writing files in `dir` when given, colouring prefixes
    /// when `colour`, and drawing a progress bar on stderr when `progress`.
    pub fn new(labels: &[Label], console: Console, dir: Option<&Path>, colour: bool, progress: bool) -> Self {
        let width = labels.iter().map(|l| crate::text::width(&crate::text::clean(&l.id))).max().unwrap_or(0);
        let prefixes = labels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let id = crate::text::clean(&l.id);
                let pad = " ".repeat(width - crate::text::width(&id));
                if colour {
                    format!("{}{id}{pad} |{RESET} ", COLOURS[i % COLOURS.len()])
                } else {
                    format!("{id}{pad} | ")
                }
            })
            .collect();
        let bar = progress.then(|| {
            let bar = ProgressBar::with_draw_target(Some(labels.len() as u64), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template("{bar:30} {pos}/{len} targets, {elapsed} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Self {
            console,
            dir: dir.map(Path::to_path_buf),
            prefixes,
            buffers: labels.iter().map(|_| Buffers::default()).collect(),
            bar,
        }
    }

    /// Writes to stdout or stderr around the progress bar; a closed stdout
    /// (`| head`) is not an error.
    fn write(&self, to_err: bool, bytes: &[u8]) {
        let put = || {
            let _ = if to_err {
                std::io::stderr().lock().write_all(bytes)
            } else {
                let mut out = std::io::stdout().lock();
                out.write_all(bytes).and_then(|()| out.flush())
            };
        };
        match &self.bar {
            Some(bar) => bar.suspend(put),
            None => put(),
        }
    }

    /// Target `n`'s two files, opened on first use. A failure is that
    /// target's alone: it is recorded for its report, the others still write.
    fn open_files(&mut self, n: usize, id: &str) -> Option<&mut (File, File)> {
        let dir = self.dir.as_ref()?;
        let b = &mut self.buffers[n];
        if b.files.is_none() && b.file_error.is_none() {
            let stem = file_stem(id);
            let open = |ext: &str| {
                let path = dir.join(format!("{stem}.{ext}"));
                create_file(&path).map_err(|e| (path, e))
            };
            match (open("stdout"), open("stderr")) {
                (Ok(o), Ok(e)) => b.files = Some((o, e)),
                (Err((path, e)), _) | (_, Err((path, e))) => b.file_error = Some(write_error(id, &path, &e)),
            }
        }
        b.files.as_mut()
    }

    /// Target `n` (id `id`) began.
    pub fn started(&mut self, n: usize, id: &str) {
        let _ = self.open_files(n, id);
        if let Some(bar) = &self.bar {
            bar.set_message(crate::text::clean(id).into_owned());
        }
    }

    /// A line of target `n`'s stdout (or stderr when `err`).
    pub fn line(&mut self, n: usize, id: &str, err: bool, line: &[u8]) {
        if let Some((o, e)) = self.open_files(n, id) {
            let written = if err { e.write_all(line) } else { o.write_all(line) };
            if let (Err(e), Some(dir)) = (written, &self.dir) {
                let path = dir.join(format!("{}.{}", file_stem(id), if err { "stderr" } else { "stdout" }));
                let b = &mut self.buffers[n];
                b.file_error = Some(write_error(id, &path, &e));
                b.files = None;
            }
        }
        match self.console {
            Console::Prefixed => {
                let mut text = Vec::with_capacity(self.prefixes[n].len() + line.len() + 1);
                text.extend_from_slice(self.prefixes[n].as_bytes());
                text.extend_from_slice(line);
                if !line.ends_with(b"\n") {
                    text.push(b'\n');
                }
                self.write(err, &text);
            }
            Console::Grouped | Console::Jsonl => {
                let b = &mut self.buffers[n];
                if err { &mut b.err } else { &mut b.out }.extend_from_slice(line);
            }
            Console::Quiet => {}
        }
    }

    /// Target `n` ended; `report` has no output yet: the sink fills it in.
    /// A target whose files could not be written has failed, whatever its
    /// command did: the operator asked for that output.
    pub fn finished(&mut self, n: usize, mut report: Report) -> Report {
        let b = std::mem::take(&mut self.buffers[n]);
        report.stdout = String::from_utf8_lossy(&b.out).into_owned();
        report.stderr = String::from_utf8_lossy(&b.err).into_owned();
        if let Some(why) = b.file_error {
            if report.ok() {
                report.status = "failed".into();
            }
            report.error = Some(match report.error.take() {
                Some(first) => format!("{first}; {why}"),
                None => why,
            });
        }
        match self.console {
            Console::Grouped => {
                let code = report.exit_code.map(|c| format!(", exit {c}")).unwrap_or_default();
                let head = format!("=== {} ({}{code}) ===\n", crate::text::clean(&report.id), report.status);
                let mut out = head.clone().into_bytes();
                out.extend_from_slice(&b.out);
                if !b.out.is_empty() && !b.out.ends_with(b"\n") {
                    out.push(b'\n');
                }
                self.write(false, &out);
                if !b.err.is_empty() {
                    let mut err = head.into_bytes();
                    err.extend_from_slice(&b.err);
                    if !b.err.ends_with(b"\n") {
                        err.push(b'\n');
                    }
                    self.write(true, &err);
                }
            }
            Console::Jsonl => self.write(false, json_line(&report).as_bytes()),
            Console::Prefixed | Console::Quiet => {}
        }
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
        report
    }

    /// A skipped target, for `--output jsonl`.
    pub fn skipped(&mut self, report: &Report) {
        if self.console == Console::Jsonl {
            self.write(false, json_line(report).as_bytes());
        }
    }

    /// Removes the progress bar.
    pub fn finish(self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn write_error(id: &str, path: &Path, e: &std::io::Error) -> String {
    format!("cannot write the output of '{id}' to '{}': {e}", path.display())
}

/// Creates (or truncates) an output file, private to the user (0600, also
/// when it existed with another mode), without following a link or
/// blocking on a FIFO; anything but a regular file is refused.
fn create_file(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    // Emptied only now that it is known to be a private regular file.
    file.set_len(0)?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok_report(id: &str) -> Report {
        Report { id: id.into(), status: "ok".into(), exit_code: Some(0), ..Report::default() }
    }

    /// Runs targets `ids` through a quiet sink writing to `dir`, each printing one line.
    fn run(dir: &Path, ids: &[&str]) -> Vec<Report> {
        let labels: Vec<Label> = ids.iter().map(|id| Label { id: (*id).into() }).collect();
        let mut sink = Sink::new(&labels, Console::Quiet, Some(dir), false, false);
        for (n, id) in ids.iter().enumerate() {
            sink.started(n, id);
            sink.line(n, id, false, format!("out {id}\n").as_bytes());
            sink.line(n, id, true, format!("err {id}\n").as_bytes());
        }
        let reports = ids.iter().enumerate().map(|(n, id)| sink.finished(n, ok_report(id))).collect();
        sink.finish();
        reports
    }

    #[test]
    fn a_file_that_cannot_be_opened_fails_its_target_only() {
        let dir = tempfile::tempdir().unwrap();
        let ids = ["a/one", "b/two", "c/three"];
        // b's stdout file is a directory: it cannot be opened for writing.
        std::fs::create_dir(dir.path().join(format!("{}.stdout", file_stem("b/two")))).unwrap();
        let reports = run(dir.path(), &ids);
        let statuses: Vec<&str> = reports.iter().map(|r| r.status.as_str()).collect();
        assert_eq!(statuses, ["ok", "failed", "ok"], "{reports:?}");
        let error = reports[1].error.as_deref().unwrap_or_default();
        assert!(error.contains("cannot write the output of 'b/two'"), "{error}");
        for id in ["a/one", "c/three"] {
            for (ext, want) in [("stdout", "out"), ("stderr", "err")] {
                let path = dir.path().join(format!("{}.{ext}", file_stem(id)));
                let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                assert_eq!(text, format!("{want} {id}\n"));
            }
        }
    }

    #[cfg(unix)]
    #[test]
    fn files_are_private_even_when_they_existed_and_links_are_not_followed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        std::fs::write(&outside, "keep\n").unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let existing = out.join(format!("{}.stdout", file_stem("a/one")));
        std::fs::write(&existing, "old\n").unwrap();
        std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::os::unix::fs::symlink(&outside, out.join(format!("{}.stderr", file_stem("b/two")))).unwrap();
        let reports = run(&out, &["a/one", "b/two"]);
        assert_eq!(std::fs::metadata(&existing).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::read_to_string(&existing).unwrap(), "out a/one\n");
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "keep\n", "the link was followed");
        assert_eq!(reports[1].status, "failed", "{reports:?}");
    }
}
