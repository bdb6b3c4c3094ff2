//! Where credentials go: exports, credential_process JSON, child processes.

pub mod bash_word;
pub mod browser;
pub mod completion;
pub mod exec;
pub mod export;
pub mod prompt;
pub mod quote;
pub mod run_report;
pub mod run_sink;
pub mod shell_init;
pub mod table;

/// Writes `text` to stdout and flushes it.
pub fn write_stdout(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes()).and_then(|()| out.flush())
}
