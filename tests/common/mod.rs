//! Shared harness for tests against the moto server that `scripts/test` starts.
//!
//! The world (accounts, keys, roles) is described by the JSON file that
//! `scripts/seed_org.py` wrote; its path is in `ROLECALL_TEST_WORLD`. These
//! tests fail, rather than skip, when it is missing: run them through `scripts/test`.

#![allow(dead_code)]

pub mod fake_sts;
pub mod federation;
pub mod sso;

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

/// The seeded organisation.
pub struct World {
    pub json: Value,
}

impl World {
    /// Loads the world named by `var` (`ROLECALL_TEST_WORLD` or `ROLECALL_TEST_AUTH_WORLD`).
    pub fn load(var: &str) -> Self {
        let path = std::env::var(var).unwrap_or_else(|_| {
            panic!("{var} is not set: run the end-to-end tests through scripts/test, which starts moto and seeds it")
        });
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{var}='{path}': {e}"));
        Self { json: serde_json::from_str(&text).expect("world JSON") }
    }

    pub fn main() -> Self {
        Self::load("ROLECALL_TEST_WORLD")
    }

    pub fn s(&self, key: &str) -> String {
        self.json[key].as_str().unwrap_or_else(|| panic!("world has no '{key}'")).to_owned()
    }

    pub fn account(&self, name: &str) -> String {
        self.json["accounts"][name].as_str().unwrap_or_else(|| panic!("no account '{name}'")).to_owned()
    }

    pub fn endpoint(&self) -> String {
        self.s("endpoint")
    }

    pub fn credentials_file(&self) -> String {
        format!(
            "[hub]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            self.s("access_key_id"),
            self.s("secret_access_key")
        )
    }
}

/// The AWS CLI v1 from the test venv.
pub fn aws_cli() -> PathBuf {
    let path = std::env::var("ROLECALL_TEST_AWS_CLI")
        .unwrap_or_else(|_| panic!("ROLECALL_TEST_AWS_CLI is not set: run the tests through scripts/test"));
    PathBuf::from(path)
}

/// A throwaway HOME with an AWS config and credentials file.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new(config: &str, credentials: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join(".aws")).unwrap();
        std::fs::write(dir.path().join(".aws/config"), config).unwrap();
        std::fs::write(dir.path().join(".aws/credentials"), credentials).unwrap();
        std::fs::write(dir.path().join("rolecall.toml"), "# defaults\n").unwrap();
        Self { dir }
    }

    pub fn home(&self) -> &Path {
        self.dir.path()
    }

    pub fn config_path(&self) -> PathBuf {
        self.home().join(".aws/config")
    }

    /// A command with a clean environment: only this sandbox's files and the given endpoint.
    pub fn cmd(&self, program: &Path, endpoint: Option<&str>) -> Command {
        Command::from_std(self.std_cmd(program, endpoint))
    }

    /// [`Sandbox::cmd`] as a plain `std::process::Command` (to spawn several at once).
    pub fn std_cmd(&self, program: &Path, endpoint: Option<&str>) -> std::process::Command {
        let mut cmd = std::process::Command::new(program);
        cmd.env_clear()
            .env("HOME", self.home())
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_CONFIG_FILE", self.config_path())
            .env("AWS_SHARED_CREDENTIALS_FILE", self.home().join(".aws/credentials"))
            .env("ROLECALL_CONFIG", self.home().join("rolecall.toml"))
            .env("USER", "tester")
            .env("ROLECALL_CACHE_DIR", self.home().join("cache"))
            .env("ROLECALL_DATA_DIR", self.home().join("data"))
            // No real AWS: anything not pointed at moto fails to connect.
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .current_dir(self.home());
        if let Some(url) = endpoint {
            cmd.env("AWS_ENDPOINT_URL", url);
        }
        // The keyring the test run provides (scripts/test: a throwaway gnome-keyring and a kernel session keyring).
        if let Ok(bus) = std::env::var("DBUS_SESSION_BUS_ADDRESS") {
            cmd.env("DBUS_SESSION_BUS_ADDRESS", bus);
        }
        cmd
    }

    /// Writes rolecall's settings for this sandbox.
    pub fn settings(&self, toml: &str) {
        std::fs::write(self.home().join("rolecall.toml"), toml).unwrap();
    }

    pub fn rolecall(&self, endpoint: Option<&str>) -> Command {
        self.cmd(&assert_cmd::cargo::cargo_bin("rolecall"), endpoint)
    }

    pub fn rolecall_std(&self, endpoint: Option<&str>) -> std::process::Command {
        self.std_cmd(&assert_cmd::cargo::cargo_bin("rolecall"), endpoint)
    }
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts the command succeeded, showing its output when it did not.
pub fn ok(out: Output, what: &str) -> Output {
    assert!(
        out.status.success(),
        "{what} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        stdout(&out),
        stderr(&out)
    );
    out
}

