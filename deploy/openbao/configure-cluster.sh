#!/usr/bin/env bash
# OpenBao as code, cluster: applies to a cluster's OpenBao the same policies, engines and
# transit keys as tools/openbao/configure.sh does locally (both use lib.sh), with Kubernetes
# auth instead of AppRole. Idempotent: run it after every change of policies/ (Argo CD
# PostSync job, CI, or an operator).
#
#   BAO_ADDR=https://openbao.example:8200 BAO_TOKEN=... [BAO_CACERT=ca.pem] \
#     deploy/openbao/configure-cluster.sh [options]
#
#   --namespace NS                 namespace of the services' ServiceAccounts (ecotrack)
#   --service-account-prefix P     ServiceAccount of a service is P<service> (""; the chart
#                                  names them after the service: templates/serviceaccount.yaml)
#   --eso-namespace NS             External Secrets Operator's namespace (external-secrets)
#   --eso-service-account SA       its ServiceAccount (external-secrets); Kubernetes auth role
#                                  external-secrets (values.yaml externalSecrets.clusterSecretStore)
#   --rotator-service-account SA   optional: role secrets-rotator for SA in --namespace (tokens
#                                  for --token-audience). The chart's CronJob rotating the
#                                  database root credentials (values.yaml secretsRotation) runs
#                                  as ServiceAccount secrets-rotator: pass secrets-rotator
#   --snapshot-service-account SA  optional: role openbao-snapshot (policy openbao-snapshot: read of
#                                  sys/storage/raft/snapshot) for SA in --namespace, same token
#                                  audience. The chart's daily snapshot CronJob (values.yaml
#                                  backup.openbao) runs as ServiceAccount openbao-snapshot: pass that
#   --token-audience AUD           audience of the services' (and the rotator's) projected
#                                  tokens (openbao: the chart's openbaoAuth.token.audience;
#                                  "" for the API server's)
#   --kubernetes-host URL          API server as OpenBao sees it (https://kubernetes.default.svc)
#   --kubernetes-ca-file FILE      its CA certificate (default: the one OpenBao's pod mounts)
#   --database-host HOST[:PORT]    PostgreSQL of the services: also configure database/ (one
#                                  connection per service database). A missing connection
#                                  needs ECOTRACK_PG_OPENBAO_PASSWORD: the initial password of
#                                  the users openbao_<service> (rotated at once: afterwards only
#                                  OpenBao knows it). --print-database-sql shows the SQL that
#                                  creates those users, for the database administrator.
#   --sslmode MODE                 sslmode of those connections (verify-full)
#   --db-creds-ttl D, --db-creds-max-ttl D   (1h, 24h)
#   --token-ttl D, --token-max-ttl D         (15m, 4h)
#
# Audit devices cannot be enabled through the API in OpenBao 2.x: declare one in the
# server's configuration (README.md); this script only checks that one exists.
set -euo pipefail
shopt -s inherit_errexit

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NAMESPACE=ecotrack
SA_PREFIX=""
TOKEN_AUDIENCE=openbao
ESO_NAMESPACE=external-secrets
ESO_SA=external-secrets
ROTATOR_SA=""
SNAPSHOT_SA=""
KUBERNETES_HOST=https://kubernetes.default.svc
KUBERNETES_CA_FILE=""
DB_HOST=""
SSLMODE=verify-full
DB_TTL=1h
DB_MAX_TTL=24h
TOKEN_TTL=15m
TOKEN_MAX_TTL=4h
PRINT_SQL=0

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
while (( $# )); do
  case "$1" in
    --namespace) NAMESPACE="${2:?}"; shift 2 ;;
    --token-audience) TOKEN_AUDIENCE="${2?}"; shift 2 ;;
    --service-account-prefix) SA_PREFIX="${2?}"; shift 2 ;;
    --eso-namespace) ESO_NAMESPACE="${2:?}"; shift 2 ;;
    --eso-service-account) ESO_SA="${2:?}"; shift 2 ;;
    --rotator-service-account) ROTATOR_SA="${2:?}"; shift 2 ;;
    --snapshot-service-account) SNAPSHOT_SA="${2:?}"; shift 2 ;;
    --kubernetes-host) KUBERNETES_HOST="${2:?}"; shift 2 ;;
    --kubernetes-ca-file) KUBERNETES_CA_FILE="${2:?}"; shift 2 ;;
    --database-host) DB_HOST="${2:?}"; shift 2 ;;
    --sslmode) SSLMODE="${2:?}"; shift 2 ;;
    --db-creds-ttl) DB_TTL="${2:?}"; shift 2 ;;
    --db-creds-max-ttl) DB_MAX_TTL="${2:?}"; shift 2 ;;
    --token-ttl) TOKEN_TTL="${2:?}"; shift 2 ;;
    --token-max-ttl) TOKEN_MAX_TTL="${2:?}"; shift 2 ;;
    --print-database-sql) PRINT_SQL=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done

# The services' database naming, as in the local stack: database ecotrack_<x> owned by the
# role <x>_service; OpenBao connects as openbao_<x>.
short_name() { local s="${1%-service}"; echo "${s//-/_}"; }

