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
}

/// The live output of a run.
pub struct Sink {
    console: Console,
    dir: Option<PathBuf>,
    prefixes: Vec<String>,
    buffers: Vec<Buffers>,
    bar: Option<ProgressBar>,
    errors: Vec<String>,
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
            errors: Vec::new(),
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

    fn open_files(&mut self, n: usize, id: &str) -> Option<&mut (File, File)> {
        let dir = self.dir.as_ref()?;
        if self.buffers[n].files.is_none() {
            let stem = file_stem(id);
            let open = |ext: &str| create_file(&dir.join(format!("{stem}.{ext}")));
            match (open("stdout"), open("stderr")) {
                (Ok(o), Ok(e)) => self.buffers[n].files = Some((o, e)),
                (Err(e), _) | (_, Err(e)) => {
                    self.errors.push(format!("cannot write the output of '{id}' to '{}': {e}", dir.display()));
                    self.dir = None;
                    return None;
                }
            }
        }
        self.buffers[n].files.as_mut()
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
            let _ = if err { e.write_all(line) } else { o.write_all(line) };
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
    pub fn finished(&mut self, n: usize, mut report: Report) -> Report {
        let b = std::mem::take(&mut self.buffers[n]);
        report.stdout = String::from_utf8_lossy(&b.out).into_owned();
        report.stderr = String::from_utf8_lossy(&b.err).into_owned();
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

    /// Removes the progress bar; returns problems writing files.
    pub fn finish(self) -> Vec<String> {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        self.errors
    }
}

/// Creates (or truncates) an output file, private to the user, without following a link.
fn create_file(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)
}
