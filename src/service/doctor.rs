//! `rolecall doctor`: checks what rolecall depends on and says, for each,
//! what is wrong and how to fix it. Every check runs even when an earlier one
//! failed; every call that leaves the process has a timeout.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use aws_types::os_shim_internal::Env;
use serde::Serialize;

use super::cache::blocking;
use crate::aws::AwsFailure;
use crate::broker::sts::SdkConnector;
use crate::broker::sts::StsConnector;
use crate::broker::{BrokerError, base};
use crate::config::settings::StoreKind;
use crate::config::{AwsConfig, Base, Settings};
use crate::limits::FALLBACK_REGION;
use crate::paths;

/// How a check came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// All is well.
    Ok,
    /// Works, but worth knowing (does not fail the run).
    Warn,
    /// Broken: `doctor` exits 1.
    Fail,
    /// A setting in effect, for the record.
    Info,
}

/// One line of the report.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    /// What was checked (`aws files`, `base credentials`…).
    pub check: &'static str,
    /// How it came out.
    pub status: Status,
    /// What was found.
    pub detail: String,
    /// What to do about it, when something is wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Check {
    fn new(check: &'static str, status: Status, detail: impl Into<String>) -> Self {
        // One line each: a message's own lines are joined.
        let detail = detail.into().lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("; ");
        Self { check, status, detail: crate::text::clean(&detail).into_owned(), fix: None }
    }

    fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(crate::text::clean(&fix.into()).into_owned());
        self
    }
}

/// Clock skew AWS tolerates in a signature is five minutes; warn well before.
const SKEW_WARN: Duration = Duration::from_secs(60);
const SKEW_FAIL: Duration = Duration::from_secs(240);

/// Runs every check.
pub async fn run(settings_flag: Option<&Path>) -> Vec<Check> {
    let env = Env::real();
    let mut out = vec![Check::new("version", Status::Info, format!("rolecall {}", env!("CARGO_PKG_VERSION")))];
    let settings = match Settings::load(settings_flag) {
        Ok(s) => {
            out.push(Check::new("settings", Status::Ok, "the settings file parses (or there is none)"));
            s
        }
        Err(e) => {
            out.push(Check::new("settings", Status::Fail, e.to_string()).fix("correct the line the message names"));
            Settings::default()
        }
    };
    let aws = match AwsConfig::load(&env).await {
        Ok(aws) => {
            let n = aws.profile_names().len();
            out.push(Check::new(
                "aws files",
                Status::Ok,
                format!(
                    "'{}' and '{}' parse: {n} profile(s)",
                    aws.files.config.display(),
                    aws.files.credentials.display()
                ),
            ));
            Some(aws)
        }
        Err(e) => {
            out.push(
                Check::new("aws files", Status::Fail, e.to_string()).fix("correct the file and line the message names"),
            );
            None
        }
    };
    if let Some(aws) = &aws {
        out.extend(credentials(aws, &env, &settings).await);
    }
    out.push(keyring(&settings).await);
    out.extend(endpoints());
    out.push(cache_dir());
    out.push(vault_dir());
    out.push(shell(&env));
    out
}

