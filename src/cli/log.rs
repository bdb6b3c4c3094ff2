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

/// Starts logging to stderr when `-v` was given or `ROLECALL_LOG` is set; a
/// directive string that does not parse is a usage error naming it.
pub fn init(verbose: u8) -> Result<(), AppError> {
    let Some(directives) = directives(std::env::var(ENV).ok(), verbose) else { return Ok(()) };
    let filter = EnvFilter::builder()
        .parse(&directives)
        .map_err(|e| AppError::usage(format!("{ENV} '{}': {e}", crate::text::clean(&directives))))?;
    let layer = fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(true)
        .with_filter(filter.and(filter_fn(safe)));
    // A subscriber set already (a test harness) is not an error.
    let _ = tracing_subscriber::registry().with(layer).try_init();
    Ok(())
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
