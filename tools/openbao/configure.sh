#!/usr/bin/env bash
# OpenBao as code, local: configures the OpenBao server of tools/stack. It runs after every
# start and on every `./ecotrack up`; idempotent, a few seconds.
#
#   tools/openbao/configure.sh [--state-dir DIR]     (default $ECOTRACK_STATE_DIR or <repo>/.stack)
#
# From $STATE/stack.env (and $STATE/providers.env if present), with the dev root token:
#   audit     file device file/ -> $STATE/openbao/audit.log (declared by audit.hcl)
#   policies  deploy/openbao/policies/*.hcl (the same files as the cluster)
#   transit   keys personal-fields, payment-fields, notification-fields
#   database  one connection per service database (ecotrack_<x>: user openbao_<x>, whose
#             password only OpenBao knows after rotate-root), role database/roles/<service>
#   approle   role <service> (role_id = the service name), secret_id in
#             $STATE/openbao/approle/<service>.secret-id (minted when missing or invalid)
#   kv        secret/ecotrack/local/<service>: redis_url, vendor secrets of providers.env,
#             service_credential and internal_caller_credential_digests (internal calls)
# ECOTRACK_OPENBAO_REQUIRE_AUDIT=1 fails without an audit device.
# Tunables: ECOTRACK_DB_CREDS_TTL (60s), ECOTRACK_DB_CREDS_MAX_TTL (120s),
# ECOTRACK_OPENBAO_TOKEN_TTL (15m), ECOTRACK_OPENBAO_TOKEN_MAX_TTL (4h),
# ECOTRACK_OPENBAO_BOUND_CIDRS (127.0.0.1/32), ECOTRACK_OPENBAO_ENVIRONMENT (local),
# ECOTRACK_OPENBAO_PG_USER_PREFIX (openbao), ECOTRACK_OPENBAO_PG_HOST/_PORT (OpenBao's way
# to PostgreSQL, if not that of stack.env).
# Prints one line per area and never a secret value.
set -euo pipefail
shopt -s inherit_errexit

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="${ECOTRACK_STATE_DIR:-$ROOT/.stack}"
while (( $# )); do
  case "$1" in
    --state-dir) STATE="${2:?--state-dir needs a directory}"; shift 2 ;;
    --state-dir=*) STATE="${1#*=}"; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "usage: $0 [--state-dir DIR]" >&2; exit 2 ;;
  esac
done
STATE="$(cd "$STATE" 2>/dev/null && pwd)" || { echo "[openbao] ERROR: no state dir $STATE (run tools/stack/stack.sh up)" >&2; exit 1; }

# shellcheck source-path=SCRIPTDIR/../../deploy/openbao source=lib.sh
source "$ROOT/deploy/openbao/lib.sh"

[[ -f "$STATE/stack.env" ]] || bao_die "no $STATE/stack.env (run tools/stack/stack.sh up)"
# shellcheck disable=SC1091
source "$STATE/stack.env"
if [[ -f "$STATE/providers.env" ]]; then
  # shellcheck disable=SC1091
  source "$STATE/providers.env"
fi
BAO_ADDR="${OPENBAO_ADDR:?OPENBAO_ADDR missing in stack.env}"
BAO_TOKEN="${OPENBAO_DEV_ROOT_TOKEN:?OPENBAO_DEV_ROOT_TOKEN missing in stack.env}"
BAO_CACERT=""