/// The profiles' definitions, each base's answer to `GetCallerIdentity`, and
/// the clock against STS's `Date` header.
async fn credentials(aws: &AwsConfig, env: &Env, settings: &Settings) -> Vec<Check> {
    let mut out = Vec::new();
    let mut bases: BTreeMap<String, Base> = BTreeMap::new();
    let mut broken = 0;
    for name in aws.profile_names() {
        match aws.chain(name) {
            Ok(chain) => {
                if let Base::StaticKeys { profile, .. } | Base::CredentialProcess { profile, .. } = &chain.base {
                    bases.entry(profile.clone()).or_insert(chain.base.clone());
                }
            }
            Err(e) => {
                broken += 1;
                out.push(
                    Check::new("profiles", Status::Fail, e.to_string()).fix("correct the profile the message names"),
                );
            }
        }
    }
    if broken == 0 {
        out.push(Check::new("profiles", Status::Ok, "every profile resolves to a source of credentials"));
    }
    if bases.is_empty() {
        out.push(Check::new("base credentials", Status::Info, "no profile holds keys or a credential_process"));
    }
    let d = &settings.defaults;
    let timeouts = crate::aws::Timeouts::from_settings(d);
    // Every base at once: a slow or unreachable one does not hold up the rest.
    let probes = bases.iter().map(|(profile, base)| probe_base(aws, env, settings, timeouts, profile, base));
    let mut clock = None;
    for (check, seen) in futures_util::future::join_all(probes).await {
        clock = clock.or(seen);
        out.push(check);
    }
    out.push(match clock {
        None => Check::new("clock", Status::Info, "not checked: no answer from STS"),
        Some((server, local)) => {
            let (skew, ahead) = match local.duration_since(server) {
                Ok(d) => (d, "ahead of"),
                Err(e) => (e.duration(), "behind"),
            };
            let text = format!("the local clock is {} s {ahead} STS's", skew.as_secs());
            let fix = "synchronise the clock (e.g. 'timedatectl set-ntp true'); AWS refuses signatures more than 5 minutes off";
            if skew >= SKEW_FAIL {
                Check::new("clock", Status::Fail, text).fix(fix)
            } else if skew >= SKEW_WARN {
                Check::new("clock", Status::Warn, text).fix(fix)
            } else {
                Check::new("clock", Status::Ok, text)
            }
        }
    });
    out
}

/// One base profile's credentials and their answer to `GetCallerIdentity`,
/// with the server's clock when STS answered.
async fn probe_base(
    aws: &AwsConfig,
    env: &Env,
    settings: &Settings,
    timeouts: crate::aws::Timeouts,
    profile: &str,
    base: &Base,
) -> (Check, Option<(std::time::SystemTime, std::time::SystemTime)>) {
    let d = &settings.defaults;
    let region = aws
        .get(profile, "region")
        .map(|(r, _)| r.to_owned())
        .or_else(|| aws.env_region().map(str::to_owned))
        .or_else(|| d.region.clone())
        .unwrap_or_else(|| FALLBACK_REGION.to_owned());
    let desc = base::describe(base);
    let creds = match base::resolve(base, env, d.process_timeout).await {
        Ok(c) => c,
        Err(e) => {
            let check = Check::new("base credentials", Status::Fail, e.to_string())
                .fix(format!("fix the credential_process of profile '{profile}' so that it prints credentials"));
            return (check, None);
        }
    };
    let connector = SdkConnector::new(aws, env, Some(profile), &region, timeouts);
    let (answer, seen) = connector.probe(&creds).await;
    let check = match answer {
        Ok(id) => Check::new("base credentials", Status::Ok, format!("{desc}: {}", id.arn)),
        Err(AwsFailure::BadCredentials { code, message }) => {
            let err = BrokerError::BadCredentials { source_desc: desc.clone(), code, message };
            Check::new("base credentials", Status::Fail, err.to_string())
                .fix(format!("check or rotate the keys of profile '{profile}' in '{}'", key_file(aws, profile)))
        }
        Err(f) => {
            let endpoint = connector.endpoint();
            Check::new("base credentials", Status::Fail, format!("{desc}: {}", failure_text(&f, &endpoint)))
                .fix(format!("check the network, the endpoint '{endpoint}' and the proxy settings below"))
        }
    };
    (check, seen)
}

fn key_file(aws: &AwsConfig, profile: &str) -> String {
    aws.file_of(profile, "aws_access_key_id").display().to_string()
}

