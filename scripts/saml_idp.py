#!/usr/bin/env python3
"""A small local SAML 2.0 identity provider for rolecall's tests and demo.

A person signs in as an employee of a SAML company would: the IdP-initiated URL of the
"AWS app" shows a login form (user, password), then a TOTP step (RFC 6238, the secret is
in the world file), then a page whose form posts the signed SAMLResponse to the AWS SAML
endpoint by itself (--aws-saml-url, default https://signin.aws.amazon.com/saml: a browser
test intercepts that POST before it leaves the machine). Once signed in, a cookie makes
the next visit one click, as real IdPs do.

  GET  /app/aws                  the IdP-initiated sign-in URL of the AWS app
  POST /login                    user, password         -> the TOTP form
  POST /totp                     code                   -> the auto-submitting form
  admin
  GET  /__idp/cert               the signing certificate (PEM; the stand-in trusts it)
  GET  /__idp/stats              {"signIns", "assertions", "failedLogins"}
  POST /__idp/reset-stats
  POST /__idp/forget-sessions    the next visit asks for the password again
  POST /__idp/next {"mode": M, "count": N}   what the next assertion says (once):
        normal | expired | no-roles | many-roles (N pairs, default 200) | hostile |
        dtd-bomb | xxe | huge (~10 MB) | unsigned-roles (a second, unsigned assertion)
  POST /__idp/config {"sessionDuration": N|null, "ttl": SECONDS}   from now on
  GET  /__idp/assertion[?mode=M&count=N]   a fresh base64 SAMLResponse without the browser
                                 (for `--assertion-from`), counted as an assertion; with
                                 ?mode= that one, leaving what /__idp/next set alone

The key pair is generated at start. Nothing here is a secret (a test IdP); requests are
logged as one line with the path only.

Usage: saml_idp.py --port P --world saml-world.json [--aws-saml-url URL]
"""
import argparse
import base64
import datetime
import hashlib
import hmac
import html
import json
import secrets
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from saml_xml import (DURATION_ATTR, NS_A, NS_P, ROLE_ATTR, SESSION_NAME_ATTR,  # noqa: E402
                      el, signature, text)

MODES = {"normal", "expired", "no-roles", "many-roles", "hostile", "dtd-bomb", "xxe", "huge", "unsigned-roles"}


