# shellcheck shell=bash
# Shared by scripts/test, scripts/demo and scripts/bench: install what is
# missing (idempotently), start moto servers on free loopback ports, and stop
# them again on exit.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY_PACKAGES=("moto[server]>=5.1,<6" "awscli>=1.36,<2" "boto3")
MOTO_PIDS=()

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root for: $*"; fi
}

APT_UPDATED=""
# ensure_apt PKG...: installs the Debian packages that are not installed yet.
ensure_apt() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing packages ${missing[*]} and no apt-get to install them"
  say "installing ${missing[*]}"
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -qq >/dev/null; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
}

require_rust() {
  command -v cargo >/dev/null || die "the Rust toolchain (cargo) is needed: https://rustup.rs"
}

# ensure_venv: a .venv with moto's server, the AWS CLI v1 and boto3.
ensure_venv() {
  if [ -x "$VENV/bin/moto_server" ] && [ -x "$VENV/bin/aws" ] && "$VENV/bin/python" -c 'import moto, boto3' 2>/dev/null; then
    return 0
  fi
  if ! python3 -m venv "$VENV" 2>/dev/null; then
    # Debian and Ubuntu ship venv support separately.
    local ver
    ver=$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    ensure_apt "python3-venv" "python${ver}-venv" || true
    rm -rf "$VENV"
    python3 -m venv "$VENV" || die "cannot create a Python venv in $VENV"
  fi
  say "installing moto and the AWS CLI v1 into $VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "${PY_PACKAGES[@]}" || die "pip install failed"
}

