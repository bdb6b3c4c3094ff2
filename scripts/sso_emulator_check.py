#!/usr/bin/env python3
"""Self-check of scripts/sso_emulator.py with the real clients: botocore's sso-oidc and sso
clients for every operation (device code pending/slow_down, PKCE, rotation, 429, 401), and the
AWS CLI v1 reading an `sso_session` token from ~/.aws/sso/cache (its refresh included) to get
the AWSReservedSSO role's identity from moto. If botocore parses what the emulator sends, the
wire format is the real one. Run by scripts/test; exits non-zero on the first failure.

Usage: sso_emulator_check.py --url EMULATOR --moto MOTO --world FILE --aws PATH_TO_AWS_CLI_V1
"""
import argparse
import base64
import hashlib
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

SCOPE = "sso:account:access"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def admin(url, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method="GET" if body is None else "POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


def code_of(call):
    try:
        call()
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    raise AssertionError("the call succeeded where an error was expected")


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print(f"ok: {what}")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def authorize(url, params):
    """GET /authorize without following the redirect: (status, Location)."""
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(f"{url}/authorize?{urllib.parse.urlencode(params)}", timeout=10)
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Location")
    raise AssertionError("/authorize did not redirect")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--moto", required=True)
    ap.add_argument("--world", required=True)
    ap.add_argument("--aws", required=True)
    args = ap.parse_args()
    url = args.url
    world = json.load(open(args.world))
    cfg = Config(signature_version=UNSIGNED, retries={"max_attempts": 1, "mode": "standard"})
    oidc = boto3.client("sso-oidc", endpoint_url=url, region_name="us-east-1", config=cfg)
    sso = boto3.client("sso", endpoint_url=url, region_name="us-east-1", config=cfg)
    rate = admin(url, "/__emu/stats")["rate"]  # put back at the end: the tests share this emulator
    admin(url, "/__emu/reset-stats", {})

    # Device code grant.
    reg = oidc.register_client(clientName="check", clientType="public", scopes=[SCOPE])
    cid, csec = reg["clientId"], reg["clientSecret"]
    check(reg["clientSecretExpiresAt"] > time.time(), "RegisterClient returns a client that has not expired")
    dev = oidc.start_device_authorization(clientId=cid, clientSecret=csec, startUrl=world["startUrl"])
    check(len(dev["userCode"]) == 9 and dev["verificationUriComplete"].endswith(dev["userCode"]), "StartDeviceAuthorization returns a user code")
    poll = lambda: oidc.create_token(clientId=cid, clientSecret=csec, grantType=DEVICE_GRANT, deviceCode=dev["deviceCode"])  # noqa: E731
    check(code_of(poll) == ("AuthorizationPendingException", 400), "CreateToken before approval: AuthorizationPendingException")
    check(code_of(poll) == ("SlowDownException", 400), "CreateToken polled at once again: SlowDownException")
    admin(url, "/__emu/approve", {"userCode": dev["userCode"]})
    time.sleep(dev["interval"])
    tok = poll()
    check(tok["accessToken"] and tok["refreshToken"] and tok["expiresIn"] > 0, "CreateToken after approval: access and refresh tokens")
    check(code_of(poll)[0] == "InvalidGrantException", "a device code is used once")
    check(code_of(lambda: oidc.create_token(clientId=cid, clientSecret="wrong", grantType=DEVICE_GRANT, deviceCode="x"))
          == ("InvalidClientException", 401), "a wrong client secret: InvalidClientException 401")
    legacy = oidc.register_client(clientName="legacy", clientType="public")
    ldev = oidc.start_device_authorization(clientId=legacy["clientId"], clientSecret=legacy["clientSecret"], startUrl=world["startUrl"])
    admin(url, "/__emu/approve", {"all": True})
    ltok = oidc.create_token(clientId=legacy["clientId"], clientSecret=legacy["clientSecret"], grantType=DEVICE_GRANT, deviceCode=ldev["deviceCode"])
    check("refreshToken" not in ltok, "a client registered without scopes gets no refresh token")
    denied = oidc.start_device_authorization(clientId=cid, clientSecret=csec, startUrl=world["startUrl"])
    check(denied["userCode"] in admin(url, "/__emu/pending")["userCodes"], "/__emu/pending lists a code waiting for approval")
    check(csec in admin(url, "/__emu/secrets")["secrets"], "/__emu/secrets lists the client secrets handed out")
    admin(url, "/__emu/deny", {"userCode": denied["userCode"]})
    check(code_of(lambda: oidc.create_token(clientId=cid, clientSecret=csec, grantType=DEVICE_GRANT, deviceCode=denied["deviceCode"]))[0]
          == "AccessDeniedException", "a denied device code: AccessDeniedException")

    admin(url, "/__emu/token-ttl", {"seconds": 5})
    short = oidc.create_token(clientId=cid, clientSecret=csec, grantType="refresh_token", refreshToken=tok["refreshToken"])
    check(short["expiresIn"] == 5, "/__emu/token-ttl sets the lifetime of the next tokens")
    admin(url, "/__emu/token-ttl", {"seconds": 8 * 3600})
    tok = short

    slow = oidc.start_device_authorization(clientId=cid, clientSecret=csec, startUrl=world["startUrl"])
    admin(url, "/__emu/approve", {"userCode": slow["userCode"]})
    admin(url, "/__emu/slow-down", {"count": 1})
    slow_poll = lambda: oidc.create_token(clientId=cid, clientSecret=csec, grantType=DEVICE_GRANT, deviceCode=slow["deviceCode"])  # noqa: E731
    check(code_of(slow_poll)[0] == "SlowDownException", "/__emu/slow-down: the next poll is told to slow down")
    time.sleep(1)
    check(slow_poll()["accessToken"], "and the one after gets the token")

    # Refresh token rotation.
    new = oidc.create_token(clientId=cid, clientSecret=csec, grantType="refresh_token", refreshToken=tok["refreshToken"])
    check(new["refreshToken"] != tok["refreshToken"], "CreateToken refresh_token rotates the refresh token")
    check(code_of(lambda: oidc.create_token(clientId=cid, clientSecret=csec, grantType="refresh_token", refreshToken=tok["refreshToken"]))
          == ("InvalidGrantException", 400), "the old refresh token no longer works")
    access = new["accessToken"]

    # Authorization code grant with PKCE.
    pk = oidc.register_client(clientName="pkce", clientType="public", scopes=[SCOPE], grantTypes=["authorization_code", "refresh_token"],
                              redirectUris=["http://127.0.0.1/oauth/callback"], issuerUrl=world["startUrl"])
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    redirect = "http://127.0.0.1:54321/oauth/callback"
    params = dict(response_type="code", client_id=pk["clientId"], redirect_uri=redirect, state="st8",
                  code_challenge=challenge, code_challenge_method="S256", scopes=SCOPE)
    status, location = authorize(url, params)
    got = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    check(status == 302 and location.startswith(redirect + "?") and got["state"] == ["st8"], "/authorize redirects to the loopback callback with the state")
    check(authorize(url, dict(params, redirect_uri="http://evil.example/oauth/callback"))[0] == 400, "/authorize refuses a redirect URI off this machine")
    check(authorize(url, dict(params, redirect_uri="http://127.0.0.1:54321/elsewhere"))[0] == 400, "/authorize refuses a path not registered")
    check(authorize(url, dict(params, code_challenge_method="plain"))[1].find("error=invalid_request") > 0, "/authorize wants S256")
    admin(url, "/__emu/deny-authorize", {"count": 1})
    check("error=access_denied" in authorize(url, params)[1], "/__emu/deny-authorize: the callback gets error=access_denied")
    pkce = lambda code, v, r=redirect: oidc.create_token(clientId=pk["clientId"], clientSecret=pk["clientSecret"], grantType="authorization_code",  # noqa: E731
                                                       code=code, codeVerifier=v, redirectUri=r)
    check(code_of(lambda: pkce(got["code"][0], "not-the-verifier"))[0] == "InvalidGrantException", "a wrong PKCE verifier: InvalidGrantException")
    code2 = urllib.parse.parse_qs(urllib.parse.urlsplit(authorize(url, params)[1]).query)["code"][0]
    check(code_of(lambda: pkce(code2, verifier, "http://127.0.0.1:1/oauth/callback"))[0] == "InvalidGrantException", "another redirect URI: InvalidGrantException")
    code3 = urllib.parse.parse_qs(urllib.parse.urlsplit(authorize(url, params)[1]).query)["code"][0]
    ptok = pkce(code3, verifier)
    check(ptok["accessToken"] and ptok["refreshToken"], "authorization_code with the right verifier: tokens")
    check(code_of(lambda: oidc.start_device_authorization(clientId=pk["clientId"], clientSecret=pk["clientSecret"], startUrl=world["startUrl"]))[0]
          == "UnauthorizedClientException", "a client registered for authorization_code may not start a device authorization")

    # Portal.
    acc = sso.list_accounts(accessToken=access, maxResults=2)
    check(len(acc["accountList"]) == 2 and "nextToken" in acc, "ListAccounts pages (maxResults 2)")
    every = [a for p in sso.get_paginator("list_accounts").paginate(accessToken=access) for a in p["accountList"]]
    check([a["accountId"] for a in every] == [a["accountId"] for a in world["accounts"]], "ListAccounts paginator sees every account")
    first = world["accounts"][0]
    roles = [r["roleName"] for p in sso.get_paginator("list_account_roles").paginate(accessToken=access, accountId=first["accountId"], PaginationConfig={"PageSize": 1}) for r in p["roleList"]]
    check(roles == first["roles"], "ListAccountRoles paginator (page size 1)")
    rc = sso.get_role_credentials(accessToken=access, accountId=first["accountId"], roleName=first["roles"][0])["roleCredentials"]
    check(rc["expiration"] > time.time() * 1000, "GetRoleCredentials: expiration in epoch milliseconds")
    ident = boto3.client("sts", endpoint_url=args.moto, region_name="us-east-1", aws_access_key_id=rc["accessKeyId"],
                         aws_secret_access_key=rc["secretAccessKey"], aws_session_token=rc["sessionToken"]).get_caller_identity()
    check(f"assumed-role/AWSReservedSSO_{first['roles'][0]}_" in ident["Arn"] and ident["Account"] == first["accountId"],
          f"the credentials are the AWSReservedSSO role in moto: {ident['Arn']}")
    check(code_of(lambda: sso.get_role_credentials(accessToken=access, accountId=first["accountId"], roleName="Nope")) == ("ForbiddenException", 403),
          "a permission set not assigned: ForbiddenException 403")
    check(code_of(lambda: sso.list_accounts(accessToken="aoa-not-a-token")) == ("UnauthorizedException", 401), "an unknown token: UnauthorizedException 401")

    # Throttling.
    admin(url, "/__emu/rate", {"rate": 1})

    def one(_):
        try:
            sso.list_accounts(accessToken=access)
            return 200
        except ClientError as e:
            return (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])

    with ThreadPoolExecutor(5) as pool:
        codes = list(pool.map(one, range(10)))
    check(("TooManyRequestsException", 429) in codes and 200 in codes, f"over the rate: TooManyRequestsException 429 ({codes})")
    admin(url, "/__emu/rate", {"rate": 3})
    retrying = boto3.client("sso", endpoint_url=url, region_name="us-east-1",
                            config=Config(signature_version=UNSIGNED, retries={"max_attempts": 10, "mode": "standard"}))
    for _ in range(6):
        retrying.list_accounts(accessToken=access)
    check(True, "botocore's standard retries ride through the throttling")
    admin(url, "/__emu/rate", {"rate": 0})

    # Expiry on demand, Logout.
    admin(url, "/__emu/expire", {"access": True})
    check(code_of(lambda: sso.list_accounts(accessToken=ptok["accessToken"]))[0] == "UnauthorizedException", "/__emu/expire access: tokens stop working")
    again = oidc.create_token(clientId=pk["clientId"], clientSecret=pk["clientSecret"], grantType="refresh_token", refreshToken=ptok["refreshToken"])
    sso.list_accounts(accessToken=again["accessToken"])
    sso.logout(accessToken=again["accessToken"])
    check(code_of(lambda: sso.list_accounts(accessToken=again["accessToken"]))[0] == "UnauthorizedException", "Logout ends the access token")
    check(code_of(lambda: oidc.create_token(clientId=pk["clientId"], clientSecret=pk["clientSecret"], grantType="refresh_token",
                                            refreshToken=again["refreshToken"]))[0] == "InvalidGrantException", "Logout ends the refresh token")
    stats = admin(url, "/__emu/stats")
    check(stats.get("throttled", 0) > 0 and stats.get("CreateToken.authorization_code") == 3 and stats.get("Logout") == 1, f"stats count operations: {stats}")

    interop(args, world, oidc)
    admin(url, "/__emu/rate", {"rate": rate})
    admin(url, "/__emu/reset-stats", {})
    print("sso emulator check passed")


