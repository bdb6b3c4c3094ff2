#!/usr/bin/env python3
"""Seed a moto server with a large AWS organisation for rolecall's discovery tests and benchmark.

Layouts:
  org300   300 member accounts in 47 OUs nested four deep (/Workloads/Prod/EU/Payments),
           tags, two closed (SUSPENDED) accounts, names with spaces and non-ASCII
           characters, and one name used by two accounts.
  flat50   --accounts N (default 2000) member accounts spread over 50 OUs (10 × 5).

Also creates an IAM user 'org-reader' in the management account and an identity
("hub") member account with an IAM user 'alice' (keys + virtual MFA device): the
hub's keys are member-account credentials. Writes a JSON description of the
world (--out). moto validates no trust policy, so alice can assume any role in
any account.

Usage: seed_big_org.py --endpoint URL --layout org300|flat50 [--accounts N] --out world.json
"""
import argparse
import json
import sys
from concurrent.futures import ThreadPoolExecutor

import boto3

REGION = "us-east-1"
MANAGEMENT_KEYS = dict(aws_access_key_id="testing", aws_secret_access_key="testing")
ROLES = ["ReadOnly", "Developer", "Admin"]

# Names a person would not expect a tool to handle: spaces, non-ASCII, a twin.
SPECIAL = ["payments prod", "Zürich Ops", "données équipe", "東京 analytics", "café-ledger", "shared sandbox", "shared sandbox"]
CLOSED = ["retired-2019", "old ledger ü"]


def org300_ous():
    ous = ["/Security", "/Security/Audit", "/Security/Logs", "/Infrastructure", "/Infrastructure/Network", "/Sandbox", "/Suspended", "/Workloads"]
    for stage in ["Prod", "Staging", "Dev"]:
        ous.append(f"/Workloads/{stage}")
        for region in ["EU", "US", "APAC"]:
            ous.append(f"/Workloads/{stage}/{region}")
            for team in ["Payments", "Data", "Platform"]:
                ous.append(f"/Workloads/{stage}/{region}/{team}")
    return ous


def flat50_ous():
    return [f"/Unit{u:02d}" for u in range(10)] + [f"/Unit{u:02d}/Team{t}" for u in range(10) for t in range(4)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--layout", choices=["org300", "flat50"], required=True)
    ap.add_argument("--accounts", type=int, default=None)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    mgmt = boto3.Session(region_name=REGION, **MANAGEMENT_KEYS)
    org = mgmt.client("organizations", endpoint_url=args.endpoint)
    sts = mgmt.client("sts", endpoint_url=args.endpoint)
    iam = mgmt.client("iam", endpoint_url=args.endpoint)
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]

    if args.layout == "org300":
        ou_paths, count = org300_ous(), args.accounts or 300
        leaves = [p for p in ou_paths if p.count("/") == 4] + ["/Sandbox", "/Security/Audit", "/Infrastructure/Network", "/Workloads", "/"]
    else:
        ou_paths, count = flat50_ous(), args.accounts or 2000
        leaves = ou_paths

    ou_ids = {"/": root}
    for path in ou_paths:  # parents come before children in both layouts
        parent, _, name = path.rpartition("/")
        ou_ids[path] = org.create_organizational_unit(ParentId=ou_ids[parent or "/"], Name=name)["OrganizationalUnit"]["Id"]

    # Accounts are created one at a time: moto pages ListAccounts by join time.
    plan = []  # (name, ou path, tags)
    plan.append(("identity", "/Security" if "/Security" in ou_ids else leaves[0], [{"Key": "env", "Value": "security"}]))
    names = [f"acct-{i:04d}" for i in range(count - 1)]
    if args.layout == "org300":
        names[: len(SPECIAL) + len(CLOSED)] = SPECIAL + CLOSED
    for i, name in enumerate(names):
        ou = "/Suspended" if name in CLOSED else leaves[i % len(leaves)]
        tags = []
        if i % 10 != 9:  # every tenth account has no tags
            env = ou.split("/")[2].lower() if ou.startswith("/Workloads/") else ou.strip("/").split("/")[0].lower() or "root"
            tags = [{"Key": "env", "Value": env}, {"Key": "team", "Value": f"team-{i % 13}"}, {"Key": "cost-center", "Value": f"cc-{i % 17:03d}"}]
        plan.append((name, ou, tags))

    accounts = []
    for n, (name, ou, tags) in enumerate(plan):
        kwargs = dict(AccountName=name, Email=f"aws+{n}@example.com")
        if tags:
            kwargs["Tags"] = tags
        status = org.create_account(**kwargs)["CreateAccountStatus"]
        accounts.append({"id": status["AccountId"], "name": name, "ou": ou, "tags": {t["Key"]: t["Value"] for t in tags}, "state": "ACTIVE"})

    def move(a):
        if a["ou"] != "/":
            org.move_account(AccountId=a["id"], SourceParentId=root, DestinationParentId=ou_ids[a["ou"]])

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(move, accounts))
    for a in accounts:
        if a["name"] in CLOSED:
            org.close_account(AccountId=a["id"])
            a["state"] = "SUSPENDED"

    # The management account's own reader, and the hub user (member-account keys).
    iam.create_user(UserName="org-reader")
    reader = iam.create_access_key(UserName="org-reader")["AccessKey"]
    hub = next(a["id"] for a in accounts if a["name"] == "identity")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{hub}:role/OrganizationAccountAccessRole", RoleSessionName="seed")["Credentials"]
    hub_iam = boto3.Session(
        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"], region_name=REGION,
    ).client("iam", endpoint_url=args.endpoint)
    hub_iam.create_user(UserName="alice")
    alice = hub_iam.create_access_key(UserName="alice")["AccessKey"]
    mfa = hub_iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]["SerialNumber"]

    world = {
        "endpoint": args.endpoint,
        "region": REGION,
        "management_account": "123456789012",
        "reader_access_key_id": reader["AccessKeyId"],
        "reader_secret_access_key": reader["SecretAccessKey"],
        "hub_account": hub,
        "access_key_id": alice["AccessKeyId"],
        "secret_access_key": alice["SecretAccessKey"],
        "mfa_serial": mfa,
        "roles": ROLES,
        "ous": ou_paths,
        # The management account is listed too (created with the organisation, in the root).
        "accounts": [{"id": "123456789012", "name": "master", "ou": "/", "tags": {}, "state": "ACTIVE"}] + accounts,
    }
    with open(args.out, "w") as f:
        json.dump(world, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    sys.exit(main())
