#!/usr/bin/env python3
"""Seed a moto server with an AWS organisation for rolecall's tests and demo.

Creates an organisation (management account 123456789012), OUs, member accounts,
an identity ("hub") account with an IAM user, access keys and a virtual MFA
device, and roles in the workload accounts that trust the hub. Prints (or
writes) a JSON description of the world for the tests and the demo.

Usage: seed_org.py --endpoint URL [--size small|demo] [--out world.json]
"""
import argparse
import json
import sys

import boto3

MANAGEMENT_KEYS = dict(aws_access_key_id="testing", aws_secret_access_key="testing")
REGION = "us-east-1"

SMALL = {
    "Security": ["identity"],
    "Workloads/Prod": ["payments-prod"],
    "Workloads/NonProd": ["payments-dev", "data-lake"],
}

DEMO = {
    "Security": ["identity", "security-audit", "log-archive"],
    "Infrastructure": ["network-hub", "shared-services", "dns"],
    "Workloads/Prod": [
        "payments-prod", "checkout-prod", "search-prod", "ledger-prod", "identity-api-prod",
        "mobile-backend-prod", "data-lake-prod", "ml-platform-prod", "notifications-prod", "partner-api-prod",
    ],
    "Workloads/Staging": [
        "payments-staging", "checkout-staging", "search-staging", "ledger-staging", "mobile-backend-staging",
        "data-lake-staging", "ml-platform-staging", "partner-api-staging",
    ],
    "Workloads/Dev": [
        "payments-dev", "checkout-dev", "search-dev", "ledger-dev", "mobile-backend-dev",
        "data-lake-dev", "ml-platform-dev", "notifications-dev", "partner-api-dev", "data-lake",
    ],
    "Sandbox": ["sandbox-alice", "sandbox-bob", "sandbox-carol", "sandbox-dan", "sandbox-erin"],
}

# Roles created in every workload account: name -> trust condition.
ROLES = {
    "ReadOnly": None,
    "Developer": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    "Auditor": {"StringEquals": {"sts:ExternalId": "audit-7f3a"}},
    "Admin": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
}

# Roles of the three-step chain, each trusting the previous step's account.
CHAIN = [("payments-dev", "ChainA"), ("data-lake", "ChainB"), ("payments-prod", "ChainC")]