/// How many requests moto recorded for `action` whose body contains `needle`
/// (the recorder file is `ROLECALL_TEST_MOTO_RECORDING`; bodies are base64).
pub fn moto_requests(action: &str, needle: &str) -> usize {
    moto_bodies(action).iter().filter(|body| body.contains(needle)).count()
}

/// The bodies of the requests for `action` moto recorded, in order
/// (form-encoded: `Action=AssumeRole&…&DurationSeconds=43200&…`).
pub fn moto_bodies(action: &str) -> Vec<String> {
    use base64::Engine;
    let path = std::env::var("ROLECALL_TEST_MOTO_RECORDING")
        .unwrap_or_else(|_| panic!("ROLECALL_TEST_MOTO_RECORDING is not set: run the tests through scripts/test"));
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    text.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter_map(|req| {
            let body = req["body"].as_str()?.to_owned();
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(&body)
                .ok()
                .map(|b| String::from_utf8_lossy(&b).into_owned());
            Some(decoded.unwrap_or(body))
        })
        .filter(|body| body.contains(&format!("Action={action}&")))
        .collect()
}

/// A name no other test uses, for roles and targets whose requests a test counts.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{prefix}{}x{}x{nanos}", std::process::id(), N.fetch_add(1, Ordering::SeqCst))
}

/// The file of vault record `name` in a sandbox's data dir (`<sha-256 of the name, 32 hex>.rec`).
#[allow(dead_code)]
pub fn record_path(home: &Path, name: &str) -> PathBuf {
    use sha2::Digest;
    let hex: String = sha2::Sha256::digest(name.as_bytes()).iter().take(16).map(|b| format!("{b:02x}")).collect();
    home.join("data/vault").join(format!("{hex}.rec"))
}

/// The clear header of vault record `name`, and the rest of its bytes.
#[allow(dead_code)]
pub fn record_header(home: &Path, name: &str) -> (Value, Vec<u8>) {
    let bytes = std::fs::read(record_path(home, name)).unwrap_or_else(|e| panic!("no record '{name}': {e}"));
    let end = bytes.iter().position(|b| *b == b'\n').expect("a header line");
    (serde_json::from_slice(&bytes[..end]).expect("a JSON header"), bytes[end..].to_vec())
}

/// Rewrites the clear header of vault record `name` (its body no longer opens unless the
/// header is unchanged: only what is checked before opening it matters to such a test).
#[allow(dead_code)]
pub fn edit_record_header(home: &Path, name: &str, edit: impl FnOnce(&mut Value)) {
    let (mut header, rest) = record_header(home, name);
    edit(&mut header);
    std::fs::write(record_path(home, name), [header.to_string().as_bytes(), &rest].concat()).unwrap();
}

/// Writes a vault record `name` with header `meta` and a body no key opens.
#[allow(dead_code)]
pub fn write_fake_record(home: &Path, name: &str, meta: Value) {
    let header = serde_json::json!({"v": 1, "name": name, "sealed_by": "0000000000000000", "meta": meta});
    let path = record_path(home, name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, [header.to_string().as_bytes(), b"\n", &[0u8; 48]].concat()).unwrap();
}
