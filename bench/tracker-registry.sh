#!/usr/bin/env bash
# Tracker registry benchmark: lookups, transfer creations, searches and a 10 000-file
# registration against a tracker holding 10 000 peers x 100 files (1 000 000 holdings).
#
#   bench/tracker-registry.sh            # the full run, about 5 minutes on 2 cores
#   bench/tracker-registry.sh --quick    # 1 000 peers, 6 s rows: a smoke run of about 2 minutes
#
# Extra options go to the load generator (shoal.tracker.bench.RegistryBenchmark), e.g.
# --concurrency 16, --seconds 30, --note "after the index change".
#
# It builds the tracker if its jar is missing or older than its sources, starts the tracker jar
# on a fresh temporary data dir (embedded PostgreSQL) bound to 127.0.0.1, runs the generator
# against it, prints a Markdown table and saves it (with a JSON twin and the tracker's log) under bench/results/, then stops
# the tracker and removes the data dir. Every rate is also given as a ratio to GET /health
# measured in the same run with the same client and concurrency.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
jar="$root/backend/target/shoal-tracker-fat.jar"
bench_source="$root/backend/src/test/java/shoal/tracker/bench/RegistryBenchmark.java"
results="$root/bench/results"
mkdir -p "$results"

quick=false
for arg in "$@"; do
  [[ "$arg" == "--quick" ]] && quick=true
done
if [[ "$quick" == true ]]; then limit=300; else limit=900; fi   # seconds, the generator's hard stop

mvn_offline_first() {
  mvn -B -q -o "$@" || mvn -B -q "$@"
}

# Build when the jar is missing or older than the tracker's sources.
if [[ ! -f "$jar" ]] || [[ -n "$(find backend/src/main backend/pom.xml db common/src/main common/pom.xml pom.xml \
      -newer "$jar" -type f 2>/dev/null | head -n 1)" ]]; then
  echo "bench: building the tracker..." >&2
  mvn_offline_first -DskipTests -pl backend -am install >&2
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/shoal-bench.XXXXXX")"
tracker_pid=""

stop_tracker() {
  if [[ -n "$tracker_pid" ]] && kill -0 "$tracker_pid" 2>/dev/null; then
    kill -TERM "$tracker_pid" 2>/dev/null || true
    for _ in $(seq 1 60); do
      kill -0 "$tracker_pid" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$tracker_pid" 2>/dev/null; then
      echo "bench: the tracker did not stop in 30 s; killing it" >&2
      kill -KILL "$tracker_pid" 2>/dev/null || true
    fi
    wait "$tracker_pid" 2>/dev/null || true
  fi
  tracker_pid=""
  # An embedded PostgreSQL left behind by a killed tracker: stop that one postmaster by its pid file.
  if [[ -f "$work/pg/postmaster.pid" ]]; then
    pg_pid="$(head -n 1 "$work/pg/postmaster.pid" 2>/dev/null || true)"
    if [[ "$pg_pid" =~ ^[0-9]+$ ]] && kill -0 "$pg_pid" 2>/dev/null; then
      kill -INT "$pg_pid" 2>/dev/null || true
      for _ in $(seq 1 20); do
        kill -0 "$pg_pid" 2>/dev/null || break
        sleep 0.5
      done
    fi
  fi
}

cleanup() {
  stop_tracker
  if [[ -f "$work/tracker.log" ]]; then
    cp "$work/tracker.log" "$results/tracker-registry-$stamp.tracker.log" 2>/dev/null || true
  fi
  rm -rf "$work"
}
stamp="$(date -u +%Y%m%d-%H%M%S)"
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "bench: resolving the test classpath..." >&2
resolve_classpath() {
  mvn_offline_first dependency:build-classpath -pl backend -Dmdep.includeScope=test \
    -Dmdep.outputFile="$work/classpath.txt" >/dev/null 2>&1
}
# The tracker's sibling modules come from the local Maven repository: a fresh clone has none there.
if ! resolve_classpath; then
  echo "bench: installing the tracker's modules into the local Maven repository..." >&2
  mvn_offline_first -DskipTests -pl backend -am install >&2
  resolve_classpath || { echo "bench: could not resolve the tracker's test classpath" >&2; exit 1; }
fi
# A private copy of the tracker jar, and the generator compiled on its own from its source, so
# that a rebuild of backend/ while this runs changes nothing under it.
copied=false
for _ in $(seq 1 30); do
  if [[ -f "$jar" ]] && cp "$jar" "$work/shoal-tracker-fat.jar" && jar tf "$work/shoal-tracker-fat.jar" >/dev/null 2>&1; then
    copied=true
    break
  fi
  sleep 2 # the jar is being rebuilt
done
if [[ "$copied" != true ]]; then
  echo "bench: could not take a complete copy of $jar" >&2
  exit 1
fi
mkdir -p "$work/bench-classes"
javac --release 17 -nowarn -d "$work/bench-classes" -cp "$(cat "$work/classpath.txt")" "$bench_source"
classpath="$work/bench-classes:$(cat "$work/classpath.txt")"

# Peers never heartbeat during the run, so the TTL is made longer than the run.
echo "bench: starting the tracker (embedded PostgreSQL in $work/pg)..." >&2
# -XX:MaxTenuringThreshold=1: the JVM flag ./shoal starts the tracker with (the launcher says why).
java -XX:MaxTenuringThreshold=1 -jar "$work/shoal-tracker-fat.jar" --host 127.0.0.1 --port 0 --data-dir "$work" --heartbeat 30m --peer-ttl 2h --registration-limit 0 --transfer-limit 0 \
  >"$work/tracker.out" 2>"$work/tracker.log" &
tracker_pid=$!

url=""
for _ in $(seq 1 240); do
  if line="$(grep -m 1 '^listening on http://' "$work/tracker.out" 2>/dev/null)"; then
    url="${line#listening on }"
    break
  fi
  if ! kill -0 "$tracker_pid" 2>/dev/null; then
    echo "bench: the tracker exited before listening; its log:" >&2
    tail -n 40 "$work/tracker.log" >&2
    exit 1
  fi
  sleep 0.5
done
if [[ -z "$url" ]]; then
  echo "bench: the tracker did not start listening within 120 s" >&2
  exit 1
fi
pg_pid="$(head -n 1 "$work/pg/postmaster.pid" 2>/dev/null || echo 0)"
echo "bench: tracker at $url (pid $tracker_pid, PostgreSQL pid $pg_pid)" >&2

out="$results/tracker-registry-$stamp.md"
status=0
timeout --signal=TERM --kill-after=10 "$limit" \
  java -Xms1g -Xmx2g -Dlogback.configurationFile="$root/bench/logback-bench.xml" \
    -cp "$classpath" shoal.tracker.bench.RegistryBenchmark \
    --url "$url" --tracker-pid "$tracker_pid" --postgres-pid "$pg_pid" --out "$out" --json "$results/tracker-registry-$stamp.json" \
    --note "Tracker: \`java -jar backend/target/shoal-tracker-fat.jar --host 127.0.0.1 --port 0 --heartbeat 30m --peer-ttl 2h --registration-limit 0 --transfer-limit 0\` on a fresh embedded PostgreSQL (defaults otherwise); commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- backend/src/main db 2>/dev/null || echo ' with local changes')." \
    "$@" || status=$?

if [[ "$status" -ne 0 ]]; then
  echo "bench: the load generator failed (exit $status); the tracker's log is saved next to the results" >&2
  exit "$status"
fi
echo >&2
echo "bench: saved $out" >&2
