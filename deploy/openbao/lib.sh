# shellcheck shell=bash
# shellcheck disable=SC2034  # BAO_COUNT, BAO_KV_WRITTEN, ECOTRACK_*: read by the scripts that source this
# OpenBao as code: the functions shared by tools/openbao/configure.sh (the local dev server)
# and configure-cluster.sh (a cluster's OpenBao). Source it; it defines functions only.
#
# Every function talks to OpenBao's HTTP API with curl, from BAO_ADDR and BAO_TOKEN (and
# BAO_CACERT for TLS). No secret ever goes into argv (where `ps` shows it): the token
# travels in a header read from a file descriptor, request bodies go on stdin, and JSON is
# built by bash functions (no process). Nothing here prints a secret value.
# Needs bash 4+, curl and python3 (only to compare KV data).

OPENBAO_DEPLOY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OPENBAO_POLICY_DIR="$OPENBAO_DEPLOY_DIR/policies"

ECOTRACK_SERVICES=(user-service product-service order-service payment-service notification-service)
# transit keys: personal-fields (user-service), payment-fields (payment-service), notification-fields
# (personal fields of user.events: user-service encrypts, notification-service decrypts); see policies/
ECOTRACK_TRANSIT_KEYS=(personal-fields payment-fields notification-fields)

bao_log() { printf '[openbao] %s\n' "$*"; }
bao_die() { printf '[openbao] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------
# HTTP API
# ---------------------------------------------------------------------------------------

# bao_api METHOD PATH: one API call. POST/PUT take the JSON body from stdin. The answer's
# body goes to stdout. Status: 0 for 2xx (a 204 has an empty body), 3 for 403, 4 for 404,
# 1 otherwise (OpenBao's "errors" list goes to stderr; it never holds request data).
bao_api() {
  local method="$1" path="$2" resp code
  local -a args=(-sS -X "$method" -w '\n%{http_code}')
  [[ -n "${BAO_CACERT:-}" ]] && args+=(--cacert "$BAO_CACERT")
  case "$method" in POST|PUT) args+=(-H 'Content-Type: application/json' --data-binary @-) ;; esac
  : "${BAO_ADDR:?BAO_ADDR is not set}" "${BAO_TOKEN:?BAO_TOKEN is not set}"
  resp="$(curl "${args[@]}" -H @<(printf 'X-Vault-Token: %s\nX-Vault-Request: true\n' "$BAO_TOKEN") \
    "${BAO_ADDR%/}/v1/$path")" || { echo "openbao: $method $path: no answer from $BAO_ADDR" >&2; return 1; }
  code="${resp##*$'\n'}"
  resp="${resp%"$code"}"; resp="${resp%$'\n'}"
  printf '%s' "$resp"
  case "$code" in
    2??) return 0 ;;
    403) return 3 ;;
    404) return 4 ;;
    *) printf 'openbao: %s %s: HTTP %s %s\n' "$method" "$path" "$code" \
         "$(printf '%s' "$resp" | grep -o '"errors":\[[^]]*\]' || true)" >&2
       return 1 ;;
  esac
}

# bao_write PATH JSON: a write that must succeed; its answer is dropped. The body reaches
# curl through a pipe from the printf builtin, never through argv.
bao_write() { printf '%s' "$2" | bao_api POST "$1" >/dev/null || bao_die "write to $1 failed"; }

# bao_exists PATH: true if a GET answers 2xx with a body (a missing mount answers 400).
bao_exists() { local out; out="$(bao_api GET "$1" 2>/dev/null)" && [[ -n "$out" ]]; }

# ---------------------------------------------------------------------------------------
# JSON (in bash, so that secret values never leave this process through argv)
# ---------------------------------------------------------------------------------------

json_str() {
  local s="$1"
  s="${s//\\/\\\\}"; s="${s//\"/\\\"}"
  s="${s//$'\n'/\\n}"; s="${s//$'\r'/\\r}"; s="${s//$'\t'/\\t}"
  printf '"%s"' "$s"
}