ENVIRONMENT="${ECOTRACK_OPENBAO_ENVIRONMENT:-local}"
DB_TTL="${ECOTRACK_DB_CREDS_TTL:-60s}"
DB_MAX_TTL="${ECOTRACK_DB_CREDS_MAX_TTL:-120s}"
TOKEN_TTL="${ECOTRACK_OPENBAO_TOKEN_TTL:-15m}"
TOKEN_MAX_TTL="${ECOTRACK_OPENBAO_TOKEN_MAX_TTL:-4h}"
BOUND_CIDRS="${ECOTRACK_OPENBAO_BOUND_CIDRS:-127.0.0.1/32}"
# PostgreSQL users are per cluster: a second OpenBao on the same PostgreSQL (a test's) needs
# its own connection users, or its rotate-root would lock the first one out.
PG_USER_PREFIX="${ECOTRACK_OPENBAO_PG_USER_PREFIX:-openbao}"
# Where OpenBao reaches PostgreSQL, when that differs from the URLs of stack.env (OpenBao in
# a container: ECOTRACK_OPENBAO_PG_HOST=postgres, ECOTRACK_OPENBAO_PG_PORT=5432).
PG_HOST_FOR_BAO="${ECOTRACK_OPENBAO_PG_HOST:-}"
PG_PORT_FOR_BAO="${ECOTRACK_OPENBAO_PG_PORT:-}"
[[ "$PG_USER_PREFIX" =~ ^[a-z][a-z0-9_]{0,40}$ ]] || bao_die "ECOTRACK_OPENBAO_PG_USER_PREFIX: lowercase letters, digits, _"

T0=$(date +%s%N)
BAO_STATE="$STATE/openbao"
mkdir -p "$BAO_STATE"
umask 077

# One configure at a time per state dir (stack.sh and a test may run it together).
exec 9>"$BAO_STATE/.configure.lock"
flock -w 60 9 || bao_die "another configure.sh holds $BAO_STATE/.configure.lock"

for _ in $(seq 1 50); do
  curl -fsS -o /dev/null "$BAO_ADDR/v1/sys/health" 2>/dev/null && break
  sleep 0.2
done
curl -fsS -o /dev/null "$BAO_ADDR/v1/sys/health" || bao_die "OpenBao at $BAO_ADDR does not answer (unsealed and active)"

rand_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# ---------------------------------------------------------------------------------------
# audit, KV v2, policies, transit
# ---------------------------------------------------------------------------------------

# Declared by tools/openbao/audit.hcl when stack.sh starts the server; the API way is
# only for a server that allows it.
if ensure_audit_file file "$BAO_STATE/audit.log" 2>/dev/null; then
  bao_log "audit: file device file/ ($BAO_STATE/audit.log)"
elif [[ "${ECOTRACK_OPENBAO_REQUIRE_AUDIT:-0}" == 1 ]]; then
  bao_die "audit: no audit device, and OpenBao refuses one through the API: start the server with -config=$ROOT/tools/openbao/audit.hcl"
else
  bao_log "audit: WARNING no audit device: start the server with -config=tools/openbao/audit.hcl (OpenBao 2.x declares audit devices in its configuration)"
fi

ensure_secrets_engine secret kv '{"version":"2"}'
bao_log "kv: secret/ (v2)"

apply_policies
bao_log "policies: $BAO_COUNT"

ensure_secrets_engine transit transit
ensure_transit_keys
bao_log "transit: $BAO_COUNT keys (${ECOTRACK_TRANSIT_KEYS[*]})"

# ---------------------------------------------------------------------------------------
# database: PostgreSQL through POSTGRES_ADMIN_URL (psql gets it through PG* env, not argv)
# ---------------------------------------------------------------------------------------

# parse_pg_url URL: postgres://user:password@host:port/db -> PGU_USER PGU_PASSWORD PGU_HOST PGU_PORT PGU_DB
url_decode() { local s="${1//+/ }"; printf '%b' "${s//%/\\x}"; }
parse_pg_url() {
  local re='^postgres(ql)?://([^:@/]+)(:([^@]*))?@([^:/?]+)(:([0-9]+))?/([^?]+)'
  [[ "$1" =~ $re ]] || return 1
  PGU_USER="$(url_decode "${BASH_REMATCH[2]}")"
  PGU_PASSWORD="$(url_decode "${BASH_REMATCH[4]}")"
  PGU_HOST="${BASH_REMATCH[5]}"
  PGU_PORT="${BASH_REMATCH[7]:-5432}"
  PGU_DB="${BASH_REMATCH[8]}"
}