fn failure_text(f: &AwsFailure, endpoint: &str) -> String {
    match f {
        AwsFailure::Network(detail) => format!("cannot reach '{endpoint}': {detail}"),
        AwsFailure::Server(detail) => format!("'{endpoint}' answered with a server error: {detail}"),
        AwsFailure::Denied(message) => format!("GetCallerIdentity was refused (AccessDenied): {message}"),
        AwsFailure::BadCredentials { code, message } | AwsFailure::Other { code, message } => {
            format!("GetCallerIdentity failed ({code}): {message}")
        }
        AwsFailure::Validation(message) => format!("GetCallerIdentity was invalid: {message}"),
    }
}

/// The configured keyring and the vault: a throwaway record sealed, opened
/// and removed, and the vault key read from the keyring itself.
async fn keyring(settings: &Settings) -> Check {
    let kind = settings.defaults.store;
    if kind == StoreKind::None {
        return Check::new("keyring", Status::Info, "store = \"none\": sessions are not kept between runs");
    }
    let key_cache = settings.defaults.key_cache_timeout;
    let probe = blocking(move || {
        // A record sealed, opened and removed; then the keyring itself, which must hold the key
        // (a key served from the kernel keyring's copy alone would hide a keyring that fails).
        let vault = crate::store::open_vault(kind, key_cache).without_migration();
        let key = "doctor/probe";
        crate::store::SecretStore::set(&vault, key, "rolecall doctor")?;
        let back = crate::store::SecretStore::get(&vault, key)?;
        vault.remove(key)?;
        let keyring = vault.keyring()?;
        let holds_key = keyring.get(vault.entry())?.is_some();
        Ok((keyring.name(), back.as_deref() == Some("rolecall doctor") && holds_key))
    });
    match tokio::time::timeout(settings.defaults.process_timeout, probe).await {
        Ok(Ok((name, true))) => Check::new("keyring", Status::Ok, format!("{name}: reachable, unlocked, writable")),
        Ok(Ok((name, false))) => Check::new(
            "keyring",
            Status::Fail,
            format!("{name}: a record sealed was not read back, or the keyring does not hold the vault key"),
        )
        .fix("choose another store in the settings ('store = ...')"),
        Ok(Err(e)) => Check::new("keyring", Status::Fail, e.to_string())
            .fix("unlock the keyring, or choose another store in the settings ('store = ...')"),
        Err(_) => Check::new(
            "keyring",
            Status::Fail,
            format!(
                "no answer within {} s (a keyring waiting for a password?)",
                settings.defaults.process_timeout.as_secs()
            ),
        )
        .fix("unlock the keyring, or choose another store in the settings ('store = ...')"),
    }
}

/// `scheme://host[:port]/path` of a proxy URL: no user name or password.
/// Everything up to the last `@` goes, so a password with `/`, `?` or `#` in
/// it (written unescaped, as people do) cannot slip through as a "path".
pub fn without_credentials(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    let rest = crate::text::clean(rest);
    match scheme {
        Some(scheme) => format!("{}://{rest}", crate::text::clean(scheme)),
        None => rest.into_owned(),
    }
}

/// Endpoint overrides and proxies in the environment.
fn endpoints() -> Vec<Check> {
    // vars_os: a variable that is not UTF-8 must not panic the doctor.
    let vars: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.to_string_lossy().into_owned())))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let endpoint: Vec<String> = vars
        .iter()
        .filter(|(k, _)| {
            k.starts_with("AWS_ENDPOINT_URL") || k == "AWS_USE_FIPS_ENDPOINT" || k == "AWS_USE_DUALSTACK_ENDPOINT"
        })
        .map(|(k, v)| format!("{k}={}", without_credentials(v)))
        .collect();
    let proxy: Vec<String> = vars
        .iter()
        .filter(|(k, _)| {
            matches!(k.to_ascii_uppercase().as_str(), "HTTPS_PROXY" | "HTTP_PROXY" | "ALL_PROXY" | "NO_PROXY")
        })
        .map(|(k, v)| {
            if k.eq_ignore_ascii_case("NO_PROXY") {
                format!("{k}={}", crate::text::clean(v))
            } else {
                format!("{k}={}", without_credentials(v))
            }
        })
        .collect();
    let list = |v: &[String], none: &str| if v.is_empty() { none.to_owned() } else { v.join(" ") };
    vec![
        Check::new(
            "endpoints",
            Status::Info,
            list(&endpoint, "no AWS_ENDPOINT_URL* set: AWS's own endpoints (profiles may set endpoint_url)"),
        ),
        Check::new("proxy", Status::Info, list(&proxy, "no proxy variables set: direct connections")),
    ]
}

