#!/usr/bin/env python3
"""Write the Identity Center world that scripts/sso_emulator.py serves.

Layouts:
  small  the organisation's accounts (the world JSON scripts/seed_org.py wrote, --org-world),
         so SSO targets share accounts with organisation targets; the permission set
         ReadOnly has the name of an organisation role (the collision rule). With --moto,
         the AWSReservedSSO_* roles are also created in moto's IAM, as Identity Center does.
  big    --accounts N (default 700) accounts × 3 permission sets, for listing under throttling
         (the accounts need not exist in moto: the portal lists them from this file).

Usage: seed_sso.py --out FILE --layout small --org-world world.json [--moto URL]
       seed_sso.py --out FILE --layout big [--accounts 700]
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sso_emulator import role_arn  # noqa: E402

START_URL = "https://acme.awsapps.com/start"
REGION = "us-east-1"

# Permission sets per organisation account (small layout). ReadOnly collides with the org role.
SMALL = {
    "payments-prod": ["AdministratorAccess", "ReadOnly"],
    "payments-dev": ["AdministratorAccess", "ReadOnly", "DataScientist"],
    "data-lake": ["DataScientist"],
}
BIG_SETS = ["AdministratorAccess", "ReadOnly", "PowerUserAccess"]
BIG_WORDS = ["payments", "checkout", "search", "ledger", "mobile", "data", "ml", "edge", "billing", "identity"]
BIG_STAGES = ["prod", "staging", "dev", "sandbox"]


def small(org_world_path):
    with open(org_world_path) as f:
        org = json.load(f)
    accounts = []
    for name, roles in SMALL.items():
        account_id = org["accounts"][name]
        accounts.append({"accountId": account_id, "accountName": name, "emailAddress": f"aws+{name}@example.com", "roles": roles})
    return accounts


def big(n):
    accounts = []
    for i in range(n):
        name = f"{BIG_WORDS[i % len(BIG_WORDS)]}-{BIG_STAGES[(i // len(BIG_WORDS)) % len(BIG_STAGES)]}-{i:03d}"
        account_id = f"{700000000000 + i:012d}"
        accounts.append({"accountId": account_id, "accountName": name, "emailAddress": f"aws+{name}@example.com", "roles": list(BIG_SETS)})
    return accounts


def create_roles(moto_url, accounts):
    """The roles Identity Center provisions, so `aws iam get-role` finds them in moto too."""
    import boto3

    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::123456789012:saml-provider/AWSSSO_emulator_DO_NOT_DELETE"},
        "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
    }]})
    for account in accounts:
        iam = boto3.client("iam", endpoint_url=moto_url, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
        iam.meta.events.register("before-sign.iam.*", lambda request, _a=account["accountId"], **kw: request.headers.__setitem__("x-moto-account-id", _a))
        for ps in account["roles"]:
            name = role_arn(account["accountId"], ps).rsplit("/", 1)[1]
            iam.create_role(RoleName=name, Path="/aws-reserved/sso.amazonaws.com/", AssumeRolePolicyDocument=trust, MaxSessionDuration=43200)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--layout", choices=["small", "big"], required=True)
    ap.add_argument("--org-world", help="small: the world JSON scripts/seed_org.py wrote")
    ap.add_argument("--moto", help="small: also create the AWSReservedSSO_* roles in this moto")
    ap.add_argument("--accounts", type=int, default=700, help="big: how many accounts")
    args = ap.parse_args()
    if args.layout == "small":
        if not args.org_world:
            ap.error("--layout small needs --org-world")
        accounts = small(args.org_world)
        if args.moto:
            create_roles(args.moto, accounts)
    else:
        accounts = big(args.accounts)
    for account in accounts:
        account["roleArns"] = {ps: role_arn(account["accountId"], ps) for ps in account["roles"]}
    world = {"startUrl": START_URL, "region": REGION, "accounts": accounts}
    with open(args.out, "w") as f:
        json.dump(world, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    sys.exit(main())
