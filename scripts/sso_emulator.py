#!/usr/bin/env python3
"""A small local IAM Identity Center for rolecall's tests and demo (moto has no sso/sso-oidc).

One port serves both services with the real wire protocol (restJson1, as in botocore's
models `sso-oidc/2019-06-10` and `sso/2019-06-10`):

  OIDC    POST /client/register          RegisterClient
          POST /device_authorization     StartDeviceAuthorization
          POST /token                    CreateToken (device_code, authorization_code + PKCE S256,
                                         refresh_token; refresh tokens rotate)
          GET  /authorize                the browser step of the authorization-code grant: 302 to
                                         the loopback redirect URI with ?code=&state=
          GET  /device[?user_code=]      a page a person can approve a device code on
  portal  GET  /assignment/accounts      ListAccounts       (header x-amz-sso_bearer_token)
          GET  /assignment/roles         ListAccountRoles
          GET  /federation/credentials   GetRoleCredentials (assumes the AWSReservedSSO_* role in moto)
          POST /logout                   Logout
  admin   POST /__emu/approve {"userCode": "ABCD-EFGH"} | {"all": true}
          POST /__emu/deny    {"userCode": ...}
          POST /__emu/expire  {"access": true} | {"refresh": true} | {"clients": true}
          POST /__emu/revoke  {}  (an administrator ends every sign-in session: its access and
                                   refresh tokens are refused from now on, with 401 / invalid_grant)
          POST /__emu/rate    {"rate": N}          (portal requests per second; 0 = no limit)
          POST /__emu/deny-authorize {"count": N}  (the next N /authorize redirect with error=access_denied)
          POST /__emu/slow-down {"count": N}       (the next N device-code polls get slow_down)
          POST /__emu/token-ttl {"seconds": N}     (lifetime of the access tokens issued from now on)
          GET  /__emu/stats   POST /__emu/reset-stats  (counts per operation, throttled ones,
                                         and per account: GetRoleCredentials.targets,
                                         ListAccountRoles.accounts)
          GET  /__emu/pending  the user codes of device authorizations waiting for approval
          GET  /__emu/secrets  every token and client secret handed out (tests look for leaks)

The portal API is throttled (token bucket, --rate per second, burst of the same size) with
429 TooManyRequestsException, as Identity Center does. Errors carry the `x-amzn-errortype`
header and the modelled body (`{"error", "error_description"}` for OIDC, `{"message"}` for the
portal). Nothing secret is logged: one line per request with the path, never the query or headers.

Usage: sso_emulator.py --port P --moto URL --world FILE [--rate 20] [--token-ttl SECONDS]
"""
import argparse
import base64
import hashlib
import json
import secrets
import sys
import threading
import time
import urllib.parse
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SCOPE = "sso:account:access"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
GRANTS = {"authorization_code", "refresh_token", DEVICE_GRANT}
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
CLIENT_TTL = 90 * 24 * 3600
DEVICE_TTL = 600
CODE_TTL = 300


def role_arn(account_id, permission_set):
    """The role Identity Center provisions in an account for a permission set."""
    suffix = hashlib.sha256(f"{account_id}/{permission_set}".encode()).hexdigest()[:16]
    return f"arn:aws:iam::{account_id}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_{permission_set}_{suffix}"


class ApiError(Exception):
    def __init__(self, status, type_, body):
        super().__init__(type_)
        self.status, self.type, self.body = status, type_, body


def oidc_error(status, type_, code, description):
    return ApiError(status, type_, {"error": code, "error_description": description})


def portal_error(status, type_, message):
    return ApiError(status, type_, {"message": message})


def invalid_request(description):
    return oidc_error(400, "InvalidRequestException", "invalid_request", description)