if (( PRINT_SQL )); then
  echo "-- psql script for an administrator of the services' PostgreSQL; then run configure-cluster.sh"
  echo "-- with the same password in ECOTRACK_PG_OPENBAO_PASSWORD (each user's is rotated at once)"
  echo "\\prompt 'initial password of the openbao_* users: ' openbao_password"
  for svc in "${ECOTRACK_SERVICES[@]}"; do
    x="$(short_name "$svc")"
    database_user_sql "openbao_$x" "ecotrack_$x" "${x}_service"
    echo "ALTER ROLE \"openbao_$x\" WITH PASSWORD :'openbao_password';"
  done
  exit 0
fi

: "${BAO_ADDR:?set BAO_ADDR (the cluster OpenBao)}" "${BAO_TOKEN:?set BAO_TOKEN (a token that may configure it)}"
curl -fsS -o /dev/null ${BAO_CACERT:+--cacert "$BAO_CACERT"} "${BAO_ADDR%/}/v1/sys/health" \
  || bao_die "OpenBao at $BAO_ADDR is not ready (sealed, standby or unreachable)"

if ensure_audit_file file stdout 2>/dev/null; then bao_log "audit: device file/ present"
else bao_log "audit: WARNING no audit device: declare one in the server configuration (README.md)"; fi

ensure_secrets_engine secret kv '{"version":"2"}'
# Old versions of rotated secrets are secrets too; per environment, also run
#   kv_keep_versions secret 2 ecotrack/<environment>/user-service/jwt-signing-keys
kv_keep_versions secret 5
bao_log "kv: secret/ (v2), 5 versions kept"

apply_policies
bao_log "policies: $BAO_COUNT"

ensure_secrets_engine transit transit
ensure_transit_keys
bao_log "transit: $BAO_COUNT keys (${ECOTRACK_TRANSIT_KEYS[*]})"

if [[ -n "$DB_HOST" ]]; then
  host="${DB_HOST%%:*}" port=5432
  [[ "$DB_HOST" == *:* ]] && port="${DB_HOST##*:}"
  ensure_secrets_engine database database
  created=0 skipped=()
  for svc in "${ECOTRACK_SERVICES[@]}"; do
    x="$(short_name "$svc")"
    if ! database_connection_exists "ecotrack_$x"; then
      if [[ -n "${ECOTRACK_PG_OPENBAO_PASSWORD:-}" ]]; then
        write_database_connection "ecotrack_$x" "$svc" "$host" "$port" "ecotrack_$x" "openbao_$x" "$SSLMODE" "$ECOTRACK_PG_OPENBAO_PASSWORD"
        created=$((created + 1))
      else
        skipped+=("ecotrack_$x")
        continue
      fi
    fi
    ensure_database_role "$svc" "ecotrack_$x" "${x}_service" "$DB_TTL" "$DB_MAX_TTL"
  done
  bao_log "database: $((${#ECOTRACK_SERVICES[@]} - ${#skipped[@]})) connections ($created new, root rotated), creds ttl $DB_TTL max $DB_MAX_TTL"
  (( ${#skipped[@]} == 0 )) || bao_log "database: WARNING no connection for ${skipped[*]}: set ECOTRACK_PG_OPENBAO_PASSWORD (see --print-database-sql)"
else
  bao_log "database: skipped (no --database-host)"
fi

ensure_auth_method kubernetes kubernetes
# OpenBao runs in the cluster: it reviews tokens with its own ServiceAccount (and its CA
# unless one is given).
if [[ -n "$KUBERNETES_CA_FILE" ]]; then
  bao_write auth/kubernetes/config "$(json_obj kubernetes_host "$KUBERNETES_HOST" kubernetes_ca_cert "$(<"$KUBERNETES_CA_FILE")")"
else
  bao_write auth/kubernetes/config "$(json_obj kubernetes_host "$KUBERNETES_HOST")"
fi
for svc in "${ECOTRACK_SERVICES[@]}"; do
  ensure_kubernetes_role "$svc" "$SA_PREFIX$svc" "$NAMESPACE" "$svc" "$TOKEN_TTL" "$TOKEN_MAX_TTL" kubernetes "$TOKEN_AUDIENCE"
done
ensure_kubernetes_role external-secrets "$ESO_SA" "$ESO_NAMESPACE" external-secrets "$TOKEN_TTL" "$TOKEN_MAX_TTL"
roles=$(( ${#ECOTRACK_SERVICES[@]} + 1 ))
if [[ -n "$ROTATOR_SA" ]]; then
  # The chart's CronJob logs in with a projected token for the services' audience.
  ensure_kubernetes_role secrets-rotator "$ROTATOR_SA" "$NAMESPACE" secrets-rotator "$TOKEN_TTL" "$TOKEN_MAX_TTL" kubernetes "$TOKEN_AUDIENCE"
  roles=$((roles + 1))
fi
if [[ -n "$SNAPSHOT_SA" ]]; then
  # The chart's snapshot CronJob, like the rotator: a projected token for the services' audience.
  ensure_kubernetes_role openbao-snapshot "$SNAPSHOT_SA" "$NAMESPACE" openbao-snapshot "$TOKEN_TTL" "$TOKEN_MAX_TTL" kubernetes "$TOKEN_AUDIENCE"
  roles=$((roles + 1))
fi
bao_log "kubernetes auth: $roles roles (services in $NAMESPACE, external-secrets in $ESO_NAMESPACE)"
