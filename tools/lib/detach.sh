# Sourced by the scripts that start long-lived processes (stack, services, mocks).
#
# close_inherited_fds: closes every file descriptor above 2 of the current shell. Call it in the
# subshell that execs a daemon, so the daemon keeps nothing of its caller's open: not a test
# runner's pipe (which would never see end-of-file) and not a lock a caller holds while it starts
# the stack (`flock FILE ./ecotrack up` would otherwise stay locked until `down`).
close_inherited_fds() {
  local fd
  for fd in /proc/$BASHPID/fd/*; do
    fd=${fd##*/}
    if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
}
