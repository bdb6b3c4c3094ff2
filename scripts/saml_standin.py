#!/usr/bin/env python3
"""An STS front for moto that checks AssumeRoleWithSAML the way AWS does.

moto's AssumeRoleWithSAML validates nothing and takes the role from the first Role value
(failing on a multi-valued attribute, as real assertions have: see
/work/shared/notes/moto-and-friends.md). This stand-in answers the query protocol
(form-encoded POST, as botocore and the AWS SDKs send it) on 127.0.0.1 and, for
AssumeRoleWithSAML, checks:

  - the parameters (present, SAMLAssertion at most 100,000 characters, DurationSeconds
    900..43200)                                                      ValidationError
  - base64, no DTD, the XML-DSig signature with the IdP's certificate (fetched from
    --idp URL/__idp/cert, never the one in KeyInfo)                InvalidIdentityToken
  - Audience urn:amazon:webservices (or the SAML endpoint URL), Recipient = the SAML
    endpoint (--aws-saml-url), a RoleSessionName AWS accepts        InvalidIdentityToken
  - NotOnOrAfter (SubjectConfirmationData and Conditions), NotBefore  ExpiredTokenException
  - the RoleArn/PrincipalArn pair is one of the assertion's Role values, the role
    exists in its account (moto IAM)                                 AccessDenied (403)
  - DurationSeconds within the role's MaxSessionDuration             ValidationError

then hands moto an assertion with that one pair (and RoleSessionName, SessionDuration =
the effective duration: DurationSeconds, default 3600, capped by the SessionDuration
attribute), with `x-moto-account-id` set to the role's account, so GetCallerIdentity with
the returned keys names the chosen role. Every other request is proxied to moto as is.

  admin  GET /__standin/stats   {"assumeRoleWithSAML", "granted", "refused": {code: n}, "proxied"}
         POST /__standin/reset-stats

Logs one line per request: the action, the role asked for and the outcome (never the
assertion or the keys).

Usage: saml_standin.py --port P --moto URL --idp URL [--aws-saml-url URL]
"""
import argparse
import base64
import binascii
import datetime
import http.client
import json
import os
import re
import secrets
import sys
import threading
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from saml_xml import (DURATION_ATTR, NS_A, NS_P, ROLE_ATTR, SESSION_NAME_ATTR, Invalid,  # noqa: E402
                      el, text, verified_assertion)

STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
AUDIENCES = {"urn:amazon:webservices"}
SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$")
ROLE_ARN = re.compile(r"^arn:aws[\w-]*:iam::(\d{12}):role/(?:[\x21-\x7e]*/)?([\w+=,.@-]{1,64})$")
PROVIDER_ARN = re.compile(r"^arn:aws[\w-]*:iam::(\d{12}):saml-provider/([\w.-]{1,128})$")


class StsError(Exception):
    def __init__(self, status, code, message):
        super().__init__(code)
        self.status, self.code, self.message = status, code, message


def validation(message):
    return StsError(400, "ValidationError", message)


def invalid_token(message):
    return StsError(400, "InvalidIdentityToken", message)


def parse_time(value, what):
    try:
        return datetime.datetime.strptime(value.split(".")[0].rstrip("Z"), "%Y-%m-%dT%H:%M:%S").replace(
            tzinfo=datetime.timezone.utc).timestamp()
    except (ValueError, AttributeError) as e:
        raise invalid_token(f"{what} is not a valid time") from e


