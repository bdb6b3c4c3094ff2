//! `rolecall setup profiles`: the block of the AWS config file rolecall owns,
//! shown as a diff, written, replaced (pruning what left the selection)
//! without touching a byte outside it, and never shadowing a profile of the
//! user's. No network: profiles only.

mod common;

use common::{Sandbox, ok, stderr, stdout};

const CONFIG: &str = "[profile hub]\nregion = us-east-1\n\n\
                      [profile prod]\nrole_arn = arn:aws:iam::222222222222:role/ReadOnly\nsource_profile = hub\nregion = eu-west-1\n\n\
                      [profile dev]\nrole_arn = arn:aws:iam::333333333333:role/Admin\nsource_profile = hub\n";
const CREDENTIALS: &str = "[hub]\naws_access_key_id = AKIAFAKEFAKEFAKE0001\naws_secret_access_key = fake\n";

fn config(sb: &Sandbox) -> String {
    std::fs::read_to_string(sb.config_path()).unwrap()
}

fn backups(sb: &Sandbox) -> usize {
    std::fs::read_dir(sb.home().join(".aws"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with("config.rolecall-backup-"))
        .count()
}

#[test]
fn the_managed_block_is_shown_written_replaced_and_pruned() {
    let sb = Sandbox::new(CONFIG, CREDENTIALS);
    let bin = assert_cmd::cargo::cargo_bin("rolecall");
    let stanza = |name: &str, id: &str, region: &str| {
        format!(
            "[profile {name}]\ncredential_process = {} credential-process -- {id}\nregion = {region}\n",
            bin.display()
        )
    };

    // Dry run: the diff, nothing written.
    let out = ok(sb.rolecall(None).args(["setup", "profiles", "prod", "dev"]).output().unwrap(), "dry run");
    let diff = stdout(&out);
    assert!(diff.contains("+# BEGIN rolecall managed profiles\n"), "{diff}");
    assert!(
        diff.contains(&format!("+{}", stanza("rolecall-prod", "prod", "eu-west-1").lines().nth(1).unwrap())),
        "{diff}"
    );
    assert!(diff.contains("+# END rolecall managed profiles\n"), "{diff}");
    assert!(
        stderr(&out).contains("2 profiles: 2 new, 0 removed; nothing was written: add --write"),
        "{}",
        stderr(&out)
    );
    assert_eq!(config(&sb), CONFIG);

    // Written: the file as it was, then the block.
    ok(sb.rolecall(None).args(["setup", "profiles", "prod", "dev", "--write"]).output().unwrap(), "--write");
    let block = format!(
        "# BEGIN rolecall managed profiles\n{}\n{}# END rolecall managed profiles\n",
        stanza("rolecall-dev", "dev", "us-east-1"),
        stanza("rolecall-prod", "prod", "eu-west-1")
    );
    assert_eq!(config(&sb), format!("{CONFIG}\n{block}"));
    assert_eq!(backups(&sb), 1);
    let list = ok(sb.rolecall(None).args(["list", "--json"]).output().unwrap(), "list");
    let rows: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let kind = |t: &str| rows.as_array().unwrap().iter().find(|r| r["target"] == t).map(|r| r["kind"].clone());
    assert_eq!(kind("rolecall-prod"), Some("process".into()), "{}", stdout(&list));

    // Unchanged: nothing to do.
    let out = ok(sb.rolecall(None).args(["setup", "profiles", "prod", "dev"]).output().unwrap(), "again");
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).contains("is up to date"), "{}", stderr(&out));

    // The user adds a stanza after the block; a narrower selection prunes 'dev' and keeps it.
    let tail = "\n[profile later]\nregion = ap-south-1\n";
    std::fs::write(sb.config_path(), format!("{}{tail}", config(&sb))).unwrap();
    let out = ok(sb.rolecall(None).args(["setup", "profiles", "prod", "--write"]).output().unwrap(), "prune");
    assert!(stderr(&out).contains("1 profiles: 0 new, 1 removed"), "{}", stderr(&out));
    let block = format!(
        "# BEGIN rolecall managed profiles\n{}# END rolecall managed profiles\n",
        stanza("rolecall-prod", "prod", "eu-west-1")
    );
    assert_eq!(config(&sb), format!("{CONFIG}\n{block}{tail}"));

    // A prefix of one's own.
    let out = ok(sb.rolecall(None).args(["setup", "profiles", "prod", "--prefix", "rc."]).output().unwrap(), "prefix");
    assert!(
        stdout(&out).contains("+[profile rc.prod]\n") && stdout(&out).contains("-[profile rolecall-prod]\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_profile_of_the_users_is_never_shadowed() {
    let mine = format!("{CONFIG}\n[profile rolecall-dev]\nregion = us-west-2\n");
    let sb = Sandbox::new(&mine, CREDENTIALS);
    let out = sb.rolecall(None).args(["setup", "profiles", "prod", "dev", "--write"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("profile 'rolecall-dev' is already yours"), "{}", stderr(&out));
    assert!(stderr(&out).contains("choose another --prefix"), "{}", stderr(&out));
    assert_eq!(config(&sb), mine);
    assert_eq!(backups(&sb), 0);

    // A broken block is refused, not guessed at.
    let broken = format!("{CONFIG}\n# BEGIN rolecall managed profiles\n[profile rolecall-prod]\n");
    let sb = Sandbox::new(&broken, CREDENTIALS);
    let out = sb.rolecall(None).args(["setup", "profiles", "prod", "--write"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("has no '# END rolecall managed profiles' after it"), "{}", stderr(&out));
    assert_eq!(config(&sb), broken);
}