parse_pg_url "${POSTGRES_ADMIN_URL:?POSTGRES_ADMIN_URL missing in stack.env}" || bao_die "POSTGRES_ADMIN_URL is not a postgres:// URL"
ADMIN_USER="$PGU_USER" ADMIN_PASSWORD="$PGU_PASSWORD" ADMIN_HOST="$PGU_HOST" ADMIN_PORT="$PGU_PORT" ADMIN_DB="$PGU_DB"
# shellcheck disable=SC2120
pg_admin() {
  PGHOST="$ADMIN_HOST" PGPORT="$ADMIN_PORT" PGUSER="$ADMIN_USER" PGPASSWORD="$ADMIN_PASSWORD" PGDATABASE="$ADMIN_DB" \
    PGCONNECT_TIMEOUT=10 psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"
}

# per service: owner role, database, host, port (from <SVC>_SERVICE_DATABASE_URL)
declare -A OWNER DB HOST PORT CONN_USER
sql=""
for svc in "${ECOTRACK_SERVICES[@]}"; do
  var="$(tr 'a-z-' 'A-Z_' <<<"$svc")_DATABASE_URL"
  parse_pg_url "${!var:-}" || bao_die "$var missing in stack.env (or not a postgres:// URL)"
  OWNER[$svc]="$PGU_USER" DB[$svc]="$PGU_DB" HOST[$svc]="$PGU_HOST" PORT[$svc]="$PGU_PORT"
  # one connection user per connection: rotate-root of one must not break the others
  CONN_USER[$svc]="${PG_USER_PREFIX}_${PGU_DB#ecotrack_}"
  sql+="$(database_user_sql "${CONN_USER[$svc]}" "${DB[$svc]}" "${OWNER[$svc]}")"$'\n'
done
existing_users="$(pg_admin <<<"SELECT rolname FROM pg_roles WHERE starts_with(rolname, '${PG_USER_PREFIX}_');")" \
  || bao_die "PostgreSQL: cannot connect as the admin of POSTGRES_ADMIN_URL"
pg_admin <<<"$sql" >/dev/null || bao_die "PostgreSQL: creating the openbao connection users failed"

ensure_secrets_engine database database
created=0
for svc in "${ECOTRACK_SERVICES[@]}"; do
  conn="${DB[$svc]}" user="${CONN_USER[$svc]}"
  # A connection whose user did not exist a moment ago has a password nobody knows: redo it.
  if ! database_connection_exists "$conn" || ! grep -qx "$user" <<<"$existing_users"; then
    password="$(rand_hex 24)"
    printf "ALTER ROLE \"%s\" WITH PASSWORD '%s';\n" "$user" "$password" | pg_admin >/dev/null \
      || bao_die "PostgreSQL: cannot set the password of $user"
    write_database_connection "$conn" "$svc" "${PG_HOST_FOR_BAO:-${HOST[$svc]}}" "${PG_PORT_FOR_BAO:-${PORT[$svc]}}" "$conn" "$user" disable "$password"
    unset password
    created=$((created + 1))
  fi
  ensure_database_role "$svc" "$conn" "${OWNER[$svc]}" "$DB_TTL" "$DB_MAX_TTL"
done
bao_log "database: ${#ECOTRACK_SERVICES[@]} connections ($created new, root rotated), ${#ECOTRACK_SERVICES[@]} roles, creds ttl $DB_TTL max $DB_MAX_TTL"

# ---------------------------------------------------------------------------------------
# AppRole: role <service>, role_id <service>, one secret_id per service in the state dir
# ---------------------------------------------------------------------------------------

ensure_auth_method approle approle
APPROLE_DIR="$BAO_STATE/approle"
mkdir -p "$APPROLE_DIR"; chmod 700 "$APPROLE_DIR"
minted=0
for svc in "${ECOTRACK_SERVICES[@]}"; do
  ensure_approle_role "$svc" "$TOKEN_TTL" "$TOKEN_MAX_TTL" "$BOUND_CIDRS"
  file="$APPROLE_DIR/$svc.secret-id"
  if [[ -s "$file" ]]; then
    # 200 with data: valid; 204 (unknown, e.g. after the server's data was reset) or an error: mint
    found="$(printf '%s' "$(json_obj secret_id "$(<"$file")")" | bao_api POST "auth/approle/role/$svc/secret-id/lookup" 2>/dev/null)" || found=""
    if [[ -n "$found" ]]; then chmod 600 "$file"; continue; fi
  fi
  tmp="$(mktemp "$file.XXXXXX")"
  printf '{}' | bao_api POST "auth/approle/role/$svc/secret-id" | python3 -c '
