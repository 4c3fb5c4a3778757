# Sourced by the scripts that need a Go-built tool (Jaeger, stripe-mock, Mailpit, helm, kubeconform, ...).
# Each tool is pinned by a committed tools module (<dir>/go.mod + go.sum) and built once into the cache,
# under a name that carries its version: ${ECOTRACK_BIN_CACHE:-${XDG_CACHE_HOME:-~/.cache}/ecotrack/bin}/<tool>-<version>.
#
#   go_tool_version MODULE_DIR MODULE_PATH     the version MODULE_DIR/go.mod pins for MODULE_PATH
#   go_tool_build MODULE_DIR PACKAGE OUT [LDFLAGS]   build PACKAGE into OUT unless OUT exists; fails with the build's log
GO_TOOL_BIN="${ECOTRACK_BIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ecotrack/bin}"

go_tool_version() {
  local version
  version=$(awk -v m="$2" '$1 == m {print $2; exit}' "$1/go.mod")
  [[ -n $version ]] || { echo "no $2 version in $1/go.mod" >&2; return 1; }
  echo "$version"
}

# Built from a copy of the module, so `go` never rewrites the committed go.mod/go.sum; into a temporary
# name first, so an interrupted build never leaves a binary that looks complete.
go_tool_build() {
  local dir=$1 pkg=$2 out=$3 ldflags=${4:-} tmp
  [[ -x $out ]] && return 0
  command -v go >/dev/null || { echo "go is needed to build $(basename "$out") (not cached in $(dirname "$out"))" >&2; return 1; }
  tmp=$(mktemp -d); cp "$dir"/go.mod "$dir"/go.sum "$tmp/"
  mkdir -p "$(dirname "$out")"
  if ( cd "$tmp" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w $ldflags" -o "$out.tmp.$$" "$pkg" ) \
       >"$tmp/build.log" 2>&1; then
    mv -f "$out.tmp.$$" "$out"; rm -rf "$tmp"; return 0
  fi
  tail -n 30 "$tmp/build.log" >&2; rm -rf "$tmp" "$out.tmp.$$"
  return 1
}
