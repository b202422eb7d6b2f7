#!/usr/bin/env bash
# Fault run: six peer nodes, a tracker and its PostgreSQL, each a process of its own on 127.0.0.1,
# make forty downloads between them while faults are injected: kill -9 and SIGSTOP of random
# peers, a holder serving wrong bytes, kill -9 of the tracker and a restart, PostgreSQL stopped
# and started. Then it checks that every shared file is a complete verified copy, that the
# registry matches what the live peers hold, that every download finished identical or failed
# with a sentence, and that no 5xx was answered but 503 while the database was down.
#
#   bench/chaos.sh [--seed N]      # about 3 minutes on 2 cores; exit 0 when every check held
#
# It builds the jars when they are missing or older than the sources, runs the orchestrator
# (shoal.peer.bench.ChaosRun, compiled here from peer-node/src/test/java/shoal/peer/bench) in a
# temporary folder that it removes afterwards, prints a Markdown table and saves it, with every
# process's log, under bench/results/.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
tracker_jar="$root/backend/target/shoal-tracker-fat.jar"
peer_jar="$root/peer-node/target/shoal-peer-fat.jar"
results="$root/bench/results"
mkdir -p "$results"

seed=7
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seed) seed="$2"; shift 2 ;;
    *) echo "chaos: unknown option '$1'; the only option is --seed N" >&2; exit 2 ;;
  esac
done

stale() {
  [[ ! -f "$tracker_jar" || ! -f "$peer_jar" ]] || [[ -n "$(find backend/src/main peer-node/src/main common/src/main db webui/src \
      -newer "$peer_jar" -type f 2>/dev/null | head -n 1)" ]]
}
if stale; then
  echo "chaos: building the jars..." >&2
  mvn -B -q -o -DskipTests package >&2 || mvn -B -q -DskipTests package >&2
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/shoal-chaos.XXXXXX")"
stamp="$(date -u +%Y%m%d-%H%M%S)"
cleanup() {
  # Nothing the run started may outlive it, whatever stopped it.
  pkill -KILL -f "$work/" 2>/dev/null || true
  if [[ -f "$work/pg/postmaster.pid" ]]; then
    kill -INT "$(head -n 1 "$work/pg/postmaster.pid")" 2>/dev/null || true
  fi
  mkdir -p "$results/chaos-$stamp-logs"
  cp "$work"/*.log "$results/chaos-$stamp-logs/" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Private copies of the jars, so that a rebuild while this runs changes nothing under it.
cp "$tracker_jar" "$work/shoal-tracker-fat.jar"
cp "$peer_jar" "$work/shoal-peer-fat.jar"
jars="$work/shoal-peer-fat.jar:$work/shoal-tracker-fat.jar"
# The test client the fake holder registers through checks answers against the OpenAPI document
# with Vert.x's OpenAPI module, a test dependency that the jars leave out: take it from the local
# Maven repository (the build above put it there), fetching it if it is missing.
vertx_version="$(sed -n 's:.*<vertx.version>\(.*\)</vertx.version>.*:\1:p' pom.xml)"
m2="$HOME/.m2/repository/io/vertx"
openapi_jars="$m2/vertx-openapi/$vertx_version/vertx-openapi-$vertx_version.jar:$m2/vertx-json-schema/$vertx_version/vertx-json-schema-$vertx_version.jar"
if [[ ! -f "${openapi_jars%%:*}" || ! -f "${openapi_jars##*:}" ]]; then
  mvn -B -q dependency:get -Dartifact="io.vertx:vertx-openapi:$vertx_version" >&2
fi
jars="$jars:$openapi_jars"
mkdir -p "$work/classes"
javac --release 17 -nowarn -d "$work/classes" -cp "$jars" -sourcepath backend/src/test/java \
  peer-node/src/test/java/shoal/peer/bench/*.java \
  peer-node/src/test/java/shoal/peer/testing/FakeHolder.java \
  peer-node/src/test/java/shoal/peer/testing/ChildJvm.java \
  peer-node/src/test/java/shoal/peer/testing/ProcessLines.java \
  backend/src/test/java/shoal/tracker/testing/TrackerApi.java

out="$results/chaos-$stamp.md"
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
timeout --signal=TERM --kill-after=30 900 \
  java -Xmx1g -Dlogback.configurationFile="$root/bench/logback-bench.xml" -cp "$work/classes:$jars" \
    shoal.peer.bench.ChaosRun --tracker-jar "$work/shoal-tracker-fat.jar" --peer-jar "$work/shoal-peer-fat.jar" \
    --work "$work" --out "$out" --seed "$seed" \
    --note "Commit $commit$(git diff --quiet HEAD -- backend/src/main peer-node/src/main common/src/main db 2>/dev/null || echo ' with local changes'), $(date -u +%Y-%m-%d), $(nproc) cores."
echo "chaos: saved $out" >&2
