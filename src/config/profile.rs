//! rolecall's model of one profile and of a resolved chain: what a profile's
//! credentials come from (decided once, in the AWS CLI's order), its kind, and
//! the base credentials a chain starts from. Built by [`super::aws::AwsConfig`].

use std::path::PathBuf;
use std::sync::Arc;

use super::arn::RoleArn;
use super::sso::SsoRole;
use crate::credentials::Credentials;

/// One profile, as rolecall understands it.
#[derive(Clone, Debug)]
pub struct ProfileDef {
    /// The profile name.
    pub name: String,
    /// `aws_access_key_id` + `aws_secret_access_key` (+ `aws_session_token`),
    /// unless the AWS CLI would never read them (see [`ProfileDef::credentials_from`]).
    pub static_keys: Option<Credentials>,
    /// `role_arn` and where its caller's credentials come from.
    pub role: Option<RoleDef>,
    /// `credential_process`, unless the credentials file gives the profile
    /// keys: botocore reads those first, so the command never runs.
    pub credential_process: Option<String>,
    /// IAM Identity Center: the `sso_session` (or
    /// `sso_start_url`) when `sso_account_id` or `sso_role_name` is set, as
    /// botocore requires; without them, only when nothing else gives credentials.
    pub sso: Option<String>,
    /// The Identity Center role when the profile names an account and a
    /// permission set (`sso_account_id` + `sso_role_name`), resolved and checked.
    pub sso_role: Option<SsoRole>,
    /// `web_identity_token_file` (listed; not yet assumed). With it, `role`'s
    /// source is [`RoleSource::WebIdentity`] whatever else the profile says.
    pub web_identity_token_file: Option<String>,
    /// `region`.
    pub region: Option<String>,
    /// `mfa_serial`: the MFA device to present when assuming this role.
    pub mfa_serial: Option<String>,
    /// `rolecall_mfa_process` or `mfa_process`: a command that prints an MFA code.
    pub mfa_process: Option<String>,
    /// `rolecall_mfa_on_assume = true`: send the MFA code with `AssumeRole`
    /// (a code per role, no 1-hour cap) instead of using an MFA session.
    pub mfa_on_assume: bool,
    /// `external_id`.
    pub external_id: Option<String>,
    /// `role_session_name`.
    pub role_session_name: Option<String>,
    /// `duration_seconds`, already checked to be within 900..=43200.
    pub duration_seconds: Option<u32>,
    /// `rolecall_source_identity`.
    pub source_identity: Option<String>,
    /// `rolecall_tags = k=v,k2=v2`.
    pub tags: Vec<(String, String)>,
    /// `rolecall_transitive_tags = k,k2`.
    pub transitive_tags: Vec<String>,
    /// `rolecall_policy_arns = arn1,arn2`.
    pub policy_arns: Vec<String>,
    /// The contents of `rolecall_policy_file`.
    pub policy: Option<String>,
    /// The path of `rolecall_policy_file`, for messages.
    pub policy_file: Option<PathBuf>,
}

impl ProfileDef {
    /// Where this profile's credentials come from when it sits at `position`
    /// of a chain: the one decision behind [`ProfileDef::kind`] and
    /// [`AwsConfig::chain`]. The order is the AWS CLI's (botocore's; DESIGN
    /// rule 1): `role_arn` (unless `web_identity_token_file` is set), web
    /// identity, SSO, credential_process, keys. A source profile that has keys
    /// is read without its role, as botocore reads it. (Keys in the
    /// credentials file beat credential_process; `read_profile` has already
    /// dropped a process they shadow, and SSO settings that give no credentials.)
    pub fn credentials_from(&self, position: Position) -> CredentialsFrom<'_> {
        match &self.role {
            Some(role) if role.source == RoleSource::WebIdentity => return CredentialsFrom::WebIdentity,
            Some(role) if position == Position::Target || self.static_keys.is_none() => {
                return CredentialsFrom::Role(role);
            }
            _ => {}
        }
        if self.sso.is_some() {
            CredentialsFrom::Sso
        } else if let Some(command) = &self.credential_process {
            CredentialsFrom::Process(command)
        } else if let Some(keys) = &self.static_keys {
            CredentialsFrom::StaticKeys(keys)
        } else {
            CredentialsFrom::Nothing
        }
    }

    /// What kind of profile this is: where its credentials come from when it is the target.
    pub fn kind(&self) -> ProfileKind {
        match self.credentials_from(Position::Target) {
            CredentialsFrom::Role(_) => ProfileKind::Role,
            CredentialsFrom::WebIdentity => ProfileKind::WebIdentity,
            CredentialsFrom::Sso => ProfileKind::Sso,
            CredentialsFrom::Process(_) => ProfileKind::CredentialProcess,
            CredentialsFrom::StaticKeys(_) => ProfileKind::StaticKeys,
            CredentialsFrom::Nothing => ProfileKind::Settings,
        }
    }
}

/// Where a profile sits in a chain, which changes how the AWS CLI reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    /// The profile asked for.
    Target,
    /// A `source_profile` of another profile (or of itself).
    Source,
}