def totp(secret_b32, at=None, step=30, digits=6):
    """RFC 6238 with SHA-1, as authenticator apps compute it."""
    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    counter = int((time.time() if at is None else at) // step)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % (10 ** digits)
    return f"{code:0{digits}d}"


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_key():
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rolecall test IdP")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365)).sign(key, hashes.SHA256()))
    return key, cert.public_bytes(serialization.Encoding.DER), cert.public_bytes(serialization.Encoding.PEM)


class Idp:
    def __init__(self, world, aws_url, entity_id):
        self.world = world
        self.aws_url = aws_url
        self.entity_id = entity_id
        self.key, self.cert_der, self.cert_pem = make_key()
        self.lock = threading.Lock()
        self.stats = {"signIns": 0, "assertions": 0, "failedLogins": 0}
        self.pending = {}   # cookie -> user, after the password
        self.sessions = set()
        self.next = None    # (mode, count) for the next assertion
        self.session_duration = 28800
        self.ttl = 300

    def take_mode(self):
        with self.lock:
            mode, self.next = self.next or ("normal", 0), None
            self.stats["assertions"] += 1
            return mode

    def role_values(self, mode, count):
        w = self.world
        pairs = [(r["roleArn"], r["principalArn"]) for r in w["roles"]]
        if mode == "no-roles":
            return []
        if mode == "many-roles":
            n = count or 200
            pairs = [(f"arn:aws:iam::{700000000000 + i // 4:012d}:role/SamlRole{i % 4}",
                      f"arn:aws:iam::{700000000000 + i // 4:012d}:saml-provider/{w['provider']}") for i in range(n)]
        # Real IdPs write either order: AD FS "provider,role", others "role,provider".
        values = [f"{p},{r}" if i % 2 else f"{r},{p}" for i, (r, p) in enumerate(pairs)]
        if mode == "hostile":
            a = w["roles"][0]["accountId"]
            values += [
                # Legal in IAM: a path and the odd characters a role name may hold (not the comma: it splits the pair).
                f"arn:aws:iam::{a}:role/team/odd/x+=.@-_y,arn:aws:iam::{a}:saml-provider/{w['provider']}",
                # Not an ARN a role can have: a C1 CSI (U+009B, an escape sequence to 8-bit terminals;
                # XML 1.0 forbids ESC itself), a right-to-left override, shell. A client must refuse it.
                f"arn:aws:iam::{a}:role/\u009b31mevil$(touch /tmp/rolecall-pwned)`id`\u202e,arn:aws:iam::{a}:saml-provider/{w['provider']}",
                "not-an-arn,\u009b]0;title",
            ]
        return values

    def response(self, mode="normal", count=0, now=None):
        """The SAMLResponse XML (bytes) for the world's user, as `mode` asks."""
        now = time.time() if now is None else now
        if mode == "expired":
            now -= self.ttl + 600
        aid = "_a" + secrets.token_hex(16)
        user = self.world["user"]["name"]
        if mode == "hostile":
            user = "alice\u009b2J\"';$(reboot)"
        attrs = [el("saml2:Attribute", {"Name": SESSION_NAME_ATTR}, el("saml2:AttributeValue", body=text(user)))]
        roles = self.role_values(mode, count)
        if roles:
            attrs.append(el("saml2:Attribute", {"Name": ROLE_ATTR, "NameFormat": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"},
                            "".join(el("saml2:AttributeValue", body=text(v)) for v in roles)))
        if self.session_duration is not None:
            attrs.append(el("saml2:Attribute", {"Name": DURATION_ATTR}, el("saml2:AttributeValue", body=str(self.session_duration))))
        if mode == "huge":
            attrs.append(el("saml2:Attribute", {"Name": "urn:example:padding"}, el("saml2:AttributeValue", body="A" * (10 * 1024 * 1024))))
        if mode == "dtd-bomb":
            attrs.append(el("saml2:Attribute", {"Name": "urn:example:lol"}, el("saml2:AttributeValue", body="&lol9;")))
        if mode == "xxe":
            attrs.append(el("saml2:Attribute", {"Name": "urn:example:xxe"}, el("saml2:AttributeValue", body="&xxe;")))
        issuer = el("saml2:Issuer", body=text(self.entity_id))
        body = (
            el("saml2:Subject", body=(
                el("saml2:NameID", {"Format": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"}, text(user))
                + el("saml2:SubjectConfirmation", {"Method": "urn:oasis:names:tc:SAML:2.0:cm:bearer"},
                     el("saml2:SubjectConfirmationData", {"NotOnOrAfter": iso(now + self.ttl), "Recipient": self.aws_url}))))
            + el("saml2:Conditions", {"NotBefore": iso(now - 5), "NotOnOrAfter": iso(now + self.ttl)},
                 el("saml2:AudienceRestriction", body=el("saml2:Audience", body="urn:amazon:webservices")))
            + el("saml2:AuthnStatement", {"AuthnInstant": iso(now), "SessionIndex": aid},
                 el("saml2:AuthnContext", body=el("saml2:AuthnContextClassRef", body="urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport")))
            + el("saml2:AttributeStatement", body="".join(attrs)))
        head = {"ID": aid, "IssueInstant": iso(now), "Version": "2.0"}
        unsigned = el("saml2:Assertion", head, issuer + body, ns={"saml2": NS_A})
        sig = signature(unsigned, aid, self.key, self.cert_der)
        assertion = el("saml2:Assertion", head, issuer + sig + body, ns={"saml2": NS_A})
        if mode == "unsigned-roles":
            # Signature wrapping: a second, unsigned assertion granting a role the person does not have.
            assertion += el("saml2:Assertion", {"ID": "_evil", "Version": "2.0"}, ns={"saml2": NS_A}, body=el("saml2:AttributeStatement", body=el(
                "saml2:Attribute", {"Name": ROLE_ATTR}, el("saml2:AttributeValue", body="arn:aws:iam::999999999999:role/Evil,arn:aws:iam::999999999999:saml-provider/x"))))
        doc = el("samlp:Response", {"Destination": self.aws_url, "ID": "_r" + secrets.token_hex(16), "IssueInstant": iso(now), "Version": "2.0"},
                 el("saml2:Issuer", body=text(self.entity_id))
                 + el("samlp:Status", body=el("samlp:StatusCode", {"Value": "urn:oasis:names:tc:SAML:2.0:status:Success"}))
                 + assertion, ns={"samlp": NS_P, "saml2": NS_A})
        prolog = '<?xml version="1.0" encoding="UTF-8"?>'
        if mode == "dtd-bomb":
            ents = '<!ENTITY lol "lol">' + "".join(
                f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
            prolog += f"<!DOCTYPE samlp:Response [{ents}]>"
        if mode == "xxe":
            prolog += '<!DOCTYPE samlp:Response [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        return (prolog + doc).encode()

    def saml_response_b64(self, fixed=None):
        if fixed:
            with self.lock:
                self.stats["assertions"] += 1
        mode, count = fixed or self.take_mode()
        return base64.b64encode(self.response(mode, count)).decode()

    def post_page(self):
        value = self.saml_response_b64()
        return ("<!doctype html><html><head><title>Signing in to AWS</title></head>"
                '<body onload="document.forms[0].submit()">'
                f'<form method="post" action="{html.escape(self.aws_url)}">'
                f'<input type="hidden" name="SAMLResponse" value="{html.escape(value)}">'
                "<noscript><button type=\"submit\">Continue to AWS</button></noscript></form></body></html>")


def page(title, body):
    return f"<!doctype html><html><head><title>{html.escape(title)}</title></head><body><h1>{html.escape(title)}</h1>{body}</body></html>"


LOGIN_FORM = ('<form method="post" action="/login"><label>User <input name="user" id="user" autocomplete="username"></label>'
              '<label>Password <input name="password" id="password" type="password"></label>'
              '<button type="submit" id="signin">Sign in</button></form>')
TOTP_FORM = ('<form method="post" action="/totp"><label>Code from your authenticator app '
             '<input name="code" id="code" inputmode="numeric" autocomplete="one-time-code"></label>'
             '<button type="submit" id="verify">Verify</button></form>')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--world", required=True)
    ap.add_argument("--aws-saml-url", default="https://signin.aws.amazon.com/saml")
    args = ap.parse_args()
    with open(args.world) as f:
        world = json.load(f)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), None)
    port = server.server_address[1]
    idp = Idp(world, args.aws_saml_url, f"http://127.0.0.1:{port}/idp")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def answer(self, status, body, ctype="text/html; charset=utf-8", headers=()):
            data = body if isinstance(body, bytes) else body.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Cache-Control", "no-store")
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def json(self, status, obj):
            self.answer(status, json.dumps(obj), "application/json")

        def cookie(self, name):
            for part in self.headers.get("Cookie", "").split(";"):
                k, _, v = part.strip().partition("=")
                if k == name:
                    return v
            return None

        def form(self):
            n = int(self.headers.get("Content-Length") or 0)
            if n > 1 << 20:
                return None
            raw = self.rfile.read(n).decode("utf-8", "replace")
            return dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))

        def body_json(self):
            n = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(n) if n else b"{}"
            try:
                obj = json.loads(raw or b"{}")
            except ValueError:
                return None
            return obj if isinstance(obj, dict) else None

        def do_GET(self):
            path = urllib.parse.urlsplit(self.path).path
            print(f"GET {path}", flush=True)
            if path == "/app/aws":
                if self.cookie("idp_session") in idp.sessions:
                    return self.answer(200, idp.post_page())
                return self.answer(200, page("Sign in to Example Corp", LOGIN_FORM))
            if path == "/__idp/cert":
                return self.answer(200, idp.cert_pem, "application/x-pem-file")
            if path == "/__idp/stats":
                with idp.lock:
                    return self.json(200, dict(idp.stats))
            if path == "/__idp/assertion":
                q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                if "mode" in q and (q["mode"] not in MODES or not q.get("count", "0").isdigit()):
                    return self.answer(400, f"mode must be one of {sorted(MODES)}", "text/plain")
                # ?mode= asks for that assertion without touching what /__idp/next set.
                fixed = (q["mode"], int(q.get("count", "0"))) if "mode" in q else None
                return self.answer(200, idp.saml_response_b64(fixed) + "\n", "text/plain")
            if path == "/":
                return self.answer(200, page("Example Corp IdP", '<a href="/app/aws">Amazon Web Services</a>'))
            self.answer(404, page("Not found", ""))

        def do_POST(self):
            path = urllib.parse.urlsplit(self.path).path
            print(f"POST {path}", flush=True)
            if path == "/login":
                f = self.form() or {}
                u = world["user"]
                if hmac.compare_digest(f.get("user", ""), u["name"]) and hmac.compare_digest(f.get("password", ""), u["password"]):
                    token = secrets.token_urlsafe(24)
                    with idp.lock:
                        idp.pending[token] = u["name"]
                    return self.answer(200, page("Two-step verification", TOTP_FORM),
                                       headers=[("Set-Cookie", f"idp_pending={token}; Path=/; HttpOnly")])
                with idp.lock:
                    idp.stats["failedLogins"] += 1
                return self.answer(401, page("Sign in to Example Corp", '<p class="error">Wrong user or password.</p>' + LOGIN_FORM))
            if path == "/totp":
                f = self.form() or {}
                token = self.cookie("idp_pending")
                secret = world["user"]["totpSecret"]
                now = time.time()
                good = {totp(secret, now + d) for d in (-30, 0, 30)}
                with idp.lock:
                    known = token is not None and idp.pending.pop(token, None) is not None
                    ok = known and f.get("code", "") in good
                    if not ok:
                        idp.stats["failedLogins"] += 1
                if not ok:
                    return self.answer(401, page("Sign in to Example Corp", '<p class="error">That code did not work. Sign in again.</p>' + LOGIN_FORM))
                session = secrets.token_urlsafe(24)
                with idp.lock:
                    idp.sessions.add(session)
                    idp.stats["signIns"] += 1
                return self.answer(200, idp.post_page(), headers=[("Set-Cookie", f"idp_session={session}; Path=/; HttpOnly")])
            if path == "/__idp/reset-stats":
                with idp.lock:
                    idp.stats = {k: 0 for k in idp.stats}
                return self.json(200, {})
            if path == "/__idp/forget-sessions":
                with idp.lock:
                    idp.sessions.clear()
                    idp.pending.clear()
                return self.json(200, {})
            if path == "/__idp/next":
                obj = self.body_json()
                if obj is None or obj.get("mode") not in MODES or not isinstance(obj.get("count", 0), int):
                    return self.json(400, {"message": f"mode must be one of {sorted(MODES)}"})
                with idp.lock:
                    idp.next = (obj["mode"], obj.get("count", 0))
                return self.json(200, {})
            if path == "/__idp/config":
                obj = self.body_json()
                if obj is None:
                    return self.json(400, {"message": "a JSON object"})
                with idp.lock:
                    if "sessionDuration" in obj:
                        idp.session_duration = obj["sessionDuration"]
                    if "ttl" in obj:
                        idp.ttl = int(obj["ttl"])
                return self.json(200, {})
            self.answer(404, page("Not found", ""))

    server.RequestHandlerClass = Handler
    print(f"listening on {port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
