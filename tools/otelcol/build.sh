#!/usr/bin/env bash
# Builds the minimal OpenTelemetry Collector of tools/otelcol/go (main.go + pinned go.mod/go.sum)
# once per version into ${XDG_CACHE_HOME:-~/.cache}/ecotrack/otelcol/otelcol-<version>-<hash of
# main.go and go.sum> (a component added means a new binary) and prints its path. Idempotent: a cached binary is reused; the build goes to a temporary name first, so an
# interrupted build never leaves a binary that looks complete. Needs only Go and the module proxy.
#
#   OTELCOL=$(bash tools/otelcol/build.sh)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../lib/go-tool.sh"
VERSION=$(go_tool_version "$HERE/go" go.opentelemetry.io/collector/otelcol)
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/ecotrack/otelcol
SOURCES=$(cat "$HERE"/go/main.go "$HERE"/go/go.sum | sha256sum | cut -c1-12)
OUT=$CACHE/otelcol-$VERSION-$SOURCES
if [[ ! -x $OUT ]]; then
  command -v go >/dev/null || { echo "go is needed to build the collector (not cached at $OUT)" >&2; exit 1; }
  mkdir -p "$CACHE"
  tmp=$(mktemp -d); trap 'rm -rf "$tmp" "$OUT.tmp.$$"' EXIT
  # A copy of the module, so `go` never rewrites the committed go.mod/go.sum.
  cp "$HERE"/go/main.go "$HERE"/go/go.mod "$HERE"/go/go.sum "$tmp/"
  if ! ( cd "$tmp" && CGO_ENABLED=0 GOFLAGS=-mod=mod nice -n 10 go build -trimpath -ldflags "-s -w" -o "$OUT.tmp.$$" . ) \
      >"$tmp/build.log" 2>&1; then
    tail -n 30 "$tmp/build.log" >&2; exit 1
  fi
  mv -f "$OUT.tmp.$$" "$OUT"
fi
echo "$OUT"
