#!/usr/bin/env python3
"""Write the SAML world that scripts/saml_idp.py serves and scripts/saml_standin.py checks.

The accounts are the organisation's (the world JSON scripts/seed_org.py wrote, --org-world),
so SAML targets share accounts with organisation and Identity Center targets: ReadOnly is
the organisation's role (the merge rule), SamlAdmin (12 h maximum) and SamlDeveloper (the
1 h default maximum, to exercise "DurationSeconds above the role's maximum") are created in
moto (--moto) with a trust policy for the account's SAML provider, as an administrator
federating an IdP would. The person who signs in, their password and TOTP secret are in
the world too (a test IdP: none of it is a secret).

Usage: seed_saml.py --out FILE --org-world world.json [--moto URL]
"""
import argparse
import json
import sys

REGION = "us-east-1"
PROVIDER = "rolecall-test-idp"
# Roles per organisation account.
GRANTS = {
    "payments-prod": ["ReadOnly", "SamlAdmin"],
    "payments-dev": ["ReadOnly", "SamlAdmin", "SamlDeveloper"],
    "data-lake": ["SamlDeveloper"],
}
# The roles this script creates, with their maximum session (seconds).
NEW_ROLES = {"SamlAdmin": 43200, "SamlDeveloper": 3600}
USER = {"name": "alice@example.com", "password": "correct horse battery staple",
        "totpSecret": "JBSWY3DPEHPK3PXP"}


def provider_arn(account_id):
    return f"arn:aws:iam::{account_id}:saml-provider/{PROVIDER}"


def create_in_moto(moto_url, roles):
    import boto3

    by_account = {}
    for r in roles:
        by_account.setdefault(r["accountId"], []).append(r)
    for account_id, rs in by_account.items():
        iam = boto3.client("iam", endpoint_url=moto_url, region_name=REGION,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        iam.meta.events.register("before-sign.iam.*", lambda request, _a=account_id, **kw: request.headers.__setitem__("x-moto-account-id", _a))
        # The metadata document is not checked by moto; the stand-in reads the IdP's certificate itself.
        iam.create_saml_provider(Name=PROVIDER, SAMLMetadataDocument="<EntityDescriptor>" + "x" * 1000 + "</EntityDescriptor>")
        trust = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Federated": provider_arn(account_id)},
            "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
            "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
        }]})
        for r in rs:
            if r["role"] in NEW_ROLES:
                iam.create_role(RoleName=r["role"], AssumeRolePolicyDocument=trust, MaxSessionDuration=NEW_ROLES[r["role"]])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--org-world", required=True, help="the world JSON scripts/seed_org.py wrote")
    ap.add_argument("--moto", help="create the SAML roles and providers in this moto")
    args = ap.parse_args()
    with open(args.org_world) as f:
        org = json.load(f)
    roles = []
    for name, grants in GRANTS.items():
        account_id = org["accounts"][name]
        for role in grants:
            roles.append({"accountId": account_id, "accountName": name, "role": role,
                          "roleArn": f"arn:aws:iam::{account_id}:role/{role}",
                          "principalArn": provider_arn(account_id)})
    if args.moto:
        create_in_moto(args.moto, roles)
    world = {"provider": PROVIDER, "region": REGION, "user": USER, "roles": roles,
             "maxSessionDuration": NEW_ROLES}
    with open(args.out, "w") as f:
        json.dump(world, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    sys.exit(main())
