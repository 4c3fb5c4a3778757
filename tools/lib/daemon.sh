# The one supervisor of EcoTrack's long-lived local processes: the infrastructure (tools/stack), the
# vendor mocks (tools/mocks) and the five services (tools/run/services.sh). Sourced; every function
# takes the daemon's NAME and its RUN directory, where it keeps
#   NAME.pid      the pid (only the pid: tests read these files)
#   NAME.started  the process's start time (clock ticks since boot, /proc/<pid>/stat field 22): with the
#                 pid it names one process, so a pid reused after the daemon died is never taken for it,
#                 and never signalled.
#
#   daemon_start NAME RUN LOG CWD COMMAND...   start COMMAND detached, record it
#   daemon_adopt NAME RUN PIDFILE              record the daemon a pid file of its own names (postgres's
#                                              postmaster.pid), if that process ran when the file was written
#   daemon_alive NAME RUN                      true while the recorded process runs
#   daemon_pid NAME RUN                        the recorded pid (empty if none)
#   daemon_await NAME RUN LOG SECONDS CHECK... poll CHECK until it succeeds; fails if the daemon exits or time runs out
#   daemon_stop NAME RUN GRACE                 TERM, KILL after GRACE seconds; sets DAEMON_STOPPED=term|kill|none;
#                                              returns once the process is gone (daemon_reap)
#   daemon_kill NAME RUN                       KILL (a crash, for fault tests), returns once it is gone
#   daemon_reap NAME RUN                       after the daemon exited: wait until it left the process table, drop the record
#   daemon_forget NAME RUN                     drop the record
#   daemon_close_inherited_fds                 for a daemon that detaches itself (pg_ctl): call in its subshell
# Messages: DAEMON_TAG (e.g. "stack") prefixes what daemon_await says on stderr.
#
# Not to be confused with libs/testing's ServiceChild: a test's own foreground child process (it reads the
# output, kills it with any signal, and it dies with the test); these daemons outlive the script that starts them.

# PID -> "<state> <start time in clock ticks since boot>" (/proc/<pid>/stat fields 3 and 22); fails for
# a pid that is not in the process table. The fields are counted after the command name, which may hold spaces.
_daemon_stat() {
  local stat; stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  # shellcheck disable=SC2086
  set -- $stat
  echo "$1 ${20}"
}

# PID -> its start time; fails for a process that is gone or a zombie (exited, not yet reaped).
_daemon_ticks() {
  local stat; stat=$(_daemon_stat "$1") || return 1
  [[ ${stat% *} != Z ]] || return 1
  echo "${stat#* }"
}

daemon_pid() { cat "$2/$1.pid" 2>/dev/null || true; }

_daemon_record() { # NAME RUN PID
  local ticks; ticks=$(_daemon_ticks "$3") || return 1
  mkdir -p "$2"
  echo "$3" >"$2/$1.pid"
  echo "$ticks" >"$2/$1.started"
}

# True when PID runs and started no later than FILE was last written: the process FILE meant. One
# started later has reused the pid of a process that is gone.
_daemon_started_before() {
  local ticks boot hz
  ticks=$(_daemon_ticks "$1") || return 1
  boot=$(awk '$1 == "btime" {print $2}' /proc/stat); hz=$(getconf CLK_TCK)
  (( boot + ticks / hz <= $(stat -c %Y "$2") + 1 ))
}

daemon_adopt() {
  local name=$1 run=$2 file=$3 pid
  pid=$(head -n 1 "$file" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ $pid == "$(daemon_pid "$name" "$run")" ]] && daemon_alive "$name" "$run" && return 0
  _daemon_started_before "$pid" "$file" && _daemon_record "$name" "$run" "$pid"
}

daemon_alive() {
  local name=$1 run=$2 pid ticks recorded
  pid=$(daemon_pid "$name" "$run")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  ticks=$(_daemon_ticks "$pid") || return 1
  recorded=$(cat "$run/$name.started" 2>/dev/null) || recorded=""
  # A start time older than the pid file belongs to an earlier pid (written by an older checkout).
  if [[ "$run/$name.pid" -nt "$run/$name.started" ]]; then recorded=""; fi
  if [[ -z $recorded ]]; then
    # A pid file written before start times were recorded (by an older checkout): adopt its process
    # if it ran when the file was written.
    _daemon_started_before "$pid" "$run/$name.pid" && _daemon_record "$name" "$run" "$pid"
    return
  fi
  [[ $ticks == "$recorded" ]]
}

daemon_forget() { rm -f "$2/$1.pid" "$2/$1.started"; }