free_port() {
  "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

stop_moto() {
  for pid in "${MOTO_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${MOTO_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  MOTO_PIDS=()
}

# start_moto LOGFILE: starts a moto server on a free port and sets MOTO_STARTED
# to its URL. (Not a $(…) function: the PID must be recorded in this shell.)
start_moto() {
  local log="$1" port url
  port=$(free_port)
  url="http://127.0.0.1:$port"
  # The request recorder lets tests count the calls rolecall made (MOTO_RECORDING).
  MOTO_ENABLE_RECORDING=True MOTO_RECORDER_FILEPATH="$log.recording" \
    "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
  MOTO_PIDS+=($!)
  for _ in $(seq 1 150); do
    if "$VENV/bin/python" -c "import urllib.request,sys; urllib.request.urlopen('$url/moto-api/', timeout=1)" 2>/dev/null; then
      MOTO_STARTED="$url"
      MOTO_RECORDING="$log.recording"
      return 0
    fi
    sleep 0.2
  done
  die "moto did not start on $url (log: $log)"
}

# moto_enforce_auth URL: from now on moto checks IAM policies and same-account trust.
moto_enforce_auth() {
  "$VENV/bin/python" - "$1" <<'PY'
import sys, urllib.request
req = urllib.request.Request(sys.argv[1] + "/moto-api/reset-auth", data=b"0", method="POST", headers={"Content-Type": "text/plain"})
urllib.request.urlopen(req, timeout=5).read()
PY
}

# seed WORLD_JSON URL SIZE: seeds the organisation, writing its description.
seed() {
  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing "$VENV/bin/python" "$ROOT/scripts/seed_org.py" \
    --endpoint "$2" --size "$3" --out "$1" || die "seeding moto at $2 failed"
}

# nushell is not packaged in Debian; its official release binary comes in an npm package.
# Sets ROLECALL_TEST_NU to it (tests of `rc` for nushell run it).
ensure_nushell() {
  local dir="$VENV/nushell" bin
  bin="$dir/node_modules/@nushell/linux-x64/bin/nu"
  if [ ! -x "$bin" ]; then
    command -v npm >/dev/null || ensure_apt npm
    npm install --silent --no-audit --no-fund --prefix "$dir" @nushell/linux-x64@0.115.1 >/dev/null \
      || die "installing nushell (npm @nushell/linux-x64) failed"
  fi
  export ROLECALL_TEST_NU="$bin"
}

# start_sso LOGFILE MOTO_URL WORLD [RATE]: starts the local IAM Identity Center emulator
# (scripts/sso_emulator.py: sso-oidc and the portal on one port) for the world that
# scripts/seed_sso.py wrote, and sets SSO_STARTED to its URL. Its PID joins moto's, so
# stop_moto stops it too. RATE: portal requests per second before 429 (default 20, 0 = none).
start_sso() {
  local log="$1" moto="$2" world="$3" rate="${4:-20}" port url
  port=$(free_port)
  url="http://127.0.0.1:$port"
  "$VENV/bin/python" "$ROOT/scripts/sso_emulator.py" --port "$port" --moto "$moto" --world "$world" --rate "$rate" >"$log" 2>&1 &
  MOTO_PIDS+=($!)
  for _ in $(seq 1 100); do
    if "$VENV/bin/python" -c "import urllib.request; urllib.request.urlopen('$url/__emu/stats', timeout=1)" 2>/dev/null; then
      SSO_STARTED="$url"
      return 0
    fi
    sleep 0.1
  done
  die "the SSO emulator did not start on $url (log: $log)"
}

# seed_sso OUT LAYOUT [ORG_WORLD MOTO_URL]: writes an Identity Center world (small: the
# organisation's accounts, roles created in moto; big: 700 accounts × 3 permission sets).
seed_sso() {
  local args=(--out "$1" --layout "$2")
  [ -n "${3:-}" ] && args+=(--org-world "$3" --moto "$4")
  "$VENV/bin/python" "$ROOT/scripts/seed_sso.py" "${args[@]}" || die "writing the SSO world $1 failed"
}

# sso_auto_approve URL: approves every device-code sign-in at the emulator once a second,
# in the background (the demo's stand-in for a person clicking "Allow"); stop_moto stops it.
sso_auto_approve() {
  "$VENV/bin/python" -c '
import sys, time, urllib.request
req = urllib.request.Request(sys.argv[1] + "/__emu/approve", data=b"{\"all\": true}", method="POST", headers={"Content-Type": "application/json"})
while True:
    try:
        urllib.request.urlopen(req, timeout=2).read()
    except Exception:
        pass
    time.sleep(1)
' "$1" &
  MOTO_PIDS+=($!)
}

# seed_saml OUT ORG_WORLD MOTO_URL: writes the SAML world (scripts/seed_saml.py: the
# organisation's accounts, the person who signs in) and creates its roles and providers in moto.
seed_saml() {
  "$VENV/bin/python" "$ROOT/scripts/seed_saml.py" --out "$1" --org-world "$2" --moto "$3" \
    || die "writing the SAML world $1 failed"
}

# wait_http URL WHAT: waits until URL answers (up to 10 s).
wait_http() {
  for _ in $(seq 1 100); do
    if "$VENV/bin/python" -c "import urllib.request; urllib.request.urlopen('$1', timeout=1)" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  die "$2 did not start ($1)"
}

# start_saml LOGDIR MOTO_URL WORLD [AWS_SAML_URL]: starts the test SAML IdP
# (scripts/saml_idp.py) and the STS stand-in that checks AssumeRoleWithSAML in front of
# moto (scripts/saml_standin.py); sets SAML_IDP_STARTED and SAML_STS_STARTED to their URLs.
# Their PIDs join moto's, so stop_moto stops them too.
start_saml() {
  local dir="$1" moto="$2" world="$3" aws="${4:-https://signin.aws.amazon.com/saml}" port
  port=$(free_port)
  "$VENV/bin/python" "$ROOT/scripts/saml_idp.py" --port "$port" --world "$world" --aws-saml-url "$aws" >"$dir/saml-idp.log" 2>&1 &
  MOTO_PIDS+=($!)
  SAML_IDP_STARTED="http://127.0.0.1:$port"
  wait_http "$SAML_IDP_STARTED/__idp/stats" "the test SAML IdP"
  port=$(free_port)
  "$VENV/bin/python" "$ROOT/scripts/saml_standin.py" --port "$port" --moto "$moto" --idp "$SAML_IDP_STARTED" \
    --aws-saml-url "$aws" >"$dir/saml-standin.log" 2>&1 &
  MOTO_PIDS+=($!)
  SAML_STS_STARTED="http://127.0.0.1:$port"
  wait_http "$SAML_STS_STARTED/__standin/stats" "the SAML STS stand-in"
}
