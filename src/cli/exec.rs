//! `rolecall exec TARGET [-- CMD ARGS…]`: run a command with a target's credentials.

use std::ffi::OsString;

use clap::Args;

use super::assume::AssumeArgs;
use std::sync::Arc;

use crate::config::AwsConfig;
use crate::config::settings::ExecServer;
use crate::output::exec;
use crate::service::{AppError, Context, Notify, Plan, Prompt, assume, child, server};

/// Assume a target and run a command with its credentials.
#[derive(Debug, Args)]
pub struct ExecCmd {
    /// Profile name or ACCOUNT/ROLE.
    pub target: String,
    /// Run even inside another rolecall session (ROLECALL_TARGET is set).
    #[arg(long)]
    pub force: bool,
    /// Serve the command renewing credentials from a local container-credentials
    /// endpoint instead of fixed keys, so it can outlive the session (1 h when
    /// capped); rolecall stays running until the command ends.
    #[arg(long, conflicts_with = "no_server")]
    pub server: bool,
    /// Give fixed keys even when the settings' exec_server says otherwise.
    #[arg(long)]
    pub no_server: bool,
    #[command(flatten)]
    pub assume: AssumeArgs,
    /// The command and its arguments (default: $SHELL).
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<OsString>,
}

impl ExecCmd {
    /// Runs the command; returns the child's exit code.
    pub async fn run(self, ctx: &Context) -> Result<u8, AppError> {
        if let Ok(current) = ctx.env.get("ROLECALL_TARGET")
            && !current.is_empty()
            && !self.force
        {
            return Err(AppError::usage(format!(
                "already inside a rolecall session for '{}'; exit it first, or pass --force to nest",
                crate::text::clean(&current)
            )));
        }
        let flags = self.assume.flags()?;
        if self.server {
            // Before any MFA code is asked for.
            server::check_default_profile(ctx)?;
        }
        let assumed = assume(ctx, &self.target, &flags, Prompt::Terminal).await?;
        ctx.warn(&format!("{} as {}", self.target, assumed.session.identity.arn));
        let mut serve = self.wants_server(ctx, &assumed.plan);
        if serve
            && !self.server
            && let Err(e) = server::check_default_profile(ctx)
        {
            // The setting asked for a server, not the operator: fixed keys still work.
            ctx.warn(&format!("warning: fixed keys instead of a credentials server: {e}"));
            serve = false;
        }
        let argv = exec::command_line(self.command);
        let env = child::env(ctx, &assumed.plan, &self.target, &assumed.session);
        let spawn_error =
            |e: std::io::Error| AppError::Spawn(format!("cannot run '{}': {e}", argv[0].to_string_lossy()));
        if !serve {
            let child = exec::command(&argv, &env);
            drop(assumed);
            return exec::run(child).map_err(spawn_error);
        }
        // The server renews through its own context: its notices (the 1-hour cap
        // again) must not land in the middle of the command's output.
        let own = Context {
            env: ctx.env.clone(),
            aws: AwsConfig::load(&ctx.env).await?,
            settings: ctx.settings.clone(),
            notify: Notify::Silent,
        };
        let server = server::start(Arc::new(own), &self.target, &flags, assumed.session).await?;
        let child = exec::command(&argv, &server.child_env(env));
        let code = exec::run_and_wait(child).await.map_err(spawn_error)?;
        if let Some(notice) = server.stats.notice(&self.target) {
            ctx.warn(&notice);
        }
        drop(server);
        Ok(code)
    }

    /// `--server`, or the settings' `exec_server` unless `--no-server`.
    fn wants_server(&self, ctx: &Context, plan: &Plan) -> bool {
        if self.server || self.no_server {
            return self.server;
        }
        let capped = plan.final_step().is_some_and(|s| s.duration < s.requested_duration);
        match ctx.settings.defaults.exec_server {
            ExecServer::Never => false,
            ExecServer::WhenCapped => capped,
            ExecServer::Always => true,
        }
    }
}
