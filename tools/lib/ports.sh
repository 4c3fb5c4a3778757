# Sourced by the scripts that bind local ports. Ports are defined once, in tools/ports.env.
#
#   port NAME          the port of NAME (POSTGRES, USER_SERVICE, ...): $ECOTRACK_<NAME>_PORT if set, else the table's
#   port_default NAME  the table's port of NAME (what docker-compose.yml publishes)
#   service_port SVC   the same for a service by its name (user-service -> USER_SERVICE)
#   port_taken PORT    something listens on PORT (any local address)
#   port_owner PORT    which process listens there (for error messages; empty when unknown)
PORTS_FILE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/ports.env"

port_default() {
  local value
  value=$(sed -n "s/^$1=\([0-9]\{1,5\}\)\$/\1/p" "$PORTS_FILE")
  [[ -n $value ]] || { echo "no port $1 in $PORTS_FILE" >&2; return 1; }
  echo "$value"
}

port() {
  local override="ECOTRACK_$1_PORT"
  if [[ -n ${!override:-} ]]; then echo "${!override}"; else port_default "$1"; fi
}

service_port() { port "$(tr 'a-z-' 'A-Z_' <<<"$1")"; }

# ss sees listeners on every address; where it is missing (before the stack installed iproute2), a
# connect to loopback tells enough for our own loopback listeners.
port_taken() {
  if command -v ss >/dev/null; then [[ -n "$(ss -Htln "sport = :$1" 2>/dev/null)" ]]
  else (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; fi
}

port_owner() { ss -Htlnp "sport = :$1" 2>/dev/null | grep -o 'users:(([^)]*' | head -1 | sed 's/users:((//' || true; }
