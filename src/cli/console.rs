//! `rolecall console TARGET [--print] [--service S | --destination URL]`:
//! sign in to the AWS console as a target.

use clap::Args;
use secrecy::ExposeSecret;

use super::assume::AssumeArgs;
use crate::output::browser::{self, Opened};
use crate::service::console::{self, Where};
use crate::service::{AppError, Context, Prompt};

/// How long the browser has to read the redirect page before it is removed.
const GRACE: std::time::Duration = std::time::Duration::from_secs(20);

/// Sign in to the AWS console as a target.
#[derive(Debug, Args)]
pub struct ConsoleCmd {
    /// Profile name or ACCOUNT/ROLE.
    pub target: String,
    /// Print the sign-in URL instead of opening a browser. It signs in whoever
    /// opens it for 15 minutes: treat it as a password.
    #[arg(long)]
    pub print: bool,
    /// Open this service's page (s3, ec2, cloudwatch…) in the target's region.
    #[arg(long, value_name = "SERVICE", conflicts_with = "destination")]
    pub service: Option<String>,
    /// Open this console URL.
    #[arg(long, value_name = "URL")]
    pub destination: Option<String>,
    #[command(flatten)]
    pub assume: AssumeArgs,
}

impl ConsoleCmd {
    /// Signs in; prints the URL or opens it.
    pub async fn run(self, ctx: &Context) -> Result<u8, AppError> {
        let at = Where { service: self.service.clone(), destination: self.destination.clone() };
        let signin = console::signin(ctx, &self.target, &self.assume.flags()?, &at, Prompt::Terminal).await?;
        for notice in &signin.notices {
            ctx.warn(notice);
        }
        if self.print {
            super::print_strict(&format!("{}\n", signin.url.expose_secret()))?;
            return Ok(0);
        }
        open(ctx, &signin.url, &self.target, &signin.arn).await?;
        Ok(0)
    }
}

/// Opens a sign-in URL in the browser, through a private redirect page.
pub async fn open(ctx: &Context, url: &secrecy::SecretString, target: &str, arn: &str) -> Result<(), AppError> {
    let browser = ctx.env.get("BROWSER").ok();
    let dir = crate::paths::cache_dir().join("console");
    let url = url.clone();
    let opened =
        tokio::task::spawn_blocking(move || browser::open(url.expose_secret(), &dir, browser.as_deref(), GRACE))
            .await
            .map_err(crate::service::error::join_error)?
            .map_err(AppError::Spawn)?;
    match opened {
        Opened::Read => ctx.warn(&format!("opened the AWS console for {target} as {arn}")),
        Opened::NotSeen => ctx.warn(&format!(
            "started the browser for {target}, but it did not open the sign-in page within {}s; \
             run 'rolecall console {target} --print' and open the URL yourself",
            GRACE.as_secs()
        )),
    }
    Ok(())
}
