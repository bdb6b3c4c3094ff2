//! Tests of reading the AWS files: precedence, chains, encodings.

use super::*;

#[tokio::test]
async fn missing_files_are_empty() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config");
    std::fs::write(&cfg, "[profile only]\nregion = eu-west-1\n").unwrap();
    let absent = dir.path().join("absent").display().to_string();
    let c = cfg.display().to_string();
    let env = Env::from_slice(&[("AWS_CONFIG_FILE", &c), ("AWS_SHARED_CREDENTIALS_FILE", &absent)]);
    let aws = AwsConfig::load(&env).await.unwrap();
    assert_eq!(aws.profile_names(), vec!["only"]);
    let env = Env::from_slice(&[("AWS_CONFIG_FILE", &absent), ("AWS_SHARED_CREDENTIALS_FILE", &absent)]);
    assert!(AwsConfig::load(&env).await.unwrap().profile_names().is_empty());
}

#[tokio::test]
async fn a_file_that_is_not_utf8_is_an_error_naming_file_offset_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let (cfg, creds) = (dir.path().join("config"), dir.path().join("credentials"));
    std::fs::write(&cfg, b"[profile a]\nregion = eu-west-1\n# caf\xc3\n").unwrap();
    std::fs::write(&creds, "").unwrap();
    let (c, k) = (cfg.display().to_string(), creds.display().to_string());
    let env = Env::from_slice(&[("AWS_CONFIG_FILE", &c), ("AWS_SHARED_CREDENTIALS_FILE", &k)]);
    let err = AwsConfig::load(&env).await.unwrap_err().to_string();
    assert_eq!(err, format!("cannot read '{c}': byte 0xc3 at offset 36 (line 3) is not UTF-8; save the file as UTF-8"));
}

fn chain_text(chain: &Chain) -> String {
    let mut parts = vec![chain.base.describe()];
    parts.extend(chain.roles.iter().map(|r| r.name.clone()));
    parts.join(" -> ")
}

