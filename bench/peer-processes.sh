# Sourced by the benchmarks that run a tracker and peer nodes as processes of their own
# (peer-throughput.sh, flash-crowd.sh): building the jars, starting and stopping the processes.
# Expects root (the repository), work (the run's temporary folder) and pids (an array) to be set.

tracker_jar="$root/backend/target/shoal-tracker-fat.jar"
peer_jar="$root/peer-node/target/shoal-peer-fat.jar"

# Builds the jars when one is missing or older than the sources (compared with the older of the two,
# as ./shoal does), so the run measures the code as it is.
build_jars_if_stale() {
  local oldest="$tracker_jar"
  [[ -f "$peer_jar" && "$peer_jar" -ot "$tracker_jar" ]] && oldest="$peer_jar"
  if [[ ! -f "$tracker_jar" || ! -f "$peer_jar" ]] || [[ -n "$(cd "$root" && find common/src/main backend/src/main \
        peer-node/src/main db webui/src webui/package.json webui/package-lock.json pom.xml common/pom.xml \
        backend/pom.xml peer-node/pom.xml webui/pom.xml -newer "$oldest" -type f -print -quit 2>/dev/null)" ]]; then
    echo "bench: building the jars..." >&2
    (cd "$root" && { mvn -B -q -o -DskipTests package -pl common,webui,backend,peer-node >&2 \
      || mvn -B -q -DskipTests package -pl common,webui,backend,peer-node >&2; })
  fi
}

# Stops one process by its pid: SIGTERM (peers leave, the tracker stops its PostgreSQL), SIGKILL after 60 s.
stop_pid() {
  local pid="$1"
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Stops every process started, newest first, and an embedded PostgreSQL a killed tracker left
# behind in "$work/tracker" (that one postmaster, by its pid file).
stop_all() {
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop_pid "${pids[i]}"; done
  if [[ -f "$work/tracker/pg/postmaster.pid" ]]; then
    local pg_pid
    pg_pid="$(head -n 1 "$work/tracker/pg/postmaster.pid" 2>/dev/null || true)"
    [[ "$pg_pid" =~ ^[0-9]+$ ]] && kill -INT "$pg_pid" 2>/dev/null || true
  fi
}

bytes_of() {  # 256M -> 268435456
  python3 -c "import sys; s=sys.argv[1].upper(); m={'K':1<<10,'M':1<<20,'G':1<<30}; print(int(s[:-1])*m[s[-1]] if s[-1] in m else int(s))" "$1"
}

# Starts a process whose stdout is a log file and waits for its "listening on http://H:P" line;
# sets server_url to that URL and adds the process to pids (no subshell, so that both stick).
start_server() {
  local log="$1"; shift
  "$@" >"$log" 2>"$log.err" &
  pids+=("$!")
  for _ in $(seq 1 240); do
    if grep -q 'listening on http://' "$log" 2>/dev/null; then
      server_url="$(grep -m1 -o 'listening on http://[^ ]*' "$log" | sed 's/listening on //')"
      return 0
    fi
    kill -0 "${pids[-1]}" 2>/dev/null || { echo "bench: $* exited:" >&2; cat "$log.err" >&2; exit 1; }
    sleep 0.5
  done
  echo "bench: $* did not start in 120 s" >&2
  exit 1
}
