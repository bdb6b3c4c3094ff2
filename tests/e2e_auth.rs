#![cfg(feature = "e2e")]
//! Real refusals from moto with IAM enforcement on (a second server that
//! `scripts/test` starts and seeds, then switches to auth mode).

mod common;

use common::{Sandbox, World, stderr, stdout};

fn world() -> World {
    World::load("ROLECALL_TEST_AUTH_WORLD")
}

#[test]
fn wrong_external_id_gets_the_access_denied_checklist() {
    let w = world();
    let hub = w.s("hub_account");
    let config = format!(
        "[profile partner]\nrole_arn = arn:aws:iam::{hub}:role/Partner\nsource_profile = hub\nexternal_id = not-the-agreed-id\n"
    );
    let sb = Sandbox::new(&config, &w.credentials_file());
    let out = sb.rolecall(Some(&w.endpoint())).args(["export", "partner"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "no credentials on a refusal");
    let role = format!("arn:aws:iam::{hub}:role/Partner");
    let user = w.s("user_arn");
    let expected = format!(
        "rolecall: AccessDenied: sts:AssumeRole on '{role}' was refused for '{user}'.\n\
         Check, in this order:\n\
         \x20 1. Does the role's trust policy trust this caller? Caller: {user}\n\
         \x20 2. Does the trust policy require MFA (aws:MultiFactorAuthPresent)? No MFA code was sent; set 'mfa_serial' on the profile if it does.\n\
         \x20 3. Does the trust policy require an ExternalId (sts:ExternalId)? An ExternalId was sent; check 'external_id'.\n\
         \x20 4. Does the caller's own identity policy allow sts:AssumeRole on {role}?\n\
         \x20 5. Could a service control policy (SCP) of the organisation deny it?\n\
         AWS said: User: {user} is not authorized to perform: sts:AssumeRole\n"
    );
    assert_eq!(stderr(&out), expected);

    // The agreed id works: the refusal above was the ExternalId's doing.
    let right = config.replace("not-the-agreed-id", w.json["external_ids"]["Partner"].as_str().unwrap());
    let sb = Sandbox::new(&right, &w.credentials_file());
    let out = sb.rolecall(Some(&w.endpoint())).args(["export", "partner", "-f", "json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn unknown_base_keys_point_at_the_base_profile() {
    let w = world();
    let config = "[profile ro]\nrole_arn = arn:aws:iam::222222222222:role/ReadOnly\nsource_profile = hub\n";
    let creds = "[hub]\naws_access_key_id = AKIAUNKNOWNUNKNOWN00\naws_secret_access_key = nope\n";
    let sb = Sandbox::new(config, creds);
    let out = sb.rolecall(Some(&w.endpoint())).args(["export", "ro"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.starts_with(
            "rolecall: the base credentials from profile 'hub' (keys) were rejected by AWS (InvalidClientTokenId)"
        ),
        "{err}"
    );
    assert!(err.contains("check or rotate those keys"), "{err}");
}
