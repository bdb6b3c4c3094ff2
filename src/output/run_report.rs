//! What `rolecall run` reports about each target once it ends: the JSON line
//! of `--output jsonl`, the summary table (ok / failed / skipped, the
//! slowest, each failure's first error line), and file names for `--output-dir`.

use std::time::Duration;

use serde::Serialize;

use crate::text;

/// One target's result, as the reports show it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    /// The target id.
    pub id: String,
    /// The 12-digit account, when known.
    pub account: Option<String>,
    /// The account's name, when an organisation knows it.
    pub account_name: Option<String>,
    /// The final role's name.
    pub role: Option<String>,
    /// `ok`, `failed`, `assume-failed`, `timed-out`, `cancelled` or `skipped`.
    pub status: String,
    /// The command's exit code (128 + signal when one ended it).
    pub exit_code: Option<i32>,
    /// Seconds from the start of the assume to the end of the command.
    pub duration: f64,
    /// The command's stdout (lossily UTF-8).
    pub stdout: String,
    /// The command's stderr (lossily UTF-8).
    pub stderr: String,
    /// Why it failed, when it did not simply exit non-zero.
    pub error: Option<String>,
}

impl Report {
    /// True for a target that ran and succeeded.
    pub fn ok(&self) -> bool {
        self.status == "ok"
    }

    /// The first line that says what went wrong: the error's, else the last
    /// non-blank line of stderr, else the exit code.
    pub fn first_error_line(&self) -> String {
        if let Some(e) = &self.error {
            return e.lines().find(|l| !l.trim().is_empty()).unwrap_or(e).trim().to_owned();
        }
        if let Some(l) = self.stderr.lines().rev().find(|l| !l.trim().is_empty()) {
            return l.trim().to_owned();
        }
        match self.exit_code {
            Some(c) => format!("exit code {c}"),
            None => self.status.clone(),
        }
    }
}

/// The `--output jsonl` line of a target (with its newline).
pub fn json_line(r: &Report) -> String {
    let mut line = serde_json::to_string(r).unwrap_or_else(|e| format!("{{\"id\":null,\"error\":\"{e}\"}}"));
    line.push('\n');
    line
}

/// A file name for target `id` under `--output-dir`: the id with anything
/// but letters, digits, `.`, `_` and `-` replaced by `_`, and, when that
/// changed it, a short hash of the id so two targets never share a file.
pub fn file_stem(id: &str) -> String {
    let safe: String =
        id.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' }).collect();
    let safe = safe.trim_start_matches('.').to_owned();
    if safe == id { safe } else { format!("{safe}-{}", &crate::paths::short_hash(id.as_bytes())[..8]) }
}

fn seconds(d: f64) -> String {
    if d < 10.0 { format!("{d:.2}s") } else { format!("{}", humantime::format_duration(Duration::from_secs(d as u64))) }
}

/// The summary printed when the run ends: counts, the slowest targets, then
/// one line per target that did not succeed with its first error line.
pub fn summary(reports: &[Report], wall: Duration, interrupted: bool) -> String {
    let count = |s: &str| reports.iter().filter(|r| r.status == s).count();
    let (ok, skipped, cancelled) = (count("ok"), count("skipped"), count("cancelled"));
    let failed = reports.len() - ok - skipped - cancelled;
    let mut out = String::new();
    out.push_str(&format!(
        "{} targets in {}: {ok} ok, {failed} failed, {skipped} skipped",
        reports.len(),
        seconds(wall.as_secs_f64())
    ));
    if cancelled > 0 {
        out.push_str(&format!(", {cancelled} cancelled"));
    }
    if interrupted {
        out.push_str(" (interrupted)");
    }
    out.push('\n');
    let mut ran: Vec<&Report> = reports.iter().filter(|r| r.status != "skipped" && r.duration > 0.0).collect();
    ran.sort_by(|a, b| b.duration.total_cmp(&a.duration));
    if ran.len() > 1 {
        let slowest: Vec<String> =
            ran.iter().take(3).map(|r| format!("{} {}", text::clean(&r.id), seconds(r.duration))).collect();
        out.push_str(&format!("slowest: {}\n", slowest.join(", ")));
    }
    let bad: Vec<[String; 4]> = reports
        .iter()
        .filter(|r| !r.ok())
        .map(|r| {
            let code = r.exit_code.map(|c| c.to_string()).unwrap_or_else(|| "-".into());
            [r.id.clone(), r.status.clone(), code, r.first_error_line()]
        })
        .collect();
    if !bad.is_empty() {
        out.push('\n');
        out.push_str(&crate::output::table::render(["TARGET", "STATUS", "EXIT", "ERROR"], &bad));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(id: &str, status: &str, exit: Option<i32>, secs: f64, stderr: &str, error: Option<&str>) -> Report {
        Report {
            id: id.into(),
            status: status.into(),
            exit_code: exit,
            duration: secs,
            stderr: stderr.into(),
            error: error.map(str::to_owned),
            ..Report::default()
        }
    }

    #[test]
    fn the_summary_counts_and_names_the_failures() {
        let reports = [
            report("a/R", "ok", Some(0), 0.5, "", None),
            report("b/R", "failed", Some(3), 1.5, "warming up\nboom: no bucket\n\n", None),
            report("c/R", "assume-failed", None, 0.2, "", Some("AccessDenied on AssumeRole\n  1. trust policy")),
            report("d/R", "skipped", None, 0.0, "", Some("the account is SUSPENDED")),
            report("e/R", "timed-out", Some(143), 5.0, "", Some("timed out after 5s; its processes were stopped")),
        ];
        let text = summary(&reports, Duration::from_millis(5200), false);
        let want = "5 targets in 5.20s: 1 ok, 3 failed, 1 skipped\n\
                    slowest: e/R 5.00s, b/R 1.50s, a/R 0.50s\n\
                    \n\
                    TARGET  STATUS         EXIT  ERROR\n\
                    b/R     failed         3     boom: no bucket\n\
                    c/R     assume-failed  -     AccessDenied on AssumeRole\n\
                    d/R     skipped        -     the account is SUSPENDED\n\
                    e/R     timed-out      143   timed out after 5s; its processes were stopped\n";
        assert_eq!(text, want);
        let text = summary(&reports[..1], Duration::from_secs(75), true);
        assert_eq!(text, "1 targets in 1m 15s: 1 ok, 0 failed, 0 skipped (interrupted)\n");
    }

    #[test]
    fn json_lines_have_every_field() {
        let r = report("a b/R", "failed", Some(1), 0.25, "err\n", None);
        let v: serde_json::Value = serde_json::from_str(json_line(&r).trim_end()).unwrap();
        for key in
            ["id", "account", "account_name", "role", "status", "exit_code", "duration", "stdout", "stderr", "error"]
        {
            assert!(v.get(key).is_some(), "{key} missing: {v}");
        }
        assert_eq!(v["exit_code"], 1);
        assert_eq!(v["stderr"], "err\n");
    }

    #[test]
    fn file_stems_are_safe_and_distinct() {
        assert_eq!(file_stem("prod"), "prod");
        let a = file_stem("a b/ReadOnly");
        let b = file_stem("a_b_ReadOnly");
        assert!(a.starts_with("a_b_ReadOnly-") && a.len() == "a_b_ReadOnly-".len() + 8, "{a}");
        assert_eq!(b, "a_b_ReadOnly");
        assert!(file_stem("../x").starts_with("_x-") || file_stem("../x").starts_with("__x-"), "{}", file_stem("../x"));
        assert!(!file_stem("東京/R").contains('/'));
    }
}
