#!/usr/bin/env bash
# Builds the five service images here, without a registry or a Docker engine (podman, chroot isolation).
#   tools/images/build.sh [service...]             default: all five; prints each image's size
#   tools/images/build.sh --prepare [service...]   only `npm run build` and the trees the Dockerfile copies
#                                                  (dist/images/<service>), e.g. before `docker build`
#                                                  or `docker compose --profile apps build`
# Steps: podman/buildah/debootstrap/runc from Debian (once); the Node 20 base (tools/images/base.sh,
# cached); `npm run build` (incremental); per service, its tree of compiled code and only the packages
# it loads (tools/images/closure.js -> dist/images/<service>); then `podman build` of the root Dockerfile.
# Environment:
#   ECOTRACK_NODE_IMAGE   base image to build FROM (default: the local base; a registry's node:20-bookworm-slim
#                         works too when pulled beforehand: builds never pull)
#   ECOTRACK_IMAGE_TAG    tag of the images (default: dev); images are localhost/ecotrack/<service>:<tag>
#   ECOTRACK_IMAGE_MAX_MB the size each image must stay under (default 250)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
# For apt_install (the stack's one package-install function) and its log/die.
source "$ROOT/tools/stack/lib/common.sh"
SERVICES=(user-service product-service order-service payment-service notification-service)
BASE=${ECOTRACK_NODE_IMAGE:-localhost/ecotrack-node:20-bookworm}
TAG=${ECOTRACK_IMAGE_TAG:-dev}
MAX_MB=${ECOTRACK_IMAGE_MAX_MB:-250}
say() { printf '[images] %s\n' "$*"; }
die() { printf '[images] ERROR: %s\n' "$*" >&2; exit 1; }

PREPARE_ONLY=0
if [[ ${1:-} == --prepare ]]; then PREPARE_ONLY=1; shift; fi
if (($#)); then
  for svc in "$@"; do [[ " ${SERVICES[*]} " == *" $svc "* ]] || { echo "unknown service: $svc" >&2; exit 64; }; done
  SERVICES=("$@")
fi

prepare() {
  local svc=$1 stray
  node tools/images/closure.js "$svc" "dist/images/$svc" | sed 's/^/[images] /'
  # Dependencies of the workspace that no service loads must not ride along (issue 14: 200 MB of
  # OpenTelemetry); sdk-node and auto-instrumentations-node are the two the services never import.
  stray=$(find "dist/images/$svc/deps" -type d -path '*/node_modules/@opentelemetry/*' \
    \( -name auto-instrumentations-node -o -name sdk-node \) -prune -print)
  [[ -z $stray ]] || die "$svc: the image would carry packages no service loads: $stray"
}

if ((PREPARE_ONLY)); then
  say "npm run build"
  nice -n 10 npm run build --silent
  for svc in "${SERVICES[@]}"; do prepare "$svc"; done
  exit 0
fi

missing=()
for tool in podman buildah debootstrap runc; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if ((${#missing[@]})); then
  ((EUID == 0)) || die "missing ${missing[*]}: install them (apt-get) or run as root"
  apt_install podman buildah debootstrap runc
fi

if [[ -z ${ECOTRACK_NODE_IMAGE:-} ]]; then bash "$ROOT/tools/images/base.sh" "$BASE"; fi
podman image exists "$BASE" || die "base image $BASE is not present locally (builds never pull)"

say "npm run build"
nice -n 10 npm run build --silent

VERSION=$(node -p 'require("./package.json").version')+$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
for svc in "${SERVICES[@]}"; do
  prepare "$svc"
  image=localhost/ecotrack/$svc:$TAG
  say "$svc: podman build -> $image"
  old=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
  nice -n 10 podman build --isolation chroot --pull=never --quiet \
    --build-arg NODE_IMAGE="$BASE" --build-arg SERVICE="$svc" --build-arg VERSION="$VERSION" \
    -f Dockerfile -t "$image" . >/dev/null
  # The image it replaces, now untagged, is dropped (its layers stay cached while shared).
  if [[ -n $old && $old != "$(podman image inspect --format '{{.Id}}' "$image")" ]]; then podman rmi "$old" >/dev/null 2>&1 || true; fi
done

rc=0
printf '[images] %-46s %8s\n' IMAGE SIZE
for svc in "${SERVICES[@]}"; do
  image=localhost/ecotrack/$svc:$TAG
  bytes=$(podman image inspect --format '{{.Size}}' "$image")
  # MB as podman and registries count them (10^6 bytes), the larger figure.
  mb=$(( (bytes + 500000) / 1000000 ))
  flag=""; if ((mb >= MAX_MB)); then flag="  OVER ${MAX_MB} MB"; rc=1; fi
  printf '[images] %-46s %5d MB%s\n' "$image" "$mb" "$flag"
done
exit $rc