class Standin:
    def __init__(self, moto, idp, aws_url):
        self.moto = urllib.parse.urlsplit(moto)
        self.idp = idp
        self.aws_url = aws_url
        self.key = None
        self.lock = threading.Lock()
        self.stats = {"assumeRoleWithSAML": 0, "granted": 0, "refused": {}, "proxied": 0}

    def public_key(self):
        if self.key is None:
            from cryptography import x509
            with urllib.request.urlopen(self.idp + "/__idp/cert", timeout=5) as r:
                self.key = x509.load_pem_x509_certificate(r.read()).public_key()
        return self.key

    def moto_call(self, params, account=None, headers=None):
        """POSTs a query-protocol request to moto; returns (status, headers, body)."""
        body = urllib.parse.urlencode(params).encode()
        h = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        h.update(headers or {})
        if account:
            h["x-moto-account-id"] = account
        return self.raw(self.moto.path or "/", "POST", body, h)

    def raw(self, path, method, body, headers):
        conn = http.client.HTTPConnection(self.moto.hostname, self.moto.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            return r.status, r.getheaders(), r.read()
        finally:
            conn.close()

    def role_max(self, account, role_name):
        """The role's MaxSessionDuration in moto, or None when there is no such role."""
        status, _, body = self.moto_call({"Action": "GetRole", "Version": "2010-05-08", "RoleName": role_name}, account,
                                         {"Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/iam/aws4_request"})
        if status != 200:
            return None
        m = re.search(rb"<MaxSessionDuration>(\d+)</MaxSessionDuration>", body)
        return int(m.group(1)) if m else 3600

    def claims(self, assertion):
        root = ET.fromstring(assertion)
        a = f"{{{NS_A}}}"
        if root.tag != a + "Assertion":
            raise invalid_token("Invalid SAML response: no Assertion")
        audiences = {x.text for x in root.iter(a + "Audience")}
        if not audiences & (AUDIENCES | {self.aws_url}):
            raise invalid_token("Audience does not match: urn:amazon:webservices is required")
        confirmations = list(root.iter(a + "SubjectConfirmationData"))
        if not confirmations or any(c.get("Recipient") != self.aws_url for c in confirmations):
            raise invalid_token(f"Recipient does not match the SAML endpoint {self.aws_url}")
        now = time.time()
        for node, what in [(c, "SubjectConfirmationData NotOnOrAfter") for c in confirmations] + \
                [(c, "Conditions NotOnOrAfter") for c in root.iter(a + "Conditions")]:
            if node.get("NotOnOrAfter") is not None and now >= parse_time(node.get("NotOnOrAfter"), what):
                raise StsError(400, "ExpiredTokenException", "Token is expired")
        for c in root.iter(a + "Conditions"):
            if c.get("NotBefore") is not None and now + 60 < parse_time(c.get("NotBefore"), "NotBefore"):
                raise invalid_token("Assertion is not yet valid (NotBefore)")
        attrs = {}
        for at in root.iter(a + "Attribute"):
            attrs.setdefault(at.get("Name"), []).extend((v.text or "").strip() for v in at.iter(a + "AttributeValue"))
        pairs = set()
        for value in attrs.get(ROLE_ATTR, []):
            parts = [p.strip() for p in value.split(",")]
            if len(parts) == 2:
                role = next((p for p in parts if ":role/" in p), None)
                provider = next((p for p in parts if ":saml-provider/" in p), None)
                if role and provider:
                    pairs.add((role, provider))
        names = attrs.get(SESSION_NAME_ATTR, [])
        if len(names) != 1:
            raise invalid_token("RoleSessionName is required in AuthnResponse")
        if not SESSION_NAME.match(names[0]):
            raise invalid_token("RoleSessionName in AuthnResponse must match [\\w+=,.@-]{2,64}")
        duration = attrs.get(DURATION_ATTR, [])
        if duration and not (duration[0].isdigit() and 900 <= int(duration[0]) <= 43200):
            raise invalid_token("SessionDuration in AuthnResponse must be 900..43200")
        return pairs, names[0], int(duration[0]) if duration else None

    def assume(self, q):
        for k in ("RoleArn", "PrincipalArn", "SAMLAssertion"):
            if not q.get(k):
                raise validation(f"1 validation error detected: Value null at '{k[0].lower() + k[1:]}' failed to satisfy constraint: Member must not be null")
        role_arn, provider_arn, raw = q["RoleArn"], q["PrincipalArn"], q["SAMLAssertion"]
        if len(raw) > 100000:
            raise validation("1 validation error detected: Value at 'sAMLAssertion' failed to satisfy constraint: Member must have length less than or equal to 100000")
        asked = q.get("DurationSeconds")
        if asked is not None and not (asked.isdigit() and 900 <= int(asked) <= 43200):
            raise validation("1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint: Member must be between 900 and 43200")
        role_m, provider_m = ROLE_ARN.match(role_arn), PROVIDER_ARN.match(provider_arn)
        if not role_m:
            raise validation(f"{role_arn!r} is not a valid role ARN")
        if not provider_m:
            raise validation(f"{provider_arn!r} is not a valid SAML provider ARN")
        try:
            xml = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError) as e:
            raise invalid_token("Invalid base64 SAMLResponse") from e
        try:
            root = ET.fromstring(xml) if b"<!DOCTYPE" not in xml and b"<!ENTITY" not in xml else None
        except ET.ParseError as e:
            raise invalid_token("Invalid SAML response: not well-formed XML") from e
        if root is None:
            raise invalid_token("Invalid SAML response: DTDs are not allowed")
        if root.tag != f"{{{NS_P}}}Response":
            raise invalid_token("Invalid SAML response: not a samlp:Response")
        try:
            assertion = verified_assertion(xml, self.public_key())
        except Invalid as e:
            raise invalid_token(f"Response signature invalid ({e})") from e
        pairs, session_name, session_duration = self.claims(assertion)
        if (role_arn, provider_arn) not in pairs:
            raise StsError(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML")
        account = role_m.group(1)
        if provider_m.group(1) != account:
            raise StsError(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML")
        maximum = self.role_max(account, role_m.group(2))
        if maximum is None:
            raise StsError(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML")
        requested = int(asked) if asked is not None else 3600
        if requested > maximum:
            raise validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
        effective = min(requested, session_duration) if session_duration else requested
        one = el("samlp:Response", ns={"samlp": NS_P, "saml": NS_A}, body=el("saml:Assertion", body=el("saml:AttributeStatement", body=(
            el("saml:Attribute", {"Name": ROLE_ATTR}, el("saml:AttributeValue", body=text(f"{role_arn},{provider_arn}")))
            + el("saml:Attribute", {"Name": SESSION_NAME_ATTR}, el("saml:AttributeValue", body=text(session_name)))
            + el("saml:Attribute", {"Name": DURATION_ATTR}, el("saml:AttributeValue", body=str(effective)))))))
        forward = {"Action": "AssumeRoleWithSAML", "Version": "2011-06-15", "RoleArn": role_arn,
                   "PrincipalArn": provider_arn, "SAMLAssertion": base64.b64encode(one.encode()).decode()}
        return self.moto_call(forward, account)

    def count(self, key, code=None):
        with self.lock:
            if code:
                self.stats["refused"][code] = self.stats["refused"].get(code, 0) + 1
            else:
                self.stats[key] += 1


def error_xml(code, message, status):
    kind = "Sender" if status < 500 else "Receiver"
    return (f'<ErrorResponse xmlns="{STS_NS}"><Error><Type>{kind}</Type><Code>{text(code)}</Code>'
            f"<Message>{text(message)}</Message></Error><RequestId>{secrets.token_hex(16)}</RequestId></ErrorResponse>").encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--moto", required=True)
    ap.add_argument("--idp", required=True, help="the test IdP's URL (its certificate is at /__idp/cert)")
    ap.add_argument("--aws-saml-url", default="https://signin.aws.amazon.com/saml")
    args = ap.parse_args()
    standin = Standin(args.moto, args.idp, args.aws_saml_url)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def answer(self, status, body, headers):
            self.send_response(status)
            for k, v in headers:
                if k.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == "/__standin/stats":
                with standin.lock:
                    data = json.dumps(standin.stats).encode()
                return self.answer(200, data, [("Content-Type", "application/json")])
            self.proxy(b"")

        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else b""
            if self.path == "/__standin/reset-stats":
                with standin.lock:
                    standin.stats = {"assumeRoleWithSAML": 0, "granted": 0, "refused": {}, "proxied": 0}
                return self.answer(200, b"{}", [("Content-Type", "application/json")])
            ctype = self.headers.get("Content-Type", "")
            q = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)) \
                if "x-www-form-urlencoded" in ctype else {}
            if q.get("Action") != "AssumeRoleWithSAML":
                return self.proxy(body)
            standin.count("assumeRoleWithSAML")
            try:
                status, headers, out = standin.assume(q)
                outcome = "granted" if status == 200 else f"moto {status}"
                if status == 200:
                    standin.count("granted")
            except StsError as e:
                standin.count(None, e.code)
                status, headers, out = e.status, [("Content-Type", "text/xml")], error_xml(e.code, e.message, e.status)
                outcome = e.code
            except Exception as e:  # the stand-in's own failure: a 500 the client can see, not a hang
                status, headers, out = 500, [("Content-Type", "text/xml")], error_xml("InternalFailure", type(e).__name__, 500)
                outcome = f"InternalFailure {type(e).__name__}"
            print(f"AssumeRoleWithSAML role={q.get('RoleArn', '')!r} -> {outcome}", flush=True)
            self.answer(status, out, headers)

        def proxy(self, body):
            standin.count("proxied")
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length", "connection")}
            try:
                status, rh, out = standin.raw(self.path, self.command, body, headers)
            except OSError as e:
                status, rh, out = 502, [("Content-Type", "text/xml")], error_xml("ServiceUnavailable", f"moto: {e}", 502)
            print(f"{self.command} {urllib.parse.urlsplit(self.path).path} -> moto {status}", flush=True)
            self.answer(status, out, rh)

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
