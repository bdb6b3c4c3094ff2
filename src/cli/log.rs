//! Diagnostics on stderr for `-v`/`-vv` and `ROLECALL_LOG` (an `EnvFilter`
//! directive string, e.g. `rolecall=trace` or `rolecall::aws=debug`). Nothing
//! is set up unless asked, so the default run (and the warm credential_process
//! path) pays nothing. Whatever the directives say, other crates' TRACE events
//! are dropped: the SDK and the HTTP stack log whole requests and responses at
//! that level (signed headers, session tokens, MFA codes, keys in bodies).

use tracing::Level;
use tracing_subscriber::filter::{EnvFilter, FilterExt, filter_fn};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, fmt};

use crate::service::AppError;

/// The environment variable that takes directives.
pub const ENV: &str = "ROLECALL_LOG";

/// The directives for `-v` (1) and `-vv` (2 or more).
fn for_verbosity(v: u8) -> Option<&'static str> {
    match v {
        0 => None,
        1 => Some("warn,rolecall=debug"),
        _ => Some("info,rolecall=trace,aws_config=debug,aws_smithy_runtime=debug"),
    }
}

/// True for events the log may carry: anything rolecall writes (it writes
/// no secrets), and other crates' events up to DEBUG.
fn safe(meta: &tracing::Metadata<'_>) -> bool {
    *meta.level() < Level::TRACE || meta.target() == "rolecall" || meta.target().starts_with("rolecall::")
}

/// The directive string in effect: `ROLECALL_LOG` when set, else the verbosity's.
pub fn directives(env: Option<String>, verbose: u8) -> Option<String> {
    env.filter(|d| !d.trim().is_empty()).or_else(|| for_verbosity(verbose).map(str::to_owned))
}

/// The environment variable that sends the log to a file (appended, 0600) instead of stderr.
pub const FILE_ENV: &str = "ROLECALL_LOG_FILE";

/// Starts logging when `-v` was given or `ROLECALL_LOG` is set: to
/// `ROLECALL_LOG_FILE` when set, else stderr. `tui` says the command draws
/// the picker on stderr: then a log there would write over it, so it must go
/// to a file (or stderr must not be a terminal). A directive string that does
/// not parse, or a log file that cannot be opened, is a usage error naming it.
pub fn init(verbose: u8, tui: bool) -> Result<(), AppError> {
    let Some(directives) = directives(std::env::var(ENV).ok(), verbose) else { return Ok(()) };
    let filter = EnvFilter::builder()
        .parse(&directives)
        .map_err(|e| AppError::usage(format!("{ENV} '{}': {e}", crate::text::clean(&directives))))?;
    match std::env::var_os(FILE_ENV).filter(|v| !v.is_empty()) {
        Some(path) => {
            let path = std::path::PathBuf::from(path);
            let file = crate::paths::append_private(&path)
                .map_err(|e| AppError::usage(format!("{FILE_ENV} '{}': {e}", path.display())))?;
            install(filter, std::sync::Mutex::new(file));
        }
        None if tui && std::io::IsTerminal::is_terminal(&std::io::stderr()) => {
            return Err(AppError::usage(format!(
                "the picker draws on stderr, where the log would go: set {FILE_ENV}=PATH to log to a file"
            )));
        }
        None => install(filter, std::io::stderr),
    }
    Ok(())
}

fn install<W>(filter: EnvFilter, writer: W)
where
    W: for<'a> fmt::MakeWriter<'a> + Send + Sync + 'static,
{
    let layer =
        fmt::layer().with_writer(writer).with_ansi(false).with_target(true).with_filter(filter.and(filter_fn(safe)));
    // A subscriber set already (a test harness) is not an error.
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_wins_and_nothing_means_off() {
        assert_eq!(directives(None, 0), None);
        assert_eq!(directives(Some("  ".into()), 0), None);
        assert_eq!(directives(None, 1).as_deref(), Some("warn,rolecall=debug"));
        assert!(directives(None, 3).unwrap().contains("rolecall=trace"));
        assert_eq!(directives(Some("rolecall::aws=debug".into()), 2).as_deref(), Some("rolecall::aws=debug"));
    }

    #[test]
    fn other_crates_never_reach_trace() {
        use tracing::callsite::Identifier;
        use tracing::field::FieldSet;
        use tracing::metadata::Kind;
        struct Cs;
        impl tracing::Callsite for Cs {
            fn set_interest(&self, _: tracing::subscriber::Interest) {}
            fn metadata(&self) -> &tracing::Metadata<'_> {
                unreachable!()
            }
        }
        static CS: Cs = Cs;
        let meta = |target: &'static str, level| {
            tracing::Metadata::new(
                "e",
                target,
                level,
                None,
                None,
                None,
                FieldSet::new(&[], Identifier(&CS)),
                Kind::EVENT,
            )
        };
        assert!(safe(&meta("rolecall::aws", Level::TRACE)));
        assert!(safe(&meta("rolecall", Level::TRACE)));
        assert!(safe(&meta("aws_smithy_runtime::client::orchestrator", Level::DEBUG)));
        assert!(!safe(&meta("aws_smithy_runtime::client::orchestrator", Level::TRACE)));
        assert!(!safe(&meta("aws_sigv4::http_request::sign", Level::TRACE)));
        assert!(!safe(&meta("hyper_util::client", Level::TRACE)));
        assert!(!safe(&meta("rolecallx", Level::TRACE)));
    }
}
