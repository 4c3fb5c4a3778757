#!/usr/bin/env bash
# openbao-init (docker-compose.yml, profile apps): configures the compose OpenBao exactly as
# the native stack does, with tools/openbao/configure.sh, then gives each service its AppRole
# secret id, as tools/run/services.sh does with OPENBAO_SECRET_ID_FILE:
#   $ECOTRACK_APPROLE_EXPORT_DIR/<service>/secret-id   (mode 400, owned by $ECOTRACK_APP_UID)
# Each service mounts only its own <service>/ subpath of that volume. configure.sh's state
# dir (/state: seeded credentials, the minted secret ids) is a volume no service mounts.
# Its inputs (OPENBAO_ADDR, OPENBAO_DEV_ROOT_TOKEN, POSTGRES_ADMIN_URL, <SERVICE>_DATABASE_URL,
# REDIS_URL, ECOTRACK_OPENBAO_*) come from this container's environment (docker-compose.yml).
set -euo pipefail
shopt -s inherit_errexit
STATE=/state
EXPORT="${ECOTRACK_APPROLE_EXPORT_DIR:?ECOTRACK_APPROLE_EXPORT_DIR is not set}"
APP_UID="${ECOTRACK_APP_UID:?ECOTRACK_APP_UID is not set}"
REPO=/repo

# configure.sh sources $STATE/stack.env: here every variable is already in the environment,
# so the file holds no value (no credential is written to the volume).
printf '# openbao-init: the variables come from the environment of docker-compose.yml\n' > "$STATE/stack.env"
bash "$REPO/tools/openbao/configure.sh" --state-dir "$STATE"

# shellcheck source=../../../../deploy/openbao/lib.sh
source "$REPO/deploy/openbao/lib.sh"   # ECOTRACK_SERVICES, bao_log
for svc in "${ECOTRACK_SERVICES[@]}"; do
  install -d -m 0500 -o "$APP_UID" -g "$APP_UID" "$EXPORT/$svc"
  install -m 0400 -o "$APP_UID" -g "$APP_UID" "$STATE/openbao/approle/$svc.secret-id" "$EXPORT/$svc/secret-id"
done
bao_log "compose: ${#ECOTRACK_SERVICES[@]} secret ids in $EXPORT/<service>/secret-id (uid $APP_UID)"