import json, sys
with open(sys.argv[1], "w") as f: f.write(json.load(sys.stdin)["data"]["secret_id"])' "$tmp" \
    || { rm -f "$tmp"; bao_die "approle: minting a secret_id for $svc failed"; }
  chmod 600 "$tmp"; mv -f "$tmp" "$file"
  minted=$((minted + 1))
done
bao_log "approle: ${#ECOTRACK_SERVICES[@]} roles, $minted secret_id(s) minted ($APPROLE_DIR)"

# ---------------------------------------------------------------------------------------
# KV seed: secret/ecotrack/<environment>/<service>, lowercase names of the env variables
# ---------------------------------------------------------------------------------------

SEED_DIR="$BAO_STATE/seed"
mkdir -p "$SEED_DIR"; chmod 700 "$SEED_DIR"
# seed_value NAME PREFIX: a random secret generated once, kept (mode 600) across restarts and data resets
seed_value() {
  local f="$SEED_DIR/$1"
  [[ -s "$f" ]] || { printf '%s%s' "$2" "$(rand_hex 24)" > "$f.tmp"; chmod 600 "$f.tmp"; mv -f "$f.tmp" "$f"; }
  chmod 600 "$f"; cat "$f"
}
# vendor secrets each service may find in providers.env (as the chart's secretEnv names them)
declare -A VENDOR_VARS=(
  [payment-service]="STRIPE_SECRET_KEY PAYPAL_CLIENT_ID PAYPAL_CLIENT_SECRET PAYPAL_WEBHOOK_ID"
  [notification-service]="SENDGRID_API_KEY TWILIO_ACCOUNT_SID TWILIO_AUTH_TOKEN VAPID_PUBLIC_KEY VAPID_PRIVATE_KEY"
)
# Service credentials: each service's own (service_credential), and the SHA-256 of every
# service's in every entry (internal_caller_credential_digests): a service recognises the
# others' calls (they spend no client's rate limit) but cannot pose as another. The chart
# needs none: there the Istio peer identity does it (INTERNAL_CALLER_SPIFFE_IDS).
declare -A CREDENTIAL
digests=()
for svc in "${ECOTRACK_SERVICES[@]}"; do
  CREDENTIAL[$svc]="$(seed_value "service-credential-$svc" "")"
  digests+=("$svc:$(printf '%s' "${CREDENTIAL[$svc]}" | sha256sum | cut -d' ' -f1)")
done
CALLER_DIGESTS="$(IFS=,; printf '%s' "${digests[*]}")"
: "${REDIS_URL:?REDIS_URL missing in stack.env}"
written=0
for svc in "${ECOTRACK_SERVICES[@]}"; do
  pairs=(redis_url "$REDIS_URL" service_credential "${CREDENTIAL[$svc]}" internal_caller_credential_digests "$CALLER_DIGESTS")
  for var in ${VENDOR_VARS[$svc]:-}; do
    if [[ -n "${!var:-}" ]]; then pairs+=("${var,,}" "${!var}"); fi
  done
  if [[ "$svc" == payment-service ]]; then
    pairs+=(stripe_webhook_secret "$(seed_value stripe_webhook_secret whsec_)")
  fi
  kv_sync secret "ecotrack/$ENVIRONMENT/$svc" "$(json_obj "${pairs[@]}")"
  written=$((written + BAO_KV_WRITTEN))
done
unset pairs CREDENTIAL
bao_log "kv seed: ${#ECOTRACK_SERVICES[@]} entries under secret/ecotrack/$ENVIRONMENT/ ($written written)"
# user-service rotates its JWT signing keys there: a retired private key must not linger in history.
kv_keep_versions secret 5
kv_keep_versions secret 2 "ecotrack/$ENVIRONMENT/user-service/jwt-signing-keys"
bao_log "kv: 5 versions kept, 2 of the JWT key ring"
bao_log "configured $BAO_ADDR in $(( ($(date +%s%N) - T0) / 1000000 )) ms"