# daemon_reap NAME RUN: once the recorded process has exited, waits until it has left the process table
# too (a zombie stays there until its parent, init once the starting script has exited, reaps it; that
# may take seconds), so that whoever looks right after finds nothing; at most 10 s, then drops the record.
daemon_reap() {
  local name=$1 run=$2 pid ticks _
  pid=$(daemon_pid "$name" "$run"); ticks=$(cat "$run/$name.started" 2>/dev/null) || ticks=""
  if [[ $pid =~ ^[0-9]+$ && -n $ticks ]]; then
    for _ in $(seq 1 100); do
      [[ "$(_daemon_stat "$pid")" == *" $ticks" ]] || break
      sleep 0.1
    done
  fi
  daemon_forget "$name" "$run"
}

# Closes every file descriptor above 2 of the current (sub)shell, so a daemon started from it keeps
# nothing of its caller's open: not a test runner's pipe (which would never see end-of-file) and not a
# lock the caller holds (`flock FILE ./ecotrack up` would otherwise stay locked until `down`).
daemon_close_inherited_fds() {
  local fd
  for fd in /proc/$BASHPID/fd/*; do
    fd=${fd##*/}
    if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
}

# The daemon keeps nothing of its caller's: its own session (a terminal's Ctrl-C or the caller's exit
# does not reach it), stdin from /dev/null, output appended to LOG, no inherited file descriptor.
# The recorded pid is the command's own: a wrapper shell writes its $$ and then execs the command.
daemon_start() {
  local name=$1 run=$2 log=$3 cwd=$4; shift 4
  mkdir -p "$run" "$(dirname "$log")"
  daemon_forget "$name" "$run"
  ( cd "$cwd" || exit 1
    daemon_close_inherited_fds
    exec setsid bash -c 'echo $$ >"$0.tmp" && mv -f "$0.tmp" "$0" && exec "$@"' "$run/$name.pid" "$@"
  ) </dev/null >>"$log" 2>&1 &
  local _ pid
  for _ in $(seq 1 50); do
    pid=$(daemon_pid "$name" "$run")
    if [[ -n $pid ]]; then _daemon_record "$name" "$run" "$pid" && return 0; break; fi
    sleep 0.1
  done
  echo "[${DAEMON_TAG:-daemon}] $name: did not start (log: $log)" >&2
  tail -n 20 "$log" >&2 || true
  return 1
}

# daemon_await NAME RUN LOG SECONDS CHECK...: every half second; DAEMON_PROGRESS (a function name, optional)
# is called every 15 s while it waits, to say why it is not ready yet.
daemon_await() {
  local name=$1 run=$2 log=$3 secs=$4; shift 4
  local deadline=$((SECONDS + secs)) told=$SECONDS
  until "$@" >/dev/null 2>&1; do
    if ! daemon_alive "$name" "$run"; then
      echo "[${DAEMON_TAG:-daemon}] $name: exited during start-up (log: $log); last lines:" >&2
      tail -n 30 "$log" >&2 || true
      return 1
    fi
    if ((SECONDS >= deadline)); then
      echo "[${DAEMON_TAG:-daemon}] $name: not ready after ${secs}s (log: $log); last lines:" >&2
      tail -n 30 "$log" >&2 || true
      return 1
    fi
    if [[ -n ${DAEMON_PROGRESS:-} ]] && ((SECONDS - told >= 15)); then "$DAEMON_PROGRESS" "$name"; told=$SECONDS; fi
    sleep 0.5
  done
}

DAEMON_STOPPED=none
daemon_stop() {
  local name=$1 run=$2 grace=$3 pid _
  DAEMON_STOPPED=none
  if daemon_alive "$name" "$run"; then
    pid=$(daemon_pid "$name" "$run")
    kill -TERM "$pid" 2>/dev/null || true
    DAEMON_STOPPED=term
    for _ in $(seq 1 $((grace * 10))); do daemon_alive "$name" "$run" || break; sleep 0.1; done
    if daemon_alive "$name" "$run"; then
      kill -KILL "$pid" 2>/dev/null || true
      DAEMON_STOPPED=kill
      while daemon_alive "$name" "$run"; do sleep 0.1; done
    fi
  fi
  daemon_reap "$name" "$run"
}

daemon_kill() {
  local name=$1 run=$2 pid
  if daemon_alive "$name" "$run"; then
    pid=$(daemon_pid "$name" "$run")
    kill -KILL "$pid" 2>/dev/null || true
    while daemon_alive "$name" "$run"; do sleep 0.1; done
  fi
  daemon_reap "$name" "$run"
}