# json_obj KEY VALUE [KEY VALUE ...]: a JSON object of strings; a key ending in ':raw' takes
# its value as JSON as is (true, 60, ["a","b"], {...}). Keys keep the given order.
json_obj() {
  local out="" key
  while (( $# >= 2 )); do
    key="$1"
    if [[ "$key" == *:raw ]]; then out+="${out:+,}$(json_str "${key%:raw}"):$2"
    else out+="${out:+,}$(json_str "$key"):$(json_str "$2")"; fi
    shift 2
  done
  printf '{%s}' "$out"
}

# ---------------------------------------------------------------------------------------
# mounts, audit, policies
# ---------------------------------------------------------------------------------------

# ensure_secrets_engine PATH TYPE [OPTIONS_JSON]: mount it unless mounted (type checked).
ensure_secrets_engine() {
  local path="$1" type="$2" options="${3:-}" cur
  if cur="$(bao_api GET "sys/mounts/$path" 2>/dev/null)" && [[ -n "$cur" ]]; then
    [[ "$cur" == *"\"type\":\"$type\""* ]] || bao_die "$path/ is mounted, but not as $type"
    if [[ "$type" == kv && "$options" == *'"version":"2"'* && "$cur" != *'"version":"2"'* ]]; then
      bao_die "$path/ is a KV mount, but not KV version 2"
    fi
    return 0
  fi
  if [[ -n "$options" ]]; then bao_write "sys/mounts/$path" "$(json_obj type "$type" options:raw "$options")"
  else bao_write "sys/mounts/$path" "$(json_obj type "$type")"; fi
  bao_log "mounted $type at $path/"
}

# ensure_auth_method PATH TYPE: enable it unless enabled.
ensure_auth_method() {
  local path="$1" type="$2" cur
  if cur="$(bao_api GET "sys/auth/$path" 2>/dev/null)" && [[ -n "$cur" ]]; then
    [[ "$cur" == *"\"type\":\"$type\""* ]] || bao_die "auth/$path/ is enabled, but not as $type"
    return 0
  fi
  bao_write "sys/auth/$path" "$(json_obj type "$type")"
  bao_log "enabled $type auth at auth/$path/"
}

# ensure_audit_file NAME FILE_PATH: a file audit device (secret values HMAC-ed, the default;
# no log_raw). OpenBao 2.x refuses audit devices through the API unless the server allows
# it (unsafe_allow_api_audit_creation): they are declared in the server configuration
# (`audit "file" "NAME" {...}`), so an existing device of that name is accepted as it is.
# Status 1 (with the server's refusal on stderr) when there is none and the API refuses.
ensure_audit_file() {
  local name="$1" file="$2" cur
  cur="$(bao_api GET sys/audit)" || bao_die "cannot list audit devices"
  [[ "$cur" == *"\"$name/\":"* ]] && return 0
  bao_api POST "sys/audit/$name" >/dev/null <<<"$(json_obj type file options:raw "$(json_obj file_path "$file")")" || return 1
  bao_log "audit: file device $name/ enabled through the API"
}

# apply_policies: every policies/<name>.hcl -> sys/policies/acl/<name>. Writing the same
# text again changes nothing. Sets BAO_COUNT to the number applied.
apply_policies() {
  local f n=0
  for f in "$OPENBAO_POLICY_DIR"/*.hcl; do
    bao_write "sys/policies/acl/$(basename "$f" .hcl)" "$(json_obj policy "$(<"$f")")"
    n=$((n + 1))
  done
  (( n )) || bao_die "no policy files in $OPENBAO_POLICY_DIR"
  BAO_COUNT=$n
}

# ---------------------------------------------------------------------------------------
# transit
# ---------------------------------------------------------------------------------------

# ensure_transit_keys: ECOTRACK_TRANSIT_KEYS as aes256-gcm96, not exportable, no plaintext
# backup, deletion not allowed, rotated by OpenBao itself every ECOTRACK_TRANSIT_AUTO_ROTATE
# (720h; the services' hourly rewrap job then moves their rows to the new version).
# Existing keys keep their versions. Sets BAO_COUNT.
ensure_transit_keys() {
  local k cur
  for k in "${ECOTRACK_TRANSIT_KEYS[@]}"; do
    if cur="$(bao_api GET "transit/keys/$k" 2>/dev/null)" && [[ -n "$cur" ]]; then
      [[ "$cur" == *'"type":"aes256-gcm96"'* ]] || bao_die "transit key $k exists with another type"
      [[ "$cur" == *'"exportable":false'* ]] || bao_die "transit key $k is exportable (cannot be undone: recreate it)"
    else
      bao_write "transit/keys/$k" "$(json_obj type aes256-gcm96 exportable:raw false allow_plaintext_backup:raw false)"
    fi
    bao_write "transit/keys/$k/config" "$(json_obj deletion_allowed:raw false auto_rotate_period "${ECOTRACK_TRANSIT_AUTO_ROTATE:-720h}")"
  done
  BAO_COUNT=${#ECOTRACK_TRANSIT_KEYS[@]}
}

# ---------------------------------------------------------------------------------------
# database secrets engine (PostgreSQL)
# ---------------------------------------------------------------------------------------

# database_connection_exists NAME
database_connection_exists() { bao_exists "database/config/$1"; }

# write_database_connection NAME ALLOWED_ROLE HOST PORT DBNAME USERNAME SSLMODE PASSWORD
# (PASSWORD: the connection user's current one), then rotate-root: afterwards only OpenBao
# knows that user's password. verify_connection makes a wrong password fail here.
write_database_connection() {
  local name="$1" role="$2" host="$3" port="$4" db="$5" user="$6" sslmode="$7" password="$8"
  [[ -n "$password" ]] || bao_die "database/config/$name: no password given"
  bao_write "database/config/$name" "$(json_obj plugin_name postgresql-database-plugin \
    allowed_roles "$role" \
    connection_url "postgresql://{{username}}:{{password}}@$host:$port/$db?sslmode=$sslmode" \
    username "$user" password "$password" \
    password_authentication scram-sha-256 \
    verify_connection:raw true \
    max_open_connections:raw 2)"
  bao_write "database/rotate-root/$name" '{}'
}

# ensure_database_role SERVICE CONNECTION OWNER_ROLE DEFAULT_TTL MAX_TTL
# Each login is a fresh role that is a member of the service's owner role and acts as it
# (ALTER ROLE ... SET role), so every object it creates stays owned by the owner role and
# the revocation can simply drop it (PostgreSQL drops it even while its sessions are open).
ensure_database_role() {
  local svc="$1" conn="$2" owner="$3" ttl="$4" max_ttl="$5"
  bao_write "database/roles/$svc" "$(json_obj db_name "$conn" default_ttl "$ttl" max_ttl "$max_ttl" \
    creation_statements:raw "[$(json_str "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' IN ROLE \"$owner\";"),$(json_str "ALTER ROLE \"{{name}}\" SET role = \"$owner\";")]" \
    renew_statements:raw "[$(json_str "ALTER ROLE \"{{name}}\" VALID UNTIL '{{expiration}}';")]" \
    revocation_statements:raw "[$(json_str "DROP ROLE IF EXISTS \"{{name}}\";")]")"
}

# The SQL (for an administrator's psql, on stdin) that creates or updates the connection
# user of one database: LOGIN CREATEROLE, not superuser, CONNECT on that database only.
# PostgreSQL 15: CREATEROLE alone may create, grant membership in and drop non-superuser
# roles. 16+: it needs ADMIN OPTION on the owner role, given without INHERIT and SET so
# the connection user still cannot read the service's data.
database_user_sql() {
  local user="$1" db="$2" owner="$3"
  cat <<SQL
DO \$do\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$user') THEN
    CREATE ROLE "$user" WITH LOGIN CREATEROLE NOSUPERUSER NOCREATEDB NOINHERIT NOREPLICATION;
  END IF;
  ALTER ROLE "$user" WITH LOGIN CREATEROLE NOSUPERUSER NOCREATEDB NOINHERIT NOREPLICATION NOBYPASSRLS;
  IF current_setting('server_version_num')::int >= 160000 THEN
    EXECUTE 'GRANT "$owner" TO "$user" WITH ADMIN TRUE, INHERIT FALSE, SET FALSE';
  END IF;
END \$do\$;
GRANT CONNECT ON DATABASE "$db" TO "$user";
SQL
}

# ---------------------------------------------------------------------------------------
# auth roles
# ---------------------------------------------------------------------------------------

# ensure_approle_role SERVICE TOKEN_TTL TOKEN_MAX_TTL CIDRS: role <service>, role_id <service>.
ensure_approle_role() {
  local svc="$1" ttl="$2" max_ttl="$3" cidrs="$4"
  bao_write "auth/approle/role/$svc" "$(json_obj token_policies "$svc" token_ttl "$ttl" token_max_ttl "$max_ttl" \
    token_type service bind_secret_id:raw true secret_id_ttl 0 secret_id_num_uses:raw 0 \
    secret_id_bound_cidrs "$cidrs" token_bound_cidrs "$cidrs")"
  bao_write "auth/approle/role/$svc/role-id" "$(json_obj role_id "$svc")"
}

# ensure_kubernetes_role NAME SERVICE_ACCOUNT NAMESPACE POLICY TOKEN_TTL TOKEN_MAX_TTL [MOUNT] [AUDIENCE]
# AUDIENCE: the audience the pod's projected token is made for (the chart's openbaoAuth.token.audience,
# "openbao"), so that token is good for OpenBao only; empty: the API server's own audience.
ensure_kubernetes_role() {
  local name="$1" sa="$2" ns="$3" policy="$4" ttl="$5" max_ttl="$6" mount="${7:-kubernetes}" audience="${8:-}"
  local fields=(bound_service_account_names "$sa" bound_service_account_namespaces "$ns"
    token_policies "$policy" token_ttl "$ttl" token_max_ttl "$max_ttl" token_type service)
  if [[ -n "$audience" ]]; then fields+=(audience "$audience"); fi
  bao_write "auth/$mount/role/$name" "$(json_obj "${fields[@]}")"
}

# ---------------------------------------------------------------------------------------
# KV v2
# ---------------------------------------------------------------------------------------

# kv_keep_versions MOUNT N [PATH]: how many old versions KV v2 keeps, for the whole mount or one
# entry. Old versions of a rotated secret are still secrets: keep only what a rollback needs.
kv_keep_versions() {
  local mount="$1" n="$2" path="${3:-}"
  if [[ -z "$path" ]]; then bao_write "$mount/config" "{\"max_versions\":$n}"
  else bao_write "$mount/metadata/$path" "{\"max_versions\":$n}"; fi
}

# kv_sync MOUNT PATH JSON_OBJECT: write only when the stored data differs, so the version
# stays the same across runs. Sets BAO_KV_WRITTEN to 1 when it wrote, else 0.
kv_sync() {
  local mount="$1" path="$2" desired="$3" cur
  BAO_KV_WRITTEN=0
  cur="$(bao_api GET "$mount/data/$path" 2>/dev/null)" || cur='{}'
  if printf '%s' "$cur" | DESIRED="$desired" python3 -c '
import json, os, sys
cur = (json.load(sys.stdin).get("data") or {}).get("data")
sys.exit(0 if cur == json.loads(os.environ["DESIRED"]) else 1)'; then
    return 0
  fi
  bao_write "$mount/data/$path" "$(json_obj data:raw "$desired")"
  BAO_KV_WRITTEN=1
}
