//! A bounded fuzz of the AWS config reader and the planner (stable Rust, so
//! proptest rather than cargo-fuzz): random but plausible `config` and
//! `credentials` files (known keys with good and bad values, `source_profile`
//! chains and cycles, SSO sections, garbage lines, CRLF, any Unicode, now and
//! then a byte that is not UTF-8) must load and plan every profile without a
//! panic, and every error must name a file.
//!
//! 256 cases by default (a few seconds); `PROPTEST_CASES=100000` runs longer.
//! A failure prints the smallest input found: make it a case in
//! `tests/fixtures/bad-config/` before fixing it.

use std::path::Path;

use aws_types::os_shim_internal::Env;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use rolecall::broker::plan::{self, Overrides};
use rolecall::config::{AwsConfig, Settings};

/// Profile names: few, so that `source_profile` often forms chains and cycles.
const NAMES: &[&str] = &["default", "a", "b", "hub", "sso", "ü", "x y", ""];

fn name() -> impl Strategy<Value = String> {
    prop::sample::select(NAMES).prop_map(str::to_owned)
}

/// Any short text, control characters and all (but no line breaks: [`file`] makes those).
fn junk() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>().prop_filter("one line", |c| *c != '\n'), 0..16)
        .prop_map(|cs| cs.into_iter().collect())
}

fn pick(values: &'static [&'static str]) -> BoxedStrategy<String> {
    prop_oneof![8 => prop::sample::select(values).prop_map(str::to_owned), 1 => junk()].boxed()
}

/// A role ARN: usually a good one (in several partitions), sometimes not.
fn arn() -> BoxedStrategy<String> {
    let good: &[&str] = &[
        "arn:aws:iam::222222222222:role/ReadOnly",
        "arn:aws-eusc:iam::333333333333:role/team/Dev",
        "arn:aws-cn:iam::444444444444:role/a.b@c",
    ];
    let bad: &[&str] = &[
        "arn:aws:iam::2222:role/Short",
        "arn:aws:iam::222222222222:user/NotARole",
        "arn:aws:sts::222222222222:role/R",
    ];
    prop_oneof![
        8 => prop::sample::select(good).prop_map(str::to_owned),
        1 => prop::sample::select(bad).prop_map(str::to_owned),
        1 => junk(),
    ]
    .boxed()
}

/// One or more `key = value` lines: a single key rolecall or the SDKs read
/// (with a value that is often valid), or a group a working profile has, so
/// that chains (and cycles) get planned and not only refused.
fn property() -> impl Strategy<Value = String> {
    let keys: Vec<(&str, BoxedStrategy<String>)> = vec![
        ("role_arn", arn()),
        ("source_profile", name().boxed()),
        ("credential_source", pick(&["Environment", "Ec2InstanceMetadata", "EcsContainer", "Lambda"])),
        ("duration_seconds", pick(&["900", "3600", "43200", "899", "43201", "0", "-1", "1h", "99999999999"])),
        ("mfa_serial", pick(&["arn:aws:iam::111111111111:mfa/me", "GAHT12345678"])),
        ("mfa_process", pick(&["/usr/bin/false", "echo 123456"])),
        ("aws_access_key_id", pick(&["AKIAEXAMPLEEXAMPLE00", "ASIAEXAMPLEEXAMPLE00"])),
        ("aws_secret_access_key", pick(&["example"])),
        ("aws_session_token", pick(&["token"])),
        ("credential_process", pick(&["/usr/bin/false", "/nonexistent/cmd --flag"])),
        ("sso_session", pick(&["corp", "missing"])),
        ("sso_account_id", pick(&["222222222222"])),
        ("sso_role_name", pick(&["Dev"])),
        ("sso_start_url", pick(&["https://corp.awsapps.com/start"])),
        ("sso_region", pick(&["eu-west-1"])),
        ("web_identity_token_file", pick(&["/var/run/token"])),
        ("region", pick(&["eu-west-1", "cn-north-1", ""])),
        ("external_id", pick(&["ext-1234", "x"])),
        ("role_session_name", pick(&["alice", "a", "has space"])),
        ("rolecall_source_identity", pick(&["alice", "a"])),
        ("rolecall_tags", pick(&["team=a,env=prod", "novalue", "=x"])),
        ("rolecall_transitive_tags", pick(&["team", "other"])),
        ("rolecall_policy_arns", pick(&["arn:aws:iam::aws:policy/ReadOnlyAccess", "not-an-arn"])),
        ("rolecall_policy_file", pick(&["/nonexistent/policy.json"])),
        ("endpoint_url", pick(&["http://127.0.0.1:9"])),
        ("services", pick(&["local", "missing"])),
    ];
    let keyed = prop::strategy::Union::new(keys.into_iter().map(|(k, v)| v.prop_map(move |v| format!("{k} = {v}"))));
    let keys = Just("aws_access_key_id = AKIAEXAMPLEEXAMPLE00\naws_secret_access_key = example".to_owned());
    let role = (arn(), name()).prop_map(|(arn, source)| format!("role_arn = {arn}\nsource_profile = {source}"));
    let named_source = (arn(), pick(&["Environment", "Ec2InstanceMetadata", "EcsContainer"]))
        .prop_map(|(arn, source)| format!("role_arn = {arn}\ncredential_source = {source}"));
    let sso = Just("sso_session = corp\nsso_account_id = 222222222222\nsso_role_name = Dev".to_owned());
    prop_oneof![
        6 => keyed,
        6 => role,
        3 => keys,
        1 => named_source,
        1 => sso,
        1 => (junk(), junk()).prop_map(|(k, v)| format!("{k} = {v}")),
    ]
}