/// The cache dir: the user's, 0700, files 0600.
fn cache_dir() -> Check {
    private_dir("cache dir", &paths::cache_dir(), "ROLECALL_CACHE_DIR")
}

/// The vault's records: the user's, 0700, files 0600.
fn vault_dir() -> Check {
    private_dir("vault dir", &paths::vault_dir(), "ROLECALL_DATA_DIR")
}

fn private_dir(name: &'static str, dir: &Path, var: &str) -> Check {
    let problems = paths::privacy_problems(dir);
    if problems.is_empty() {
        let what = if dir.exists() { "private (0700, files 0600, yours)" } else { "not created yet" };
        return Check::new(name, Status::Ok, format!("'{}': {what}", dir.display()));
    }
    let d = dir.display();
    Check::new(name, Status::Fail, problems.join("; ")).fix(format!(
        "chmod 700 '{d}' && find '{d}' -type f -exec chmod 600 {{}} + (or set {var} to a directory of yours)"
    ))
}

/// Whether the shell's start-up file evaluates `rolecall shell-init` (best effort).
fn shell(env: &Env) -> Check {
    let shell = env.get("SHELL").unwrap_or_default();
    let name = Path::new(&shell).file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
    let home = env.get("HOME").ok().map(std::path::PathBuf::from).or_else(dirs::home_dir).unwrap_or_default();
    let (file, line) = match name.as_str() {
        "bash" => (home.join(".bashrc"), "eval \"$(rolecall shell-init bash)\""),
        "zsh" => {
            let dir = env.get("ZDOTDIR").ok().map(std::path::PathBuf::from).unwrap_or_else(|| home.clone());
            (dir.join(".zshrc"), "eval \"$(rolecall shell-init zsh)\"")
        }
        "fish" => (home.join(".config/fish/config.fish"), "rolecall shell-init fish | source"),
        _ => return Check::new("shell", Status::Info, format!("shell '{name}': not checked")),
    };
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    if text.lines().any(|l| !l.trim_start().starts_with('#') && l.contains("rolecall shell-init")) {
        Check::new("shell", Status::Ok, format!("'{}' sets up 'rc'", file.display()))
    } else {
        Check::new("shell", Status::Warn, format!("'{}' does not run 'rolecall shell-init'", file.display()))
            .fix(format!("add this line to '{}': {line}", file.display()))
    }
}

/// True when no check failed.
pub fn passed(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.status != Status::Fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_urls_lose_their_credentials() {
        let cases = [
            ("http://user:secret@proxy.corp:3128", "http://proxy.corp:3128"),
            ("http://proxy.corp:3128/", "http://proxy.corp:3128/"),
            ("user:secret@proxy.corp:3128", "proxy.corp:3128"),
            ("https://a@b@proxy/x", "https://proxy/x"),
            // Unescaped '/', '?' and '#' in a password are still the password.
            ("http://user:pa/ss@proxy:3128", "http://proxy:3128"),
            ("http://user:p?w#d@proxy:3128", "http://proxy:3128"),
        ];
        for (url, want) in cases {
            assert_eq!(without_credentials(url), want, "{url}");
        }
    }

    #[test]
    fn one_failure_fails_the_run() {
        let ok = Check::new("a", Status::Ok, "x");
        let warn = Check::new("b", Status::Warn, "x");
        assert!(passed(&[ok.clone(), warn.clone()]));
        assert!(!passed(&[ok, warn, Check::new("c", Status::Fail, "x")]));
    }
}
