//! `rolecall doctor`: one line per check, with the fix; exit 1 when one failed.

use clap::Args;

use super::print;
use crate::service::AppError;
use crate::service::doctor::{self, Status};

/// Check the AWS files, base credentials, keyring, clock, endpoints, cache dir and shell set-up.
#[derive(Debug, Args)]
pub struct DoctorCmd {
    /// Print JSON (an array of {check, status, detail, fix}).
    #[arg(long)]
    pub json: bool,
}

impl DoctorCmd {
    /// Runs the checks; exit 0 when none failed, else 1.
    pub async fn run(self, settings_flag: Option<&std::path::Path>) -> Result<u8, AppError> {
        let checks = doctor::run(settings_flag).await;
        if self.json {
            let text = serde_json::to_string_pretty(&checks).map_err(|e| AppError::Internal(e.to_string()))?;
            print(&format!("{text}\n"))?;
        } else {
            let mut out = String::new();
            for c in &checks {
                let mark = match c.status {
                    Status::Ok => "ok  ",
                    Status::Warn => "warn",
                    Status::Fail => "FAIL",
                    Status::Info => "info",
                };
                out.push_str(&format!("{mark} {:<17} {}", c.check, c.detail));
                if let Some(fix) = &c.fix {
                    out.push_str(&format!(" -> fix: {fix}"));
                }
                out.push('\n');
            }
            print(&out)?;
        }
        Ok(if doctor::passed(&checks) { 0 } else { 1 })
    }
}
