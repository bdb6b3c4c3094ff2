#!/usr/bin/env python3
"""A local stand-in for the AWS console federation endpoint, for tests.

GET /federation?Action=getSigninToken[&SessionDuration=N]&Session=JSON checks
the Session JSON the way the real endpoint needs it (exactly sessionId,
sessionKey, sessionToken; temporary ASIA keys), proves the credentials live by
calling GetCallerIdentity with them at moto (--moto URL), and answers
{"SigninToken": "..."}. GET /federation?Action=login&Issuer=&Destination=URL&
SigninToken=T checks the token is one it issued and redirects to Destination.
Anything else is a 400, as AWS answers. Each request is logged as one JSON line
to --log (the identity, the parameters, never the secret key or token).
Prints the port it listens on (127.0.0.1 only), then serves until killed.
"""
import argparse
import json
import secrets
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import botocore.config

ISSUED = set()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--moto", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--trust", action="store_true",
                    help="do not prove the credentials at moto (for benchmarks: one cheap round trip)")
    args = ap.parse_args()

    def log(entry):
        with open(args.log, "a") as f:
            f.write(json.dumps(entry) + "\n")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def answer(self, status, body, headers=()):
            data = body.encode()
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            pairs = urllib.parse.parse_qsl(url.query, keep_blank_values=True)
            q = dict(pairs)
            if url.path != "/federation" or len(q) != len(pairs):
                return self.answer(400, "bad path or repeated parameter")
            action = q.get("Action")
            if action == "getSigninToken":
                return self.token(q)
            if action == "login":
                return self.login(q)
            return self.answer(400, "unknown Action")

        def token(self, q):
            extra = set(q) - {"Action", "Session", "SessionDuration", "SessionType"}
            if extra:
                return self.answer(400, f"unknown parameters {sorted(extra)}")
            try:
                session = json.loads(q.get("Session", ""))
            except ValueError:
                return self.answer(400, "Session is not JSON")
            if not isinstance(session, dict) or set(session) != {"sessionId", "sessionKey", "sessionToken"}:
                return self.answer(400, "Session must have exactly sessionId, sessionKey, sessionToken")
            if not session["sessionId"].startswith("ASIA"):
                return self.answer(400, "sessionId is not a temporary key")
            duration = q.get("SessionDuration")
            if duration is not None and not (duration.isdigit() and 900 <= int(duration) <= 43200):
                return self.answer(400, "SessionDuration outside 900..43200")
            try:
                if args.trust:
                    raise StopIteration
                sts = boto3.client(
                    "sts",
                    endpoint_url=args.moto,
                    region_name="us-east-1",
                    aws_access_key_id=session["sessionId"],
                    aws_secret_access_key=session["sessionKey"],
                    aws_session_token=session["sessionToken"],
                    config=botocore.config.Config(retries={"max_attempts": 1}),
                )
                arn = sts.get_caller_identity()["Arn"]
            except StopIteration:
                arn = None
            except Exception as e:  # what AWS would say: the credentials do not work
                return self.answer(400, f"credentials refused: {type(e).__name__}")
            token = "standin-" + secrets.token_urlsafe(24)
            ISSUED.add(token)
            log({"action": "getSigninToken", "arn": arn, "session_id": session["sessionId"],
                 "session_duration": duration, "token": token})
            self.answer(200, json.dumps({"SigninToken": token}), [("Content-Type", "application/json")])

        def login(self, q):
            if set(q) != {"Action", "Issuer", "Destination", "SigninToken"}:
                return self.answer(400, "login needs Issuer, Destination and SigninToken")
            if q["SigninToken"] not in ISSUED:
                return self.answer(400, "unknown SigninToken")
            log({"action": "login", "destination": q["Destination"], "token": q["SigninToken"]})
            self.answer(302, "", [("Location", q["Destination"])])

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
