#!/usr/bin/env bash
# Runs the five service images (tools/images/build.sh) against the native infrastructure, as a cluster
# would run them: read-only root, a tmpfs on /tmp only, uid 10001, the secret id as a read-only mount.
#   tools/images/run.sh up | down | status | migrate | journey
#     up        start the five containers (ecotrack-<service>) and wait until each is ready
#     down      stop and remove them
#     status    each container's state and readiness
#     migrate   each image's migration step (tools/run/migrate.js) against the stack's databases
#     journey   up, then the customer journey (tests/e2e/journey.e2e-spec.ts) through the containers
#               (further arguments go to jest)
# The native services keep their ports: the containers listen on the port table's service ports plus
# ECOTRACK_IMAGES_PORT_OFFSET (default 100: 3101..3105), moved the way the table moves a port
# (ECOTRACK_<SERVICE>_PORT), and each one's environment is the one tools/run/services.sh gives the native
# service for those ports (`services.sh env`), so the containers call each other, not the native ones.
# Host networking: the infrastructure listens on loopback. They share the native services' Kafka
# consumer groups (as replicas of one Deployment would).
# Environment: ECOTRACK_STATE_DIR (the running stack's state, default .stack), ECOTRACK_IMAGE_TAG (dev).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
source "$ROOT/tools/lib/ports.sh"
STATE=${ECOTRACK_STATE_DIR:-$ROOT/.stack}
export ECOTRACK_STATE_DIR=$STATE
TAG=${ECOTRACK_IMAGE_TAG:-dev}
OFFSET=${ECOTRACK_IMAGES_PORT_OFFSET:-100}
SERVICES=(user-service product-service order-service payment-service notification-service)
# Per-container files (environment, secret id), mode 700, removed by `down`.
WORK=$STATE/images
# Where a container reads its AppRole secret id (as a Kubernetes secret volume would mount it).
SECRET_ID_MOUNT=/var/run/secrets/openbao/secret-id
APP_UID=10001
say() { printf '[images] %s\n' "$*"; }
die() { printf '[images] ERROR: %s\n' "$*" >&2; exit 1; }

# Move every service's port (the containers must reach each other on the moved ports).
for svc in "${SERVICES[@]}"; do
  var="ECOTRACK_$(tr 'a-z-' 'A-Z_' <<<"$svc")_PORT"
  export "$var=$(( $(port_default "$(tr 'a-z-' 'A-Z_' <<<"$svc")") + OFFSET ))"
done
container() { echo "ecotrack-$1"; }
ready() { curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$(service_port "$1")/health/ready"; }
exists() { podman container exists "$(container "$1")"; }

start() {
  local svc=$1 p name dir env_file
  p=$(service_port "$svc"); name=$(container "$svc"); dir=$WORK/$svc
  podman image exists "localhost/ecotrack/$svc:$TAG" || die "no image localhost/ecotrack/$svc:$TAG: run tools/images/build.sh"
  if port_taken "$p"; then die "$svc: port $p is in use ($(port_owner "$p")); set ECOTRACK_IMAGES_PORT_OFFSET"; fi
  rm -rf "$dir"; mkdir -p "$dir"; chmod 700 "$dir"
  env_file=$dir/env
  # The one definition of a service's environment, with the secret id's path as mounted in the container.
  bash "$ROOT/tools/run/services.sh" env "$svc" \
    | sed "s#^OPENBAO_SECRET_ID_FILE=.*#OPENBAO_SECRET_ID_FILE=$SECRET_ID_MOUNT#" > "$env_file"
  # Readable by the container's user only (the state dir's copy is root's, mode 600).
  install -m 400 -o "$APP_UID" -g "$APP_UID" "$STATE/openbao/approle/$svc.secret-id" "$dir/secret-id"
  podman run -d --name "$name" --runtime runc --network host \
    --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 \
    --read-only --read-only-tmpfs=false --tmpfs /tmp:rw,size=64m,mode=1777 \
    --user "$APP_UID:$APP_UID" --cap-drop all --security-opt no-new-privileges \
    --env-file "$env_file" -v "$dir/secret-id:$SECRET_ID_MOUNT:ro" \
    "localhost/ecotrack/$svc:$TAG" >/dev/null
  say "$svc: container $name on http://127.0.0.1:$p"
}

up() {
  [[ -f $STATE/stack.env ]] || die "no $STATE/stack.env: the infrastructure is not running (./ecotrack up)"
  local svc
  for svc in "${SERVICES[@]}"; do
    if exists "$svc"; then say "$svc: container already there ($(podman inspect --format '{{.State.Status}}' "$(container "$svc")"))"
    else start "$svc"; fi
  done
  local deadline=$((SECONDS + ${SERVICES_READY_TIMEOUT:-180}))
  for svc in "${SERVICES[@]}"; do
    until ready "$svc"; do
      if [[ $(podman inspect --format '{{.State.Running}}' "$(container "$svc")") != true ]] || ((SECONDS > deadline)); then
        podman logs --tail 30 "$(container "$svc")" >&2 || true
        die "$svc: not ready: $(curl -s --max-time 2 "http://127.0.0.1:$(service_port "$svc")/health/ready" || echo '(no answer)')"
      fi
      sleep 2
    done
    say "$svc: ready"
  done
}

down() {
  local svc
  for svc in "${SERVICES[@]}"; do
    if exists "$svc"; then podman rm -f -t 30 "$(container "$svc")" >/dev/null; say "$svc: container removed"; fi
  done
  rm -rf "$WORK"
}

status() {
  local svc rc=0
  for svc in "${SERVICES[@]}"; do
    if ! exists "$svc"; then say "$svc: no container"; rc=3
    elif ready "$svc"; then say "$svc: ready on http://127.0.0.1:$(service_port "$svc") ($(podman inspect --format '{{.ImageName}}' "$(container "$svc")"))"
    else say "$svc: $(podman inspect --format '{{.State.Status}}' "$(container "$svc")"), NOT ready"; rc=3; fi
  done
  return $rc
}

# The migration step as the image carries it (node tools/run/migrate.js <service>), with the database
# owner's login from the stack (a Job would get it from its own secret); one short-lived container each.
migrate() {
  local svc var url
  for svc in "${SERVICES[@]}"; do
    var="$(tr 'a-z-' 'A-Z_' <<<"$svc")_DATABASE_URL"
    url=$(set -a; . "$STATE/stack.env"; echo "${!var:-}")
    [[ -n $url ]] || die "$svc: no $var in $STATE/stack.env"
    DATABASE_URL=$url podman run --rm --runtime runc --network host \
      --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 \
      --read-only --read-only-tmpfs=false --tmpfs /tmp:rw,size=16m,mode=1777 \
      --user "$APP_UID:$APP_UID" --cap-drop all --security-opt no-new-privileges \
      --env DATABASE_URL "localhost/ecotrack/$svc:$TAG" node tools/run/migrate.js "$svc"
  done
}

journey() { # [jest arguments...]
  up
  say "journey through the containers (ports $(for s in "${SERVICES[@]}"; do printf '%s ' "$(service_port "$s")"; done))"
  nice -n 10 npx jest -c tools/images/journey.jest.config.ts --runInBand "$@"
}

case ${1:-} in
  up) up ;;
  down) down ;;
  status) status ;;
  migrate) migrate ;;
  journey) shift; journey "$@" ;;
  *) echo "usage: $0 up | down | status | migrate | journey" >&2; exit 64 ;;
esac
