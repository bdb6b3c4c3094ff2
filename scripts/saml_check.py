#!/usr/bin/env python3
"""Self-check of the SAML test tooling, with boto3 as the client: scripts/saml_idp.py
signs a person in and scripts/saml_standin.py checks assertions as AWS does.

Signs in through the IdP's forms with urllib (user, password, TOTP), takes SAMLResponse
from the auto-submitting form, assumes two roles in two accounts with AssumeRoleWithSAML
through the stand-in and checks GetCallerIdentity names each; checks the second visit is
one click (no new sign-in); then that the stand-in refuses what AWS refuses: a tampered
assertion, one signed with another key, a pair the assertion does not grant, an expired assertion, no roles, a DTD
bomb, an XXE, 10 MB, a wrapped unsigned assertion, DurationSeconds above the role's
maximum. Prints one line per check; exits non-zero on the first failure.

Usage: saml_check.py --idp URL --sts URL --world saml-world.json
"""
import argparse
import base64
import html.parser
import http.cookiejar
import json
import os
import sys
import time
import urllib.parse
import urllib.request

import boto3
import botocore.config
from botocore import UNSIGNED
from botocore.exceptions import ClientError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from saml_idp import Idp, totp  # noqa: E402


class Forms(html.parser.HTMLParser):
    """The forms of a page: action and input values."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action"), "inputs": {}})
        elif tag == "input" and self.forms:
            self.forms[-1]["inputs"][a.get("name")] = a.get("value", "")


def forms(page):
    p = Forms()
    p.feed(page)
    return p.forms


def check(cond, what):
    if not cond:
        print(f"FAIL {what}", flush=True)
        sys.exit(1)
    print(f"ok   {what}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--idp", required=True)
    ap.add_argument("--sts", required=True)
    ap.add_argument("--world", required=True)
    ap.add_argument("--aws-saml-url", default="https://signin.aws.amazon.com/saml")
    args = ap.parse_args()
    with open(args.world) as f:
        world = json.load(f)
    user = world["user"]

    def admin(path, obj=None):
        data = None if obj is None else json.dumps(obj).encode()
        req = urllib.request.Request(args.idp + path, data=data, method="GET" if obj is None else "POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.read()

    def standin_stats():
        with urllib.request.urlopen(args.sts + "/__standin/stats", timeout=10) as r:
            return json.loads(r.read())

    admin("/__idp/reset-stats", {})
    urllib.request.urlopen(urllib.request.Request(args.sts + "/__standin/reset-stats", data=b"", method="POST"), timeout=10).read()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def visit(path, fields=None):
        data = None if fields is None else urllib.parse.urlencode(fields).encode()
        try:
            with browser.open(args.idp + path, data=data, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    # The sign-in, as a person does it.
    status, page = visit("/app/aws")
    check(status == 200 and forms(page)[0]["action"] == "/login", "the AWS app's URL shows the login form")
    status, page = visit("/login", {"user": user["name"], "password": "wrong"})
    check(status == 401 and "Wrong user or password" in page, "a wrong password is refused")
    status, page = visit("/login", {"user": user["name"], "password": user["password"]})
    check(status == 200 and forms(page)[0]["action"] == "/totp", "the password leads to the TOTP step")
    status, page = visit("/totp", {"code": totp(user["totpSecret"])})
    posted = forms(page)
    check(status == 200 and posted and posted[0]["action"] == args.aws_saml_url and "document.forms[0].submit()" in page,
          "the TOTP code leads to a form posting itself to the AWS SAML endpoint")
    saml = posted[0]["inputs"]["SAMLResponse"]
    stats = json.loads(admin("/__idp/stats"))
    check(stats["signIns"] == 1 and stats["assertions"] == 1, f"one sign-in counted ({stats})")
    status, page = visit("/app/aws")
    check(status == 200 and forms(page)[0]["action"] == args.aws_saml_url, "the next visit is one click (the IdP's cookie)")
    stats = json.loads(admin("/__idp/stats"))
    check(stats["signIns"] == 1 and stats["assertions"] == 2, f"no second sign-in, a second assertion ({stats})")

    cfg = botocore.config.Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30)
    sts = boto3.client("sts", endpoint_url=args.sts, region_name="us-east-1",
                       config=cfg.merge(botocore.config.Config(signature_version=UNSIGNED)))

    def grant(role):
        return next(r for r in world["roles"] if r["role"] == role and r["accountName"] in ("payments-prod", "data-lake"))

    # Two roles in two accounts from one assertion.
    for r in (grant("SamlAdmin"), grant("SamlDeveloper")):
        out = sts.assume_role_with_saml(RoleArn=r["roleArn"], PrincipalArn=r["principalArn"], SAMLAssertion=saml)
        c = out["Credentials"]
        me = boto3.client("sts", endpoint_url=args.sts, region_name="us-east-1", config=cfg,
                          aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                          aws_session_token=c["SessionToken"]).get_caller_identity()
        want = f"arn:aws:sts::{r['accountId']}:assumed-role/{r['role']}/{user['name']}"
        check(me["Account"] == r["accountId"] and me["Arn"] == want, f"AssumeRoleWithSAML {r['role']}: GetCallerIdentity is {me['Arn']}")
    # DurationSeconds is capped by the SessionDuration attribute (28800).
    r = grant("SamlAdmin")
    out = sts.assume_role_with_saml(RoleArn=r["roleArn"], PrincipalArn=r["principalArn"], SAMLAssertion=saml, DurationSeconds=43200)
    left = out["Credentials"]["Expiration"].timestamp() - time.time()
    check(27000 < left <= 28800 + 60, f"DurationSeconds 43200 is capped by SessionDuration 28800 ({int(left)} s left)")

    def refused(code, what, saml_b64, role=None, principal=None, **kw):
        r = role or grant("SamlAdmin")
        try:
            sts.assume_role_with_saml(RoleArn=r["roleArn"], PrincipalArn=principal or r["principalArn"], SAMLAssertion=saml_b64, **kw)
        except ClientError as e:
            got = e.response["Error"]["Code"]
            check(got == code, f"{what}: {got} ({e.response['Error'].get('Message', '')})")
            return
        check(False, f"{what}: accepted")

    xml = base64.b64decode(saml)
    dev = grant("SamlDeveloper")
    tampered = xml.replace(dev["roleArn"].encode(), dev["roleArn"].replace("SamlDeveloper", "SamlAdmin").encode())
    check(tampered != xml, "the tampered assertion differs")
    refused("InvalidIdentityToken", "a tampered assertion", base64.b64encode(tampered).decode(),
            role={"roleArn": dev["roleArn"].replace("SamlDeveloper", "SamlAdmin"), "principalArn": dev["principalArn"]})
    forged = Idp(world, args.aws_saml_url, "https://idp.evil.example/")  # its own key pair
    refused("InvalidIdentityToken", "an assertion signed with another key", base64.b64encode(forged.response()).decode())
    other = next(x for x in world["roles"] if x["accountName"] == "payments-dev")
    refused("AccessDenied", "a role with another account's provider", saml, principal=other["principalArn"])
    refused("AccessDenied", "a role the assertion does not grant", saml,
            role={"roleArn": f"arn:aws:iam::{dev['accountId']}:role/ReadOnly", "principalArn": dev["principalArn"]})
    refused("ValidationError", "DurationSeconds above the role's maximum (3600)", saml, role=dev, DurationSeconds=7200)
    for mode, code in [("expired", "ExpiredTokenException"), ("no-roles", "AccessDenied"), ("dtd-bomb", "InvalidIdentityToken"),
                       ("xxe", "InvalidIdentityToken"), ("huge", "ValidationError"), ("unsigned-roles", "InvalidIdentityToken")]:
        admin("/__idp/next", {"mode": mode})
        refused(code, f"an assertion '{mode}'", admin("/__idp/assertion").decode().strip())
    admin("/__idp/next", {"mode": "many-roles", "count": 200})
    many = base64.b64decode(admin("/__idp/assertion"))
    check(many.count(b"saml-provider/") == 200, "many-roles lists 200 pairs")
    stats = standin_stats()
    check(stats["granted"] == 3 and sum(stats["refused"].values()) == 11, f"the stand-in counted its answers ({stats})")
    print("all SAML checks passed", flush=True)


if __name__ == "__main__":
    sys.exit(main())