def trust(principal_arn, condition=None):
    stmt = {"Effect": "Allow", "Principal": {"AWS": principal_arn}, "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]}
    if condition:
        stmt["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [stmt]})


def session_in(sts, account, endpoint):
    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="seed"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=REGION,
    )


def write_demo_config(world, ou_of, config_path, credentials_path):
    """Profiles a person would write by hand: one per account and role they use."""
    out = [
        "# Demo AWS config written by scripts/demo. The hub user's keys are in the credentials file.",
        "[profile hub]",
        f"region = {REGION}",
        f"endpoint_url = {world['endpoint']}",
        "",
    ]
    for name, account_id in sorted(world["accounts"].items()):
        if name == "identity":
            continue
        ou = ou_of[name]
        roles = [("ro", "ReadOnly", [])]
        if "/Prod" in ou or "/Staging" in ou:
            roles.append(("dev", "Developer", [f"mfa_serial = {world['mfa_serial']}"]))
        if name in ("security-audit", "log-archive"):
            roles.append(("audit", "Auditor", ["external_id = audit-7f3a", "duration_seconds = 1800"]))
        for suffix, role, extra in roles:
            out += [
                f"[profile {name}-{suffix}]",
                f"# {ou}",
                f"role_arn = arn:aws:iam::{account_id}:role/{role}",
                "source_profile = hub",
                *extra,
                f"region = {REGION}",
                f"endpoint_url = {world['endpoint']}",
                "",
            ]
    with open(config_path, "w") as f:
        f.write("\n".join(out))
    with open(credentials_path, "w") as f:
        f.write(f"[hub]\naws_access_key_id = {world['access_key_id']}\naws_secret_access_key = {world['secret_access_key']}\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--size", choices=["small", "demo"], default="small")
    ap.add_argument("--out")
    ap.add_argument("--aws-config", help="also write a demo AWS config (profiles for the seeded roles) here")
    ap.add_argument("--aws-credentials", help="and the hub user's keys here")
    args = ap.parse_args()
    layout = SMALL if args.size == "small" else DEMO

    mgmt = boto3.Session(region_name=REGION, **MANAGEMENT_KEYS)
    org = mgmt.client("organizations", endpoint_url=args.endpoint)
    sts = mgmt.client("sts", endpoint_url=args.endpoint)
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]

    ou_ids = {}

    def ou(path):
        if path in ou_ids:
            return ou_ids[path]
        parent_path, _, name = path.rpartition("/")
        parent = ou(parent_path) if parent_path else root
        ou_ids[path] = org.create_organizational_unit(ParentId=parent, Name=name)["OrganizationalUnit"]["Id"]
        return ou_ids[path]

    accounts = {}
    ou_of = {}
    for path, names in layout.items():
        for name in names:
            status = org.create_account(AccountName=name, Email=f"aws+{name}@example.com")["CreateAccountStatus"]
            account_id = status["AccountId"]
            org.move_account(AccountId=account_id, SourceParentId=root, DestinationParentId=ou(path))
            tier = path.split("/")[-1].lower()
            org.tag_resource(ResourceId=account_id, Tags=[{"Key": "env", "Value": tier}, {"Key": "team", "Value": name.split("-")[0]}])
            accounts[name] = account_id
            ou_of[name] = "/" + path

    hub = accounts["identity"]
    hub_iam = session_in(sts, hub, args.endpoint).client("iam", endpoint_url=args.endpoint)
    hub_iam.create_user(UserName="alice")
    hub_iam.put_user_policy(
        UserName="alice",
        PolicyName="assume-anything",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
    )
    key = hub_iam.create_access_key(UserName="alice")["AccessKey"]
    mfa = hub_iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]["SerialNumber"]
    user_arn = f"arn:aws:iam::{hub}:user/alice"

    # A role in the hub's own account: moto's auth mode checks same-account trust
    # (principal ARN and sts:ExternalId), which gives the tests a real AccessDenied.
    hub_iam.create_role(
        RoleName="Partner",
        AssumeRolePolicyDocument=trust(user_arn, {"StringEquals": {"sts:ExternalId": "partner-2f9c"}}),
    )

    for name, account_id in accounts.items():
        if name == "identity":
            continue
        iam = session_in(sts, account_id, args.endpoint).client("iam", endpoint_url=args.endpoint)
        for role, condition in ROLES.items():
            iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust(f"arn:aws:iam::{hub}:root", condition), MaxSessionDuration=43200)

    caller = f"arn:aws:iam::{hub}:root"
    for acct_name, role in CHAIN:
        account_id = accounts[acct_name]
        iam = session_in(sts, account_id, args.endpoint).client("iam", endpoint_url=args.endpoint)
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust(caller), MaxSessionDuration=43200)
        caller = f"arn:aws:iam::{account_id}:root"

    world = {
        "endpoint": args.endpoint,
        "region": REGION,
        "management_account": "123456789012",
        "hub_account": hub,
        "user_arn": user_arn,
        "access_key_id": key["AccessKeyId"],
        "secret_access_key": key["SecretAccessKey"],
        "mfa_serial": mfa,
        "accounts": accounts,
        "ou_of": ou_of,
        "roles": list(ROLES),
        "chain": [[accounts[a], r] for a, r in CHAIN],
        "external_ids": {"Auditor": "audit-7f3a", "Partner": "partner-2f9c"},
    }
    if args.aws_config:
        write_demo_config(world, ou_of, args.aws_config, args.aws_credentials)
    text = json.dumps(world, indent=2)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    sys.exit(main())