/// A line inside a section: mostly a property; comments and value
/// continuations now and then, and, in a messy file, something else entirely.
fn entry(messy: bool) -> BoxedStrategy<String> {
    let garbage = if messy { 2 } else { 0 };
    prop_oneof![
        24 => property(),
        1 => junk().prop_map(|j| format!("# {j}")),
        1 => junk().prop_map(|j| format!("  {j}")),
        1 => Just(String::new()),
        garbage => junk(),
        garbage => junk().prop_map(|j| format!("[{j}]")),
    ]
    .boxed()
}

/// A section header: a profile in the config file's or the credentials
/// file's spelling, an sso-session or a services section.
fn header(config_file: bool) -> impl Strategy<Value = String> {
    let profile = name().prop_map(move |n| match (config_file, n.as_str()) {
        (true, "default") => "[default]".to_owned(),
        (true, _) => format!("[profile {n}]"),
        (false, _) => format!("[{n}]"),
    });
    prop_oneof![
        12 => profile,
        1 => name().prop_map(|n| format!("[{n}]")),
        1 => Just("[sso-session corp]".to_owned()),
        1 => Just("[services local]\nsts =\n  endpoint_url = http://127.0.0.1:9".to_owned()),
    ]
}

/// A whole file of sections, with `\n` or `\r\n` line endings; one in five is messy.
fn file(config_file: bool) -> impl Strategy<Value = String> {
    let messy = prop::bool::weighted(0.2);
    let eol = prop_oneof![Just("\n"), Just("\r\n")];
    (messy, eol)
        .prop_flat_map(move |(messy, eol)| {
            let section = (header(config_file), prop::collection::vec(entry(messy), 0..8));
            (prop::collection::vec(section, 0..6), Just(eol))
        })
        .prop_map(|(sections, eol)| {
            let mut text = String::new();
            for (header, entries) in sections {
                for line in std::iter::once(header).chain(entries) {
                    text.push_str(&line.replace('\n', eol));
                    text.push_str(eol);
                }
            }
            text
        })
}

/// A file's bytes: now and then with a byte that is not UTF-8 somewhere (Latin-1 text, a stray binary).
fn bytes(config_file: bool) -> impl Strategy<Value = Vec<u8>> {
    let stray = prop::option::weighted(0.05, (any::<prop::sample::Index>(), 0x80u8..=0xff));
    (file(config_file), stray).prop_map(|(text, stray)| {
        let mut bytes = text.into_bytes();
        if let Some((at, byte)) = stray {
            bytes.insert(at.index(bytes.len() + 1), byte);
        }
        bytes
    })
}

/// Loads both files and plans every profile; returns what broke the rules.
fn check(rt: &tokio::runtime::Runtime, dir: &Path, config: &[u8], credentials: &[u8]) -> Result<(), String> {
    let (cfg, creds) = (dir.join("config"), dir.join("credentials"));
    std::fs::write(&cfg, config).map_err(|e| e.to_string())?;
    std::fs::write(&creds, credentials).map_err(|e| e.to_string())?;
    let (c, k, h) = (cfg.display().to_string(), creds.display().to_string(), dir.display().to_string());
    let env = Env::from_slice(&[("AWS_CONFIG_FILE", &c), ("AWS_SHARED_CREDENTIALS_FILE", &k), ("HOME", &h)]);
    let names_a_file = |what: &str, message: String| {
        if message.contains(&c) || message.contains(&k) {
            Ok(())
        } else {
            Err(format!("{what}: the error names no file: {message}"))
        }
    };
    let aws = match rt.block_on(AwsConfig::load(&env)) {
        Ok(aws) => aws,
        Err(e) => return names_a_file("load", e.to_string()),
    };
    let _ = aws.conflicting_keys();
    let settings = Settings::default();
    for name in aws.profile_names() {
        if let Ok(def) = aws.profile(name) {
            let _ = def.kind();
        }
        match plan::build(name, &aws, &settings, &Overrides::default()) {
            Ok(plan) => {
                let _ = (plan.describe_chain(), plan.needs_mfa());
            }
            Err(e) => names_a_file(&format!("plan '{name}'"), e.to_string())?,
        }
    }
    Ok(())
}

#[test]
fn loading_and_planning_random_configs_never_panics_and_errors_name_a_file() {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256);
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut runner = TestRunner::new(config);
    let result = runner.run(&(bytes(true), bytes(false)), |(config, credentials)| {
        check(&rt, dir.path(), &config, &credentials).map_err(TestCaseError::fail)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
