#!/usr/bin/env bash
# The Node 20 base image, made here without a registry: a minimal Debian bookworm (debootstrap
# --variant=minbase, from the Debian mirror apt is configured with) plus this machine's own Node 20
# binary (no npm: the images do not install anything at run time).
#   base.sh [image]    ensure the local image (default localhost/ecotrack-node:20-bookworm) is current
# Cached: the root filesystem tarball lives under ~/.cache/ecotrack/images, keyed by the hash of this
# file (the recipe) and the Node version; the image carries the same key as a label. Nothing is rebuilt
# or re-imported while both are current.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
IMAGE=${1:-localhost/ecotrack-node:20-bookworm}
SUITE=bookworm
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/ecotrack/images"
say() { printf '[images] %s\n' "$*"; }
die() { printf '[images] ERROR: %s\n' "$*" >&2; exit 1; }

NODE_BIN=$(readlink -f "$(command -v node)") || die "no node on PATH"
NODE_VERSION=$(node --version)
[[ $NODE_VERSION == v20.* ]] || die "the base needs Node 20; this machine has $NODE_VERSION"
ARCH=$(dpkg --print-architecture)
KEY=$( { cat "${BASH_SOURCE[0]}"; echo "$NODE_VERSION $ARCH"; } | sha256sum | cut -c1-16)
TARBALL="$CACHE/ecotrack-node-$NODE_VERSION-$SUITE-$ARCH-$KEY.tar"

if [[ $(podman image inspect --format '{{index .Labels "io.ecotrack.base-key"}}' "$IMAGE" 2>/dev/null) == "$KEY" ]]; then
  say "base $IMAGE is current (node $NODE_VERSION, key $KEY)"
  exit 0
fi

# The Debian mirror apt already uses (deb822 .sources or one-line .list), never a hard-coded host.
debian_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    # One stanza a paragraph: the URI of the stanza whose Suites name the plain suite.
    awk -v suite="$SUITE" 'BEGIN { RS = ""; FS = "\n" }
      { uri = ""; ok = 0
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/) { split($i, a, /[ \t]+/); uri = a[2] }
          if ($i ~ /^Suites:/) { n = split($i, s, /[ \t]+/); for (j = 2; j <= n; j++) if (s[j] == suite) ok = 1 }
        }
        if (ok && uri != "") { print uri; exit } }' "$f"
  done
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk -v suite="$SUITE" '$1 == "deb" { i = 2; if ($2 ~ /^\[/) while ($i !~ /\]$/) i++; if ($2 ~ /^\[/) i++; if ($(i + 1) == suite) print $i }' || true
}

if [[ ! -s $TARBALL ]]; then
  command -v debootstrap >/dev/null || die "debootstrap missing (tools/images/build.sh installs it)"
  MIRROR=$(debian_mirror | sed -n 1p)
  [[ -n $MIRROR ]] || die "no apt source for Debian $SUITE in /etc/apt/sources.list*"
  mkdir -p "$CACHE"
  ROOTFS=$(mktemp -d "$CACHE/rootfs.XXXXXX")
  trap 'rm -rf "$ROOTFS"' EXIT
  say "debootstrap $SUITE (minbase) from $MIRROR ..."
  nice -n 10 debootstrap --variant=minbase --arch="$ARCH" "$SUITE" "$ROOTFS" "$MIRROR" > "$CACHE/debootstrap.log" 2>&1 \
    || die "debootstrap failed (log: $CACHE/debootstrap.log)"
  # Nothing at run time reads docs, man pages, locales or apt's lists and caches.
  rm -rf "$ROOTFS"/usr/share/{doc,man,info,locale,lintian}/* "$ROOTFS"/var/cache/apt/* \
    "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/log/* "$ROOTFS"/debootstrap
  install -m 755 "$NODE_BIN" "$ROOTFS/usr/local/bin/node"
  # The binary must run against this root's libraries, not only the host's.
  chroot "$ROOTFS" /usr/local/bin/node -e 'process.exit(process.version === process.argv[1] ? 0 : 1)' "$NODE_VERSION" \
    || die "node $NODE_VERSION does not run inside the $SUITE root"
  tar --numeric-owner -C "$ROOTFS" -cf "$TARBALL.tmp" . && mv "$TARBALL.tmp" "$TARBALL"
  rm -rf "$ROOTFS"; trap - EXIT
  # Older tarballs of this base are stale now.
  find "$CACHE" -maxdepth 1 -name "ecotrack-node-*.tar" ! -name "$(basename "$TARBALL")" -delete
fi

say "importing $TARBALL as $IMAGE"
podman import \
  --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change "ENV NODE_VERSION=${NODE_VERSION#v}" \
  --change "LABEL io.ecotrack.base-key=$KEY" \
  --change 'CMD ["node"]' \
  "$TARBALL" "$IMAGE" >/dev/null
say "base $IMAGE: node $NODE_VERSION on Debian $SUITE (key $KEY)"