/// Where a profile's credentials come from; see [`ProfileDef::credentials_from`].
#[derive(Clone, Copy, Debug)]
pub enum CredentialsFrom<'a> {
    /// Assume this role with the credentials of its source.
    Role(&'a RoleDef),
    /// Exchange the `web_identity_token_file` token for the profile's role.
    WebIdentity,
    /// IAM Identity Center.
    Sso,
    /// Run `credential_process`.
    Process(&'a str),
    /// The keys written in the profile.
    StaticKeys(&'a Credentials),
    /// Nothing: the profile holds settings only.
    Nothing,
}

/// The kinds of profile rolecall lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileKind {
    /// An IAM user's (or other) keys written in the file.
    StaticKeys,
    /// `role_arn` with `source_profile` or `credential_source`.
    Role,
    /// `credential_process`.
    CredentialProcess,
    /// IAM Identity Center.
    Sso,
    /// `web_identity_token_file` (not yet supported for assuming).
    WebIdentity,
    /// Only settings (region, output…), no credentials.
    Settings,
}

impl ProfileKind {
    /// Short label for tables.
    pub fn label(self) -> &'static str {
        match self {
            Self::StaticKeys => "keys",
            Self::Role => "role",
            Self::CredentialProcess => "process",
            Self::Sso => "sso",
            Self::WebIdentity => "web-identity",
            Self::Settings => "settings",
        }
    }
}

/// A role to assume and the source of its caller's credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleDef {
    /// `role_arn`.
    pub arn: RoleArn,
    /// `source_profile` or `credential_source`.
    pub source: RoleSource,
}

/// Where a role's caller credentials come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoleSource {
    /// `source_profile = NAME`.
    Profile(String),
    /// `credential_source = Environment`.
    Environment,
    /// `credential_source = Ec2InstanceMetadata`.
    Ec2InstanceMetadata,
    /// `credential_source = EcsContainer`.
    EcsContainer,
    /// `web_identity_token_file`: the token is exchanged for the role, and
    /// `source_profile`/`credential_source` are ignored, as both SDKs do.
    WebIdentity,
}

impl RoleSource {
    pub(super) fn parse(s: &str) -> Option<Self> {
        match s {
            "Environment" => Some(Self::Environment),
            "Ec2InstanceMetadata" => Some(Self::Ec2InstanceMetadata),
            "EcsContainer" => Some(Self::EcsContainer),
            _ => None,
        }
    }
}

/// The credentials a chain starts from.
#[derive(Clone, Debug)]
pub enum Base {
    /// Keys written in a profile.
    StaticKeys {
        /// The profile holding them.
        profile: String,
        /// The keys.
        credentials: Credentials,
    },
    /// `AWS_ACCESS_KEY_ID` and friends in rolecall's environment.
    Environment,
    /// The EC2 instance's role.
    Ec2InstanceMetadata,
    /// The ECS task's role.
    EcsContainer,
    /// A profile's `credential_process`.
    CredentialProcess {
        /// The profile holding it.
        profile: String,
        /// The command line.
        command: String,
    },
    /// IAM Identity Center: `GetRoleCredentials` for an account and permission
    /// set with the session's access token.
    Sso {
        /// The profile naming it, when it comes from a profile (not from discovery).
        profile: Option<String>,
        /// The session, account and permission set.
        role: Box<SsoRole>,
    },
    /// A web identity profile (not yet supported).
    WebIdentity {
        /// The profile.
        profile: String,
    },
}

impl Base {
    /// The base a profile gives by itself (anything but a role), if any.
    pub(super) fn from_decision(def: &ProfileDef, from: CredentialsFrom<'_>) -> Option<Self> {
        let profile = def.name.clone();
        match from {
            CredentialsFrom::StaticKeys(keys) => Some(Self::StaticKeys { profile, credentials: keys.clone() }),
            CredentialsFrom::Process(command) => Some(Self::CredentialProcess { profile, command: command.to_owned() }),
            CredentialsFrom::Sso => {
                def.sso_role.clone().map(|role| Self::Sso { profile: Some(profile), role: Box::new(role) })
            }
            CredentialsFrom::WebIdentity => Some(Self::WebIdentity { profile }),
            CredentialsFrom::Role(_) | CredentialsFrom::Nothing => None,
        }
    }

    /// How the base is shown in a source chain.
    pub fn describe(&self) -> String {
        match self {
            Self::StaticKeys { profile, .. } => format!("{profile} (keys)"),
            Self::Environment => "environment".into(),
            Self::Ec2InstanceMetadata => "ec2-instance-metadata".into(),
            Self::EcsContainer => "ecs-container".into(),
            Self::CredentialProcess { profile, .. } => format!("{profile} (credential_process)"),
            Self::Sso { profile: Some(profile), .. } => format!("{profile} (sso)"),
            Self::Sso { profile: None, role } => {
                format!("sso {} {}/{}", role.session.id(), role.account_id, role.role_name)
            }
            Self::WebIdentity { profile } => format!("{profile} (web identity)"),
        }
    }

    /// The profile the base credentials belong to, if any.
    pub fn profile(&self) -> Option<&str> {
        match self {
            Self::StaticKeys { profile, .. }
            | Self::CredentialProcess { profile, .. }
            | Self::Sso { profile: Some(profile), .. }
            | Self::WebIdentity { profile } => Some(profile),
            _ => None,
        }
    }
}

/// A resolved chain: base credentials, then the role profiles to assume in order.
#[derive(Clone, Debug)]
pub struct Chain {
    /// Where the first caller's credentials come from.
    pub base: Base,
    /// Role profiles, outermost (assumed first) to the target (assumed last).
    pub roles: Vec<Arc<ProfileDef>>,
}

impl Chain {
    pub(super) fn new(base: Base, mut roles_target_first: Vec<Arc<ProfileDef>>) -> Self {
        roles_target_first.reverse();
        Self { base, roles: roles_target_first }
    }
}