def interop(args, world, oidc):
    """The AWS CLI v1 with an sso_session profile and a token in its cache format, refresh included."""
    reg = oidc.register_client(clientName="botocore-client-interop", clientType="public", scopes=[SCOPE])
    dev = oidc.start_device_authorization(clientId=reg["clientId"], clientSecret=reg["clientSecret"], startUrl=world["startUrl"])
    admin(args.url, "/__emu/approve", {"userCode": dev["userCode"]})
    tok = oidc.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType=DEVICE_GRANT, deviceCode=dev["deviceCode"])
    account = world["accounts"][0]
    role = account["roles"][-1]
    with tempfile.TemporaryDirectory() as home:
        os.makedirs(f"{home}/.aws/sso/cache")
        with open(f"{home}/.aws/config", "w") as f:
            f.write(f"[sso-session acme]\nsso_start_url = {world['startUrl']}\nsso_region = {world['region']}\n"
                    f"sso_registration_scopes = {SCOPE}\n\n[profile x]\nsso_session = acme\nsso_account_id = {account['accountId']}\n"
                    f"sso_role_name = {role}\nregion = us-east-1\n")
        now = datetime.now(timezone.utc)
        iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
        cache = {
            "startUrl": world["startUrl"], "region": world["region"], "accessToken": tok["accessToken"],
            # Inside botocore's 15-minute window: the CLI must refresh through the emulator first.
            "expiresAt": iso(now + timedelta(minutes=5)), "refreshToken": tok["refreshToken"],
            "clientId": reg["clientId"], "clientSecret": reg["clientSecret"],
            "registrationExpiresAt": iso(datetime.fromtimestamp(reg["clientSecretExpiresAt"], timezone.utc)),
        }
        path = f"{home}/.aws/sso/cache/{hashlib.sha1(b'acme').hexdigest()}.json"
        with open(path, "w") as f:
            json.dump(cache, f)
        env = {"HOME": home, "PATH": os.environ.get("PATH", ""), "AWS_CONFIG_FILE": f"{home}/.aws/config",
               "AWS_SHARED_CREDENTIALS_FILE": f"{home}/.aws/credentials", "AWS_EC2_METADATA_DISABLED": "true",
               "AWS_ENDPOINT_URL_SSO_OIDC": args.url, "AWS_ENDPOINT_URL_SSO": args.url, "AWS_ENDPOINT_URL_STS": args.moto}
        before = admin(args.url, "/__emu/stats").get("CreateToken.refresh_token", 0)
        out = subprocess.run([args.aws, "sts", "get-caller-identity", "--profile", "x", "--output", "json"], env=env,
                             capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise AssertionError(f"aws sts get-caller-identity failed: {out.stderr}")
        arn = json.loads(out.stdout)["Arn"]
        check(f":assumed-role/AWSReservedSSO_{role}_" in arn and account["accountId"] in arn, f"AWS CLI v1 with an sso_session profile: {arn}")
        check(admin(args.url, "/__emu/stats").get("CreateToken.refresh_token", 0) == before + 1, "the CLI refreshed the token through the emulator")
        saved = json.load(open(path))
        check(saved["refreshToken"] != tok["refreshToken"] and saved["accessToken"] != tok["accessToken"], "and wrote the rotated token back to its cache")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"FAILED: {e}", file=sys.stderr)
        sys.exit(1)
