//! The local stand-in for the console federation endpoint
//! (scripts/federation_standin.py), started on a free 127.0.0.1 port and
//! killed when dropped; it logs what it was asked, as JSON lines.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use super::aws_cli;

/// The stand-in, killed when dropped.
pub struct Standin {
    child: Child,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Standin {
    pub fn start(moto: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("federation.log");
        let python = aws_cli().parent().unwrap().join("python");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/federation_standin.py");
        let mut child = Command::new(python)
            .arg(script)
            .args(["--moto", moto, "--log"])
            .arg(&log)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the federation stand-in");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port = line.trim().parse().unwrap_or_else(|_| panic!("stand-in printed '{line}'"));
        Self { child, port, log, _dir: dir }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}/federation", self.port)
    }

    pub fn entries(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }
}

impl Drop for Standin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