/// A profile that sets more than one kind of credentials: the kind listed
/// and the chain planned must both follow the AWS CLI (botocore): role_arn
/// (without web_identity_token_file), web identity, SSO (sso_account_id or
/// sso_role_name), keys in the credentials file, credential_process, keys
/// in the config file; a source profile with keys is read without its role.
#[tokio::test]
async fn kind_and_chain_come_from_one_decision_in_the_aws_cli_order() {
    const KEYS: &str = "aws_access_key_id = AKIAEXAMPLEEXAMPLE01\naws_secret_access_key = example\n";
    const SSO: &str = "sso_session = corp\nsso_account_id = 222222222222\nsso_role_name = Dev\n";
    const SESSION: &str =
        "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n";
    const ROLE: &str = "role_arn = arn:aws:iam::333333333333:role/R\n";
    const TOKEN: &str = "web_identity_token_file = /var/run/token\n";
    const PROCESS: &str = "credential_process = /usr/bin/false\n";
    let hub = format!("[hub]\n{KEYS}");
    // (what, config, credentials, target, kind, chain)
    let cases: Vec<(&str, String, String, &str, ProfileKind, &str)> = vec![
        (
            "item 22: config keys + process",
            format!("[profile p]\n{KEYS}{PROCESS}"),
            String::new(),
            "p",
            ProfileKind::CredentialProcess,
            "p (credential_process)",
        ),
        (
            "credentials-file keys beat process",
            format!("[profile p]\n{PROCESS}"),
            format!("[p]\n{KEYS}"),
            "p",
            ProfileKind::StaticKeys,
            "p (keys)",
        ),
        (
            "item 23: SSO + keys",
            format!("[profile p]\n{SSO}{KEYS}{SESSION}"),
            String::new(),
            "p",
            ProfileKind::Sso,
            "p (sso)",
        ),
        (
            "SSO + keys in the credentials file",
            format!("[profile p]\n{SSO}{SESSION}"),
            format!("[p]\n{KEYS}"),
            "p",
            ProfileKind::Sso,
            "p (sso)",
        ),
        (
            "sso_session alone gives no credentials",
            format!("[profile p]\nsso_session = corp\n{KEYS}{SESSION}"),
            String::new(),
            "p",
            ProfileKind::StaticKeys,
            "p (keys)",
        ),
        (
            "SSO + process",
            format!("[profile p]\n{SSO}{PROCESS}{SESSION}"),
            String::new(),
            "p",
            ProfileKind::Sso,
            "p (sso)",
        ),
        (
            "item 24: web identity ignores source_profile",
            format!("[profile p]\n{ROLE}{TOKEN}source_profile = hub\n"),
            hub.clone(),
            "p",
            ProfileKind::WebIdentity,
            "p (web identity)",
        ),
        (
            "web identity ignores credential_source",
            format!("[profile p]\n{ROLE}{TOKEN}credential_source = Environment\n"),
            String::new(),
            "p",
            ProfileKind::WebIdentity,
            "p (web identity)",
        ),
        (
            "web identity beats keys",
            format!("[profile p]\n{ROLE}{TOKEN}{KEYS}"),
            String::new(),
            "p",
            ProfileKind::WebIdentity,
            "p (web identity)",
        ),
        (
            "a role beats keys on the target",
            format!("[profile p]\n{ROLE}source_profile = hub\n{KEYS}"),
            hub.clone(),
            "p",
            ProfileKind::Role,
            "hub (keys) -> p",
        ),
        (
            "a source with keys is read without its role",
            format!("[profile s]\n{ROLE}source_profile = hub\n{KEYS}[profile p]\n{ROLE}source_profile = s\n"),
            hub.clone(),
            "p",
            ProfileKind::Role,
            "s (keys) -> p",
        ),
        (
            "a source with SSO + keys uses SSO",
            format!("[profile s]\n{SSO}{KEYS}{SESSION}[profile p]\n{ROLE}source_profile = s\n"),
            String::new(),
            "p",
            ProfileKind::Role,
            "s (sso) -> p",
        ),
        (
            "a source with config keys + process runs it",
            format!("[profile s]\n{KEYS}{PROCESS}[profile p]\n{ROLE}source_profile = s\n"),
            String::new(),
            "p",
            ProfileKind::Role,
            "s (credential_process) -> p",
        ),
        (
            "a source with a role, keys and process runs it",
            format!("[profile s]\n{ROLE}source_profile = hub\n{KEYS}{PROCESS}[profile p]\n{ROLE}source_profile = s\n"),
            hub.clone(),
            "p",
            ProfileKind::Role,
            "s (credential_process) -> p",
        ),
        (
            "a source with web identity",
            format!("[profile s]\n{ROLE}{TOKEN}source_profile = hub\n[profile p]\n{ROLE}source_profile = s\n"),
            hub.clone(),
            "p",
            ProfileKind::Role,
            "s (web identity) -> p",
        ),
        (
            "its own source with keys",
            format!("[profile p]\n{ROLE}source_profile = p\n{KEYS}"),
            String::new(),
            "p",
            ProfileKind::Role,
            "p (keys) -> p",
        ),
        (
            "its own source with keys and process",
            format!("[profile p]\n{ROLE}source_profile = p\n{KEYS}{PROCESS}"),
            String::new(),
            "p",
            ProfileKind::Role,
            "p (credential_process) -> p",
        ),
    ];
    let mut failures = Vec::new();
    for (what, config, credentials, target, kind, chain) in cases {
        let (_dir, aws) = from_text(&config, &credentials, &[]).await;
        let def = aws.profile(target).unwrap_or_else(|e| panic!("{what}: {e}"));
        let got = aws.chain(target).unwrap_or_else(|e| panic!("{what}: {e}"));
        if (def.kind(), chain_text(&got).as_str()) != (kind, chain) {
            failures.push(format!("{what}: got {:?} '{}', want {kind:?} '{chain}'", def.kind(), chain_text(&got)));
        }
        // Keys the AWS CLI never reads are not handed to anyone reading the profile.
        if !matches!(kind, ProfileKind::StaticKeys | ProfileKind::Role) && def.static_keys.is_some() {
            failures.push(format!("{what}: keys the AWS CLI never reads are kept"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn web_identity_needs_role_arn() {
    let (_dir, aws) = from_text("[profile p]\nweb_identity_token_file = /t\n", "", &[]).await;
    let err = aws.chain("p").unwrap_err().to_string();
    assert!(err.contains("web_identity_token_file is set but 'role_arn' is missing"), "{err}");
    assert!(err.contains("config"), "{err}");
}

#[test]
fn home_is_expanded() {
    let env = Env::from_slice(&[("HOME", "/home/u"), ("AWS_CONFIG_FILE", "~/cfg")]);
    let files = AwsFiles::from_env(&env);
    assert_eq!(files.config, PathBuf::from("/home/u/cfg"));
    assert_eq!(files.credentials, PathBuf::from("/home/u/.aws/credentials"));
}

#[tokio::test]
async fn a_bad_mfa_on_assume_value_names_the_profile_and_key() {
    let config = "[profile p]\nrole_arn = arn:aws:iam::222222222222:role/R\nsource_profile = hub\nrolecall_mfa_on_assume = yes\n";
    let (_dir, aws) = from_text(config, "[hub]\naws_access_key_id = AKIAX\naws_secret_access_key = s\n", &[]).await;
    let err = aws.profile("p").unwrap_err().to_string();
    assert!(
        err.contains("profile 'p'") && err.contains("rolecall_mfa_on_assume 'yes' is not 'true' or 'false'"),
        "{err}"
    );
}

/// `[sso-session]` sections and the legacy form become a checked `SsoRole`;
/// what is missing or wrong is named with its profile, key and file.
#[tokio::test]
async fn sso_profiles_resolve_their_session_or_say_what_is_wrong() {
    let config = "[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access, extra\n\n\
        [profile new]\nsso_session = acme\nsso_account_id = 111111111111\nsso_role_name = ReadOnly\n\n\
        [profile legacy]\nsso_start_url = https://old.awsapps.com/start\nsso_region = us-east-2\nsso_account_id = 222222222222\nsso_role_name = Admin\n\n\
        [profile chained]\nrole_arn = arn:aws:iam::333333333333:role/R\nsource_profile = new\n\n\
        [profile nosession]\nsso_session = nope\nsso_account_id = 111111111111\nsso_role_name = X\n\n\
        [profile norole]\nsso_session = acme\nsso_account_id = 111111111111\n\n\
        [profile badacct]\nsso_session = acme\nsso_account_id = 12\nsso_role_name = X\n\n\
        [sso-session broken]\nsso_region = eu-west-1\n\n\
        [profile usesbroken]\nsso_session = broken\nsso_account_id = 111111111111\nsso_role_name = X\n";
    let (_dir, aws) = from_text(config, "", &[]).await;
    let new = aws.profile("new").unwrap().sso_role.clone().unwrap();
    assert_eq!(new.session.name.as_deref(), Some("acme"));
    assert_eq!(new.session.scopes, vec!["sso:account:access", "extra"]);
    assert_eq!((new.account_id.as_str(), new.role_name.as_str()), ("111111111111", "ReadOnly"));
    let legacy = aws.profile("legacy").unwrap().sso_role.clone().unwrap();
    assert_eq!((legacy.session.name.as_deref(), legacy.session.id()), (None, "https://old.awsapps.com/start"));
    assert_eq!(legacy.session.region, "us-east-2");
    let chain = aws.chain("chained").unwrap();
    assert!(matches!(&chain.base, Base::Sso { profile: Some(p), role } if p == "new" && role.role_name == "ReadOnly"));
    assert_eq!(chain_text(&chain), "new (sso) -> chained");
    assert_eq!(aws.sso_session_names(), vec!["acme", "broken"]);
    for (profile, want) in [
        ("nosession", "sso_session 'nope' names no [sso-session nope] section"),
        ("norole", "sso_role_name is missing"),
        ("badacct", "sso_account_id '12' is not a 12-digit account id"),
        ("usesbroken", "[sso-session broken]"),
    ] {
        let err = aws.profile(profile).unwrap_err().to_string();
        assert!(err.contains(want) && err.contains(&format!("profile '{profile}'")), "{profile}: {err}");
    }
}

/// `~` in `rolecall_policy_file` is the home of the environment the files were
/// loaded with (as for `AWS_CONFIG_FILE`), not the process's.
#[tokio::test]
async fn the_policy_file_is_read_from_the_home_of_the_injected_env() {
    let config = "[profile p]\nrole_arn = arn:aws:iam::111111111111:role/R\ncredential_source = Environment\n\
                  rolecall_policy_file = ~/policy.json\n";
    let (dir, aws) = from_text(config, "", &[]).await;
    assert_ne!(dirs::home_dir().as_deref(), Some(dir.path()), "the Env's HOME differs from the process's");
    std::fs::write(dir.path().join("policy.json"), r#"{"Version":"2012-10-17"}"#).unwrap();
    let def = aws.profile("p").unwrap();
    assert_eq!(def.policy_file.as_deref(), Some(dir.path().join("policy.json").as_path()));
    assert_eq!(def.policy.as_deref(), Some(r#"{"Version":"2012-10-17"}"#));
}
