//! What rolecall does, for the command line and the TUI alike: the run
//! [`Context`], one cached-or-assume path for a target (with a policy for
//! whether a person may be asked), loading and refreshing organisations, the
//! catalog of targets, describing a target, what a child process needs, and
//! the application's error. Nothing here knows about clap or the terminal UI.

pub mod assume;
pub mod cache;
pub mod catalog;
pub mod child;
pub mod console;
pub mod describe;
pub mod doctor;
pub mod error;
pub mod first_run;
pub mod login;
pub mod orgs;
pub mod prefs;
pub mod provenance;
pub mod run;
mod run_driver;
pub mod server;
pub mod sessions;
pub mod signals;
pub mod snapshot;
pub mod sso;
pub mod whoami;

use std::sync::Arc;

use aws_types::os_shim_internal::Env;

/// What the command line and the TUI name from the layers below.
pub use crate::broker::{BrokerError, MfaCode, Overrides, Plan};
pub use crate::org::{OrgError, Origin, Refresh, Snapshot};
pub use crate::store::index::EntryKind as SessionKind;
pub use assume::{Assumed, Flags, Prompt, assume};
pub use error::AppError;

use crate::aws::Timeouts;
use crate::config::{AwsConfig, Settings};

/// Where notices and warnings go: stderr for the command line, nowhere for
/// the TUI (which owns the terminal and shows what it needs itself).
#[derive(Clone, Default)]
pub enum Notify {
    /// Print each as `rolecall: TEXT` on stderr.
    #[default]
    Stderr,
    /// Drop them.
    Silent,
    /// Hand them to a function.
    To(Arc<dyn Fn(&str) + Send + Sync>),
}

/// What every command gets: the environment, the AWS files (parsed once),
/// the settings, and where notices go.
pub struct Context {
    /// The process environment, as aws-config's shim (injectable in tests).
    pub env: Env,
    /// The parsed AWS shared files.
    pub aws: AwsConfig,
    /// rolecall's settings.
    pub settings: Settings,
    /// Where notices and warnings go.
    pub notify: Notify,
}

impl Context {
    /// Loads the AWS files and the settings.
    pub async fn load(settings_flag: Option<&std::path::Path>) -> Result<Self, AppError> {
        let env = Env::real();
        let settings = Settings::load(settings_flag)?;
        let aws = AwsConfig::load(&env).await?;
        Ok(Self { env, aws, settings, notify: Notify::Stderr })
    }

    /// A notice or warning for the operator.
    pub fn warn(&self, text: &str) {
        match &self.notify {
            Notify::Stderr => {
                // Not eprintln!, which panics when stderr is gone (a closed terminal window).
                use std::io::Write;
                let _ = writeln!(std::io::stderr(), "rolecall: {}", crate::text::clean(text));
            }
            Notify::Silent => {}
            Notify::To(f) => f(text),
        }
    }

    /// The timeouts of AWS calls.
    pub fn timeouts(&self) -> Timeouts {
        Timeouts::from_settings(&self.settings.defaults)
    }
}

/// A [`Context`] that is parsed once, on a thread of its own, the first time
/// something needs it: the TUI draws its first frame from the catalog
/// snapshot and lets the AWS files be parsed behind it.
pub struct SharedContext {
    cell: tokio::sync::OnceCell<Arc<Context>>,
    settings_flag: Option<std::path::PathBuf>,
    notify: Notify,
}

impl SharedContext {
    /// A context to be loaded with `settings_flag`, or `ready` when it is already.
    pub fn new(ready: Option<Context>, settings_flag: Option<&std::path::Path>, notify: Notify) -> Self {
        let cell = match ready {
            Some(mut ctx) => {
                ctx.notify = notify.clone();
                tokio::sync::OnceCell::new_with(Some(Arc::new(ctx)))
            }
            None => tokio::sync::OnceCell::new(),
        };
        Self { cell, settings_flag: settings_flag.map(std::path::Path::to_path_buf), notify }
    }

    /// The context, loading it first if nobody has (concurrent callers share one load).
    pub async fn get(&self) -> Result<Arc<Context>, AppError> {
        let ctx = self
            .cell
            .get_or_try_init(|| async {
                let (flag, notify) = (self.settings_flag.clone(), self.notify.clone());
                // Parsing a large config is CPU work: off the thread that serves the terminal.
                let loaded = tokio::task::spawn_blocking(move || {
                    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build();
                    let rt = rt.map_err(|e| AppError::Internal(format!("cannot start a runtime: {e}")))?;
                    rt.block_on(Context::load(flag.as_deref()))
                })
                .await
                .map_err(error::join_error)??;
                Ok::<_, AppError>(Arc::new(Context { notify, ..loaded }))
            })
            .await?;
        Ok(ctx.clone())
    }

    /// The context if it is loaded already.
    pub fn loaded(&self) -> Option<Arc<Context>> {
        self.cell.get().cloned()
    }

    /// The settings file flag the context is loaded with.
    pub fn settings_flag(&self) -> Option<&std::path::Path> {
        self.settings_flag.as_deref()
    }
}