class Bucket:
    """Token bucket: `rate` requests a second, bursts of `rate`. rate <= 0: no limit."""

    def __init__(self, rate):
        self.set(rate)

    def set(self, rate):
        self.rate = float(rate)
        self.tokens = self.rate
        self.at = time.monotonic()

    def take(self):
        if self.rate <= 0:
            return True
        now = time.monotonic()
        self.tokens = min(self.rate, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class Emulator:
    def __init__(self, world, moto_url, rate, token_ttl):
        self.world = world
        self.accounts = {a["accountId"]: a for a in world["accounts"]}
        self.order = [a["accountId"] for a in world["accounts"]]
        self.moto_url = moto_url
        self.token_ttl = token_ttl
        self.lock = threading.Lock()
        self.bucket = Bucket(rate)
        self.stats = Counter()
        self.targets = Counter()
        self.listed = Counter()  # account id -> ListAccountRoles answered (not throttled)
        self.clients = {}  # clientId -> {secret, scopes, grantTypes, redirectUris, expiresAt}
        self.devices = {}  # deviceCode -> {userCode, clientId, state, expiresAt, interval, lastPoll}
        self.codes = {}  # auth code -> {clientId, redirectUri, challenge, scopes, expiresAt}
        self.access = {}  # access token -> {session, expiresAt}
        self.refresh = {}  # refresh token -> {session, clientId}
        self.ended = set()  # sessions ended by Logout or /__emu/expire refresh
        self.deny_authorize = 0  # the next N /authorize visits are refused by "the person" (/__emu/deny-authorize)
        self.force_slow_down = 0  # the next N device-code polls get slow_down (/__emu/slow-down)
        self.issued = []  # every secret handed out, for tests that look for leaks (/__emu/secrets)
        self._sts = None

    # ---- helpers -------------------------------------------------------------------------
    def count(self, key):
        self.stats[key] += 1

    def sts(self):
        if self._sts is None:
            import boto3  # slow to import: only when the first credentials are asked for

            self._sts = boto3.client(
                "sts", endpoint_url=self.moto_url, region_name=self.world.get("region", "us-east-1"),
                aws_access_key_id="testing", aws_secret_access_key="testing",
            )
        return self._sts

    def client(self, body, need_secret=True):
        client_id = body.get("clientId")
        client = self.clients.get(client_id)
        if client is None or (need_secret and body.get("clientSecret") != client["secret"]):
            raise oidc_error(401, "InvalidClientException", "invalid_client", "Invalid client credentials")
        if client["expiresAt"] <= time.time():
            raise oidc_error(401, "InvalidClientException", "invalid_client", "Client registration has expired")
        return client_id, client

    def issue(self, client_id, client, session=None):
        """Access token (and a refresh token when the client registered scopes) for a session."""
        session = session or secrets.token_hex(8)
        access = "aoa" + secrets.token_urlsafe(48)
        self.access[access] = {"session": session, "expiresAt": time.time() + self.token_ttl}
        self.issued.append(access)
        out = {"accessToken": access, "tokenType": "Bearer", "expiresIn": self.token_ttl}
        if SCOPE in client["scopes"]:
            refresh = "aor" + secrets.token_urlsafe(48)
            self.refresh[refresh] = {"session": session, "clientId": client_id}
            self.issued.append(refresh)
            out["refreshToken"] = refresh
        return out

    def bearer(self, headers):
        token = headers.get("x-amz-sso_bearer_token")
        entry = self.access.get(token) if token else None
        if entry is None or entry["expiresAt"] <= time.time() or entry["session"] in self.ended:
            raise portal_error(401, "UnauthorizedException", "Session token not found or invalid")
        return token, entry

    def throttle(self, op):
        if not self.bucket.take():
            self.count("throttled")
            self.count(f"throttled.{op}")
            raise portal_error(429, "TooManyRequestsException", "Rate exceeded")

    # ---- OIDC --------------------------------------------------------------------------------
    def register_client(self, body, base):
        self.count("RegisterClient")
        if not body.get("clientName") or not body.get("clientType"):
            raise invalid_request("clientName and clientType are required")
        if body["clientType"] != "public":
            raise oidc_error(400, "InvalidClientMetadataException", "invalid_client_metadata", "clientType must be public")
        scopes = body.get("scopes") or []
        if any(s not in (SCOPE, "openid", "sso:account:access:all") for s in scopes):
            raise oidc_error(400, "InvalidScopeException", "invalid_scope", "Invalid scope requested")
        grants = body.get("grantTypes") or []
        if any(g not in GRANTS for g in grants):
            raise oidc_error(400, "UnsupportedGrantTypeException", "unsupported_grant_type", "Unsupported grant type")
        redirects = body.get("redirectUris") or []
        for uri in redirects:
            if not loopback(uri):
                raise oidc_error(400, "InvalidRedirectUriException", "invalid_redirect_uri", "Redirect URIs must be loopback http URLs")
        if "authorization_code" in grants and not redirects:
            raise oidc_error(400, "InvalidRedirectUriException", "invalid_redirect_uri", "The authorization_code grant needs redirectUris")
        now = int(time.time())
        client_id = "emu-" + secrets.token_urlsafe(16)
        secret = secrets.token_urlsafe(48)
        self.issued.append(secret)
        self.clients[client_id] = {
            "secret": secret, "scopes": scopes, "grantTypes": grants, "redirectUris": redirects,
            "expiresAt": now + CLIENT_TTL, "name": body["clientName"],
        }
        return {
            "clientId": client_id, "clientSecret": secret, "clientIdIssuedAt": now,
            "clientSecretExpiresAt": now + CLIENT_TTL,
            "authorizationEndpoint": f"{base}/authorize", "tokenEndpoint": f"{base}/token",
        }

    def start_device(self, body, base):
        self.count("StartDeviceAuthorization")
        client_id, client = self.client(body)
        if client["grantTypes"] and DEVICE_GRANT not in client["grantTypes"]:
            raise oidc_error(400, "UnauthorizedClientException", "unauthorized_client", "The client may not use the device code grant")
        if not body.get("startUrl"):
            raise invalid_request("startUrl is required")
        if body["startUrl"].rstrip("/#") != self.world["startUrl"].rstrip("/#"):
            raise invalid_request("Unknown start URL")
        alphabet = "BCDFGHJKLMNPQRSTVWXZ"
        user_code = "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(2))
        device = "emu-dc-" + secrets.token_urlsafe(32)
        self.devices[device] = {
            "userCode": user_code, "clientId": client_id, "state": "pending",
            "expiresAt": time.time() + DEVICE_TTL, "interval": 1, "lastPoll": 0.0,
        }
        return {
            "deviceCode": device, "userCode": user_code,
            "verificationUri": f"{base}/device",
            "verificationUriComplete": f"{base}/device?user_code={user_code}",
            "expiresIn": DEVICE_TTL, "interval": 1,
        }

    def create_token(self, body):
        grant = body.get("grantType")
        self.count("CreateToken")
        self.count(f"CreateToken.{'device_code' if grant == DEVICE_GRANT else grant}")
        if not body.get("clientId") or not body.get("clientSecret") or not grant:
            raise invalid_request("clientId, clientSecret and grantType are required")
        client_id, client = self.client(body)
        if grant not in GRANTS:
            raise oidc_error(400, "UnsupportedGrantTypeException", "unsupported_grant_type", "Unsupported grant type")
        if client["grantTypes"] and grant not in client["grantTypes"]:
            raise oidc_error(400, "UnauthorizedClientException", "unauthorized_client", "Grant type not registered for this client")
        if grant == DEVICE_GRANT:
            return self.token_device(body, client_id, client)
        if grant == "authorization_code":
            return self.token_code(body, client_id, client)
        return self.token_refresh(body, client_id, client)

    def token_device(self, body, client_id, client):
        device = self.devices.get(body.get("deviceCode") or "")
        if device is None or device["clientId"] != client_id:
            raise oidc_error(400, "InvalidGrantException", "invalid_grant", "Invalid device code provided")
        now = time.time()
        if device["expiresAt"] <= now:
            raise oidc_error(400, "ExpiredTokenException", "expired_token", "Device code has expired")
        if device["state"] == "denied":
            raise oidc_error(400, "AccessDeniedException", "access_denied", "The user denied the request")
        if device["state"] == "used":
            raise oidc_error(400, "InvalidGrantException", "invalid_grant", "Device code has already been used")
        # Polling faster than half the interval is what RFC 8628 calls slowing down.
        too_fast = now - device["lastPoll"] < device["interval"] / 2
        device["lastPoll"] = now
        if too_fast or self.force_slow_down > 0:
            self.force_slow_down = max(0, self.force_slow_down - 1)
            raise oidc_error(400, "SlowDownException", "slow_down", "Client is polling too quickly")
        if device["state"] == "pending":
            raise oidc_error(400, "AuthorizationPendingException", "authorization_pending", "Authorization is still pending")
        device["state"] = "used"
        self.count("issued.device_code")
        return self.issue(client_id, client)

    def token_code(self, body, client_id, client):
        code = self.codes.pop(body.get("code") or "", None)  # single use, whatever happens next
        if code is None or code["expiresAt"] <= time.time() or code["clientId"] != client_id:
            raise oidc_error(400, "InvalidGrantException", "invalid_grant", "Invalid authorization code provided")
        if body.get("redirectUri") != code["redirectUri"]:
            raise oidc_error(400, "InvalidGrantException", "invalid_grant", "Redirect URI does not match the authorization request")
        verifier = body.get("codeVerifier") or ""
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not verifier or not secrets.compare_digest(digest, code["challenge"]):
            raise oidc_error(400, "InvalidGrantException", "invalid_grant", "Code verifier does not match the code challenge")
        self.count("issued.authorization_code")
        return self.issue(client_id, client)

    def token_refresh(self, body, client_id, client):
        entry = self.refresh.pop(body.get("refreshToken") or "", None)  # rotation: the old one is spent
        if entry is None or entry["clientId"] != client_id or entry["session"] in self.ended:
            raise oidc_error(400, "InvalidGrantException", "invalid_grant", "Invalid refresh token provided")
        self.count("issued.refresh_token")
        self.count(f"refreshed-by.{client['name']}")  # which client refreshed (tests: the token's own)
        return self.issue(client_id, client, session=entry["session"])

    def authorize(self, query):
        """The browser step: returns (status, location or message)."""
        self.count("Authorize")
        q = {k: v[0] for k, v in urllib.parse.parse_qs(query).items()}
        client = self.clients.get(q.get("client_id", ""))
        redirect = q.get("redirect_uri", "")
        if client is None:
            return 400, "unknown client_id"
        if not loopback(redirect) or not redirect_allowed(redirect, client["redirectUris"]):
            return 400, "redirect_uri is not registered for this client"
        if client["grantTypes"] and "authorization_code" not in client["grantTypes"]:
            return 302, with_query(redirect, error="unauthorized_client", state=q.get("state", ""))
        if self.deny_authorize > 0:
            self.deny_authorize -= 1
            return 302, with_query(redirect, error="access_denied", error_description="The user denied the request", state=q.get("state", ""))
        if q.get("response_type") != "code" or q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return 302, with_query(redirect, error="invalid_request", state=q.get("state", ""))
        code = "emu-code-" + secrets.token_urlsafe(24)
        self.codes[code] = {
            "clientId": q["client_id"], "redirectUri": redirect, "challenge": q["code_challenge"],
            "expiresAt": time.time() + CODE_TTL,
        }
        return 302, with_query(redirect, code=code, state=q.get("state", ""))

    # ---- portal ------------------------------------------------------------------------------
    def page(self, items, query, key):
        try:
            size = int(query.get("max_result", "20"))
            start = int(query.get("next_token") or "0")
        except ValueError:
            raise portal_error(400, "InvalidRequestException", "Invalid max_result or next_token")
        if not 1 <= size <= 100 or not 0 <= start <= len(items):
            raise portal_error(400, "InvalidRequestException", "Invalid max_result or next_token")
        out = {key: items[start:start + size]}
        if start + size < len(items):
            out["nextToken"] = str(start + size)
        return out

    def list_accounts(self, query, headers):
        self.bearer(headers)
        self.throttle("ListAccounts")
        self.count("ListAccounts")
        items = [{k: self.accounts[a][k] for k in ("accountId", "accountName", "emailAddress")} for a in self.order]
        return self.page(items, query, "accountList")

    def list_roles(self, query, headers):
        self.bearer(headers)
        self.throttle("ListAccountRoles")
        self.count("ListAccountRoles")
        account = query.get("account_id")
        if not account:
            raise portal_error(400, "InvalidRequestException", "account_id is required")
        self.listed[account] += 1
        roles = self.accounts.get(account, {}).get("roles", [])
        return self.page([{"roleName": r, "accountId": account} for r in roles], query, "roleList")

    def role_credentials(self, query, headers):
        self.bearer(headers)
        self.throttle("GetRoleCredentials")
        account, role = query.get("account_id"), query.get("role_name")
        if not account or not role:
            raise portal_error(400, "InvalidRequestException", "account_id and role_name are required")
        if role not in self.accounts.get(account, {}).get("roles", []):
            raise portal_error(403, "ForbiddenException", "No access")
        self.count("GetRoleCredentials")
        self.targets[f"{account}/{role}"] += 1
        return role_arn(account, role)

    def logout(self, headers):
        token, entry = self.bearer(headers)
        self.throttle("Logout")
        self.count("Logout")
        self.ended.add(entry["session"])
        self.access.pop(token, None)
        return {}

    # ---- admin ---------------------------------------------------------------------------------
    def admin(self, path, body):
        if path == "/__emu/pending":
            now = time.time()
            return {"userCodes": [d["userCode"] for d in self.devices.values() if d["state"] == "pending" and d["expiresAt"] > now]}
        if path == "/__emu/secrets":
            return {"secrets": list(self.issued)}
        if path == "/__emu/stats":
            return {**self.stats, "GetRoleCredentials.targets": dict(self.targets),
                    "ListAccountRoles.accounts": dict(self.listed), "rate": self.bucket.rate}
        if path == "/__emu/reset-stats":
            self.stats.clear()
            self.targets.clear()
            self.listed.clear()
            return {}
        if path in ("/__emu/approve", "/__emu/deny"):
            state = "approved" if path.endswith("approve") else "denied"
            n = 0
            for device in self.devices.values():
                if device["state"] == "pending" and (body.get("all") or device["userCode"] == body.get("userCode")):
                    device["state"] = state
                    n += 1
            return {"changed": n}
        if path == "/__emu/expire":
            if body.get("access"):
                for entry in self.access.values():
                    entry["expiresAt"] = 0
            if body.get("refresh"):
                self.refresh.clear()
            if body.get("clients"):
                for client in self.clients.values():
                    client["expiresAt"] = 0
            return {}
        if path == "/__emu/revoke":
            sessions = {e["session"] for e in self.access.values()} | {e["session"] for e in self.refresh.values()}
            self.ended |= sessions
            return {"revoked": len(sessions)}
        if path == "/__emu/deny-authorize":
            self.deny_authorize = int(body.get("count", 1))
            return {"count": self.deny_authorize}
        if path == "/__emu/slow-down":
            self.force_slow_down = int(body.get("count", 1))
            return {"count": self.force_slow_down}
        if path == "/__emu/token-ttl":
            self.token_ttl = int(body.get("seconds", self.token_ttl))
            return {"seconds": self.token_ttl}
        if path == "/__emu/rate":
            self.bucket.set(body.get("rate", 0))
            return {"rate": self.bucket.rate}
        return None


def loopback(uri):
    """An http URL on this machine: the only place a test's browser may be sent back to."""
    try:
        u = urllib.parse.urlsplit(uri)
        return u.scheme == "http" and (u.hostname or "") in LOOPBACK_HOSTS
    except ValueError:
        return False


def redirect_allowed(uri, registered):
    """Loopback redirect URIs match a registered one whatever their port (RFC 8252 §7.3)."""
    if not registered:
        return True
    u = urllib.parse.urlsplit(uri)
    for r in registered:
        v = urllib.parse.urlsplit(r)
        if (u.scheme, u.hostname, u.path or "/") == (v.scheme, v.hostname, v.path or "/"):
            return True
    return False


def with_query(uri, **params):
    sep = "&" if urllib.parse.urlsplit(uri).query else "?"
    return uri + sep + urllib.parse.urlencode(params)


DEVICE_PAGE = """<!doctype html><title>Emulated IAM Identity Center</title>
<h1>Emulated IAM Identity Center</h1><p>{message}</p>
<form method="post" action="/device"><label>Code <input name="user_code" value="{code}"></label>
<button>Allow</button></form>"""


def make_handler(emu):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms stall between them
        server_version = "rolecall-sso-emulator"

        def log_message(self, fmt, *args):  # the path only: queries and headers may hold secrets
            sys.stderr.write(f"{self.log_date_time_string()} {self.command} {self.path.split('?')[0]} {args[1] if len(args) > 1 else ''}\n")

        def reply(self, status, body=None, headers=(), content_type="application/json"):
            data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def body(self):
            n = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(n) if n else b""
            if not raw:
                return {}
            if "json" not in (self.headers.get("Content-Type") or "json"):
                return {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode()).items()}
            try:
                value = json.loads(raw)
            except ValueError:
                raise invalid_request("The request body is not JSON")
            if not isinstance(value, dict):
                raise invalid_request("The request body is not a JSON object")
            return value

        def handle_one(self):
            path, _, query = self.path.partition("?")
            q = {k: v[0] for k, v in urllib.parse.parse_qs(query).items()}
            base = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"
            headers = {k.lower(): v for k, v in self.headers.items()}
            method = self.command
            body = self.body() if method == "POST" else {}
            if path.startswith("/__emu/"):
                with emu.lock:
                    out = emu.admin(path, body)
                return self.reply(404 if out is None else 200, out or {})
            if method == "GET" and path == "/authorize":
                with emu.lock:
                    status, where = emu.authorize(query)
                if status == 302:
                    return self.reply(302, b"", [("Location", where)], "text/plain")
                return self.reply(status, where.encode(), content_type="text/plain")
            if path == "/device":
                code = q.get("user_code") or body.get("user_code") or ""
                message = "Enter the code rolecall showed you."
                if method == "POST":
                    with emu.lock:
                        n = emu.admin("/__emu/approve", {"userCode": code.strip().upper()})["changed"]
                    message = "Approved: you may close this page." if n else "No pending request has that code."
                page = DEVICE_PAGE.format(message=message, code=urllib.parse.quote(code, safe="-"))
                return self.reply(200, page.encode(), content_type="text/html; charset=utf-8")
            routes = {
                ("POST", "/client/register"): lambda: emu.register_client(body, base),
                ("POST", "/device_authorization"): lambda: emu.start_device(body, base),
                ("POST", "/token"): lambda: emu.create_token(body),
                ("GET", "/assignment/accounts"): lambda: emu.list_accounts(q, headers),
                ("GET", "/assignment/roles"): lambda: emu.list_roles(q, headers),
                ("GET", "/federation/credentials"): lambda: emu.role_credentials(q, headers),
                ("POST", "/logout"): lambda: emu.logout(headers),
            }
            route = routes.get((method, path))
            if route is None:
                raise portal_error(404, "ResourceNotFoundException", f"No such operation: {method} {path}")
            with emu.lock:
                out = route()
            if path == "/federation/credentials":  # moto outside the lock: it takes a few ms
                out = self.assume(out, q)
            return self.reply(200, out)

        def assume(self, arn, q):
            try:
                creds = emu.sts().assume_role(RoleArn=arn, RoleSessionName="alice@acme.example", DurationSeconds=3600)["Credentials"]
            except Exception as e:  # moto unreachable: the portal's own failure
                raise portal_error(500, "InternalServerException", f"could not assume {arn}: {type(e).__name__}")
            return {"roleCredentials": {
                "accessKeyId": creds["AccessKeyId"], "secretAccessKey": creds["SecretAccessKey"],
                "sessionToken": creds["SessionToken"], "expiration": int(creds["Expiration"].timestamp() * 1000),
            }}

        def dispatch(self):
            try:
                self.handle_one()
            except ApiError as e:
                self.reply(e.status, e.body, [("x-amzn-errortype", e.type)])
            except (BrokenPipeError, ConnectionResetError):
                pass

        do_GET = do_POST = dispatch

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--moto", required=True, help="moto's URL (STS AssumeRole for GetRoleCredentials)")
    ap.add_argument("--world", required=True, help="the JSON scripts/seed_sso.py wrote")
    ap.add_argument("--rate", type=float, default=20, help="portal requests per second (0: no limit)")
    ap.add_argument("--token-ttl", type=int, default=8 * 3600, help="access token lifetime in seconds")
    args = ap.parse_args()
    try:
        with open(args.world) as f:
            world = json.load(f)
        emu = Emulator(world, args.moto, args.rate, args.token_ttl)
    except (OSError, ValueError, KeyError, TypeError) as e:
        sys.exit(f"sso_emulator: the world file {args.world}: {type(e).__name__}: {e}")
    try:
        server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(emu))
    except OSError as e:
        sys.exit(f"sso_emulator: cannot listen on 127.0.0.1:{args.port}: {e}")
    server.daemon_threads = True
    sys.stderr.write(f"sso emulator on http://127.0.0.1:{args.port}: {len(emu.accounts)} accounts, rate {args.rate}/s\n")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
