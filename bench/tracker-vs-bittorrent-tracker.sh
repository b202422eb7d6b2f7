#!/usr/bin/env bash
# Shoal's tracker against webtorrent's bittorrent-tracker (v11, in memory), measured in the same
# run with the same HTTP load generator (wrk) and the same concurrency.
#
#   bench/tracker-vs-bittorrent-tracker.sh                  # full run, about 3 minutes on 2 cores
#   bench/tracker-vs-bittorrent-tracker.sh --quick          # smoke run: 100 000 holdings, 5 s rows, 2 minutes
#   bench/tracker-vs-bittorrent-tracker.sh --holdings 200000 --duration 20 --note "after the index change"
#
# Options:
#   --duration S      seconds of each wrk row (default 10; --quick 5)
#   --threads N       wrk threads (default 2)
#   --connections N   wrk connections, i.e. requests in flight (default 64)
#   --holdings N      Shoal holdings to seed, a multiple of 1 000: N/100 peers of 100 files, each
#                     file held by 10 peers (default 1 000 000; --quick 100 000)
#   --pause S         seconds between the cold and the warm lookups (default: as long as the
#                     seeding took, between 65 and 180; 65 s is more than autovacuum's 1-minute
#                     naptime, so the warm row runs on analyzed tables)
#   --big-files N     files in the one-peer registration (default 10 000)
#   --big-runs N      how many times that registration is timed (default 3; --quick 1)
#   --warm-up S       seconds of lookups, then as many of transfer creations, on two peers of their
#                     own, which then leave, before Shoal is seeded: the JIT has compiled both paths
#                     before any measured row, so "cold" measures a registry that has just arrived,
#                     not a JVM that has just started (default 5; 0 for none)
#   --note TEXT       a sentence added under the table
#
# Needs java 17, node and npm, curl and wrk (installed with `apt-get install -y wrk` when missing
# and running as root). bittorrent-tracker is installed with `npm install --ignore-scripts` into
# a temporary directory, from whatever registry npm is configured with. Everything binds
# 127.0.0.1. The table is printed and saved under bench/results/ with the raw wrk output and the
# tracker's log; every process started here is stopped on exit, and the temporary directory removed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
here="$root/bench/tracker-vs-bittorrent-tracker"
jar="$root/backend/target/shoal-tracker-fat.jar"
results="$root/bench/results"

quick=false
duration=""
threads=2
connections=64
holdings=""
pause=""
big_files=10000
big_runs=""
warm_up=5
note=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=true ;;
    --duration) duration="${2:?--duration needs seconds}"; shift ;;
    --threads) threads="${2:?}"; shift ;;
    --connections) connections="${2:?}"; shift ;;
    --holdings) holdings="${2:?}"; shift ;;
    --pause) pause="${2:?}"; shift ;;
    --big-files) big_files="${2:?}"; shift ;;
    --big-runs) big_runs="${2:?}"; shift ;;
    --warm-up) warm_up="${2:?}"; shift ;;
    --note) note="${2:?}"; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [[ "$quick" == true ]]; then
  : "${duration:=5}" "${holdings:=100000}" "${big_runs:=1}"
else
  : "${duration:=10}" "${holdings:=1000000}" "${big_runs:=3}"
fi
duration="${duration%s}"
pause="${pause%s}"
warm_up="${warm_up%s}"
for n in "$duration" "$threads" "$connections" "$holdings" "$big_files" "$big_runs" "$warm_up" ${pause:+"$pause"}; do
  [[ "$n" =~ ^[0-9]+$ ]] || { echo "bench: not a whole number: $n" >&2; exit 2; }
done
if (( holdings < 1000 || holdings % 1000 != 0 )); then
  echo "bench: --holdings must be a positive multiple of 1000 (100 files a peer, 10 holders a file)" >&2
  exit 2
fi
files_per_peer=100
holders=10
shoal_peers=$(( holdings / files_per_peer ))
shoal_files=$(( holdings / holders ))
lookup_files=10000
downloaders=64
bt_peers=1000
bt_torrents=100

log() { echo "bench: $*" >&2; }

# --- tools -------------------------------------------------------------------------------------
for tool in java node npm curl; do
  command -v "$tool" >/dev/null || { log "$tool is needed"; exit 1; }
done
if ! command -v wrk >/dev/null; then
  if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null; then
    log "installing wrk (apt-get install -y wrk)..."
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y wrk >/dev/null; }
  fi
  command -v wrk >/dev/null || { log "wrk is needed: apt-get install -y wrk"; exit 1; }
fi

# --- the tracker jar, rebuilt when older than its sources --------------------------------------
if [[ ! -f "$jar" ]] || [[ -n "$(find backend/src/main backend/pom.xml db common/src/main common/pom.xml webui/src pom.xml \
      -newer "$jar" -type f 2>/dev/null | head -n 1)" ]]; then
  log "building the tracker..."
  mvn -B -o -q -DskipTests package -pl common,webui,backend,peer-node >&2 \
    || mvn -B -q -DskipTests package -pl common,webui,backend,peer-node >&2
fi

mkdir -p "$results"
stamp="$(date -u +%Y%m%d-%H%M%S)"
out="$results/tracker-vs-bittorrent-tracker-$stamp.md"
raw="$results/tracker-vs-bittorrent-tracker-$stamp.log"
work="$(mktemp -d "${TMPDIR:-/tmp}/shoal-vs-bt.XXXXXX")"
tracker_pid=""
bt_pid=""
started_at=$SECONDS

stop_pid() { # pid, seconds to wait before SIGKILL
  local pid="$1" wait="$2"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 $(( wait * 2 ))); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "process $pid did not stop in $wait s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  stop_pid "$bt_pid" 10
  bt_pid=""
  stop_pid "$tracker_pid" 30
  tracker_pid=""
  # An embedded PostgreSQL left behind by a killed tracker: stop that one postmaster by its pid file.
  if [[ -f "$work/pg/postmaster.pid" ]]; then
    local pg
    pg="$(head -n 1 "$work/pg/postmaster.pid" 2>/dev/null || true)"
    if [[ "$pg" =~ ^[0-9]+$ ]] && kill -0 "$pg" 2>/dev/null; then
      kill -INT "$pg" 2>/dev/null || true
      for _ in $(seq 1 20); do kill -0 "$pg" 2>/dev/null || break; sleep 0.5; done
    fi
  fi
  [[ -f "$work/tracker.log" ]] && cp "$work/tracker.log" "$results/tracker-vs-bittorrent-tracker-$stamp.tracker.log" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_listening() { # file, pid, seconds -> prints the URL
  local file="$1" pid="$2" limit="$3" line
  for _ in $(seq 1 $(( limit * 2 ))); do
    if line="$(grep -m 1 '^listening on http://' "$file" 2>/dev/null)"; then
      echo "${line#listening on }"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.5
  done
  return 1
}

# --- start Shoal's tracker now: its embedded PostgreSQL starts while npm installs ---------------
cp "$jar" "$work/shoal-tracker-fat.jar"
tracker_cmd=(--host 127.0.0.1 --port 0 --heartbeat 30m --peer-ttl 2h --registration-limit 0 --transfer-limit 0)
# The JVM flag ./shoal starts the tracker with (the launcher says why).
tracker_jvm=(-XX:MaxTenuringThreshold=1)
log "starting Shoal's tracker (embedded PostgreSQL in $work/pg)..."
java "${tracker_jvm[@]}" -jar "$work/shoal-tracker-fat.jar" "${tracker_cmd[@]}" --data-dir "$work" >"$work/tracker.out" 2>"$work/tracker.log" &
tracker_pid=$!

# --- bittorrent-tracker --------------------------------------------------------------------------
mkdir -p "$work/bt"
echo '{"name":"shoal-bench-bt","private":true}' >"$work/bt/package.json"
log "installing bittorrent-tracker@11 with npm into $work/bt..."
(cd "$work/bt" && timeout 300 npm install --ignore-scripts --no-audit --no-fund --loglevel=error bittorrent-tracker@11 >&2)
bt_version="$(node -p "require('$work/bt/node_modules/bittorrent-tracker/package.json').version")"
cp "$here/bt-server.mjs" "$here/bt-seed.mjs" "$work/bt/"
node "$work/bt/bt-server.mjs" >"$work/bt.out" 2>"$work/bt.err" &
bt_pid=$!
bt_url="$(wait_listening "$work/bt.out" "$bt_pid" 30)" || { log "bittorrent-tracker did not start:"; cat "$work/bt.err" >&2; exit 1; }
log "bittorrent-tracker $bt_version at $bt_url (pid $bt_pid)"

shoal_url="$(wait_listening "$work/tracker.out" "$tracker_pid" 180)" || {
  log "Shoal's tracker did not start; its log:"; tail -n 40 "$work/tracker.log" >&2; exit 1; }
pg_port="$(sed -n 4p "$work/pg/postmaster.pid" 2>/dev/null || true)"
log "Shoal's tracker at $shoal_url (pid $tracker_pid, PostgreSQL on port ${pg_port:-?})"

# Result rows: name|requests|errors|rate|p50 ms|p99 ms
declare -A row
run_wrk() { # key, url, request file
  local key="$1" url="$2" file="$3" line
  log "wrk -t$threads -c$connections -d${duration}s: $key..."
  {
    echo "### $key ($(date -u +%H:%M:%S) UTC)"
  } >>"$raw"
  line="$(BENCH_REQUESTS="$file" BENCH_THREADS="$threads" timeout $(( duration + 60 )) \
    wrk -t"$threads" -c"$connections" -d"${duration}s" --timeout 10s -s "$here/cycle.lua" "$url" | tee -a "$raw" | grep '^BENCH ')" \
    || { log "wrk failed for $key"; exit 1; }
  local requests duration_us errors=0 p50 p99 kv
  for kv in ${line#BENCH }; do
    case "$kv" in
      requests=*) requests="${kv#*=}" ;;
      duration_us=*) duration_us="${kv#*=}" ;;
      errors_*) errors=$(( errors + ${kv#*=} )) ;;
      p50_us=*) p50="${kv#*=}" ;;
      p99_us=*) p99="${kv#*=}" ;;
    esac
  done
  row[$key]="$requests|$errors|$(awk -v n="$requests" -v d="$duration_us" 'BEGIN { printf "%.1f", n / (d / 1e6) }')|$(awk -v v="$p50" 'BEGIN { printf "%.2f", v / 1000 }')|$(awk -v v="$p99" 'BEGIN { printf "%.2f", v / 1000 }')"
  log "  ${row[$key]//|/ }"
}

seed_row() { # key, SEED line -> row, and its seconds in seed_seconds_out
  local key="$1" line="$2" requests errors seconds p50 p99 kv
  for kv in ${line#SEED }; do
    case "$kv" in
      requests=*) requests="${kv#*=}" ;;
      errors=*) errors="${kv#*=}" ;;
      seconds=*) seconds="${kv#*=}" ;;
      p50_ms=*) p50="${kv#*=}" ;;
      p99_ms=*) p99="${kv#*=}" ;;
    esac
  done
  row[$key]="$requests|$errors|$(awk -v n="$requests" -v s="$seconds" 'BEGIN { printf "%.1f", n / s }')|$p50|$p99"
  seed_seconds_out="$seconds"
}

pg_stats() { # label: the planner statistics of the big tables, into the raw log and the notes
  local label="$1"
  command -v psql >/dev/null && [[ -n "$pg_port" ]] || return 0
  {
    echo "### PostgreSQL statistics, $label ($(date -u +%H:%M:%S) UTC)"
    PGCONNECT_TIMEOUT=5 timeout 20 psql -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -X -q -c \
      "SELECT relname, n_live_tup, n_mod_since_analyze, last_autoanalyze, last_autovacuum
         FROM pg_stat_user_tables WHERE relname IN ('holdings', 'files', 'peers', 'transfers') ORDER BY relname" 2>&1 || true
  } >>"$raw"
  PGCONNECT_TIMEOUT=5 timeout 20 psql -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -X -At -c \
    "SELECT string_agg(relname || ' ' || CASE WHEN last_autoanalyze IS NULL THEN 'never analyzed'
              ELSE 'analyzed ' || to_char(last_autoanalyze AT TIME ZONE 'UTC', 'HH24:MI:SS') END
              || ', ' || n_mod_since_analyze || ' rows changed since', '; ' ORDER BY relname)
       FROM pg_stat_user_tables WHERE relname IN ('holdings', 'files')" 2>/dev/null || true
}

{
  echo "# tracker-vs-bittorrent-tracker, $stamp UTC"
  echo "wrk -t$threads -c$connections -d${duration}s; Shoal: $holdings holdings ($shoal_peers peers x $files_per_peer files, $holders holders a file)"
} >"$raw"

# --- bittorrent-tracker: seed, then announce -----------------------------------------------------
log "seeding bittorrent-tracker: $bt_peers peers over $bt_torrents torrents..."
bt_seed_line="$(timeout 120 node "$work/bt/bt-seed.mjs" "$bt_url" "$bt_peers" "$bt_torrents" 16 "$work/announce.txt" | tee -a "$raw" | grep '^SEED ')"
seed_row bt_seed "$bt_seed_line"
bt_seed_seconds="$seed_seconds_out"
run_wrk announce "$bt_url" "$work/announce.txt"
stop_pid "$bt_pid" 10
bt_pid=""

# --- Shoal: a warm-up that leaves nothing behind, the seeding, then each row ---------------------
if (( warm_up > 0 )); then
  log "warming up Shoal: ${warm_up} s of lookups and ${warm_up} s of creations on two peers of their own, which then leave..."
  timeout 120 java "$here/ShoalSeed.java" warm "$shoal_url" "$work/warm-up" || { log "the warm-up failed"; exit 1; }
  for requests in lookup transfers; do
    echo "### warm-up: $requests ($(date -u +%H:%M:%S) UTC), not measured" >>"$raw"
    BENCH_REQUESTS="$work/warm-up/$requests.txt" BENCH_THREADS="$threads" timeout $(( warm_up + 60 )) \
      wrk -t"$threads" -c"$connections" -d"${warm_up}s" --timeout 10s -s "$here/cycle.lua" "$shoal_url" >>"$raw" \
      || { log "wrk failed for the warm-up"; exit 1; }
  done
  timeout 60 java "$here/ShoalSeed.java" unwarm "$shoal_url" "$work/warm-up" || { log "the warm-up peers could not leave"; exit 1; }
fi
log "seeding Shoal: $shoal_peers peers x $files_per_peer files ($holdings holdings of $shoal_files files)..."
seed_line="$(timeout 900 java -Xmx1g "$here/ShoalSeed.java" seed "$shoal_url" "$work/shoal" "$shoal_peers" "$files_per_peer" \
  "$holders" 32 "$downloaders" "$lookup_files" | tee -a "$raw" | grep '^SEED ')" || { log "seeding Shoal failed"; exit 1; }
seed_row seed "$seed_line"
seed_seconds="$seed_seconds_out"
log "  seeded in $seed_seconds s: ${row[seed]//|/ }"

stats_cold="$(pg_stats "before the cold lookups")"
run_wrk cold "$shoal_url" "$work/shoal/lookup.txt"
if [[ -z "$pause" ]]; then
  pause="$(awk -v s="$seed_seconds" 'BEGIN { p = int(s + 0.5); if (p < 65) p = 65; if (p > 180) p = 180; print p }')"
fi
log "pausing $pause s..."
sleep "$pause"
stats_warm="$(pg_stats "before the warm lookups")"
run_wrk warm "$shoal_url" "$work/shoal/lookup.txt"
run_wrk create "$shoal_url" "$work/shoal/transfers.txt"
run_wrk search "$shoal_url" "$work/shoal/search.txt"
run_wrk health "$shoal_url" "$work/shoal/health.txt"

log "registering one peer with $big_files files, $big_runs time(s)..."
big_line="$(timeout 600 java "$here/ShoalSeed.java" big "$shoal_url" "$big_files" "$big_runs" | tee -a "$raw" | grep '^BIG ')" \
  || { log "the $big_files-file registration failed"; exit 1; }
big_p50="$(sed -n 's/.* p50_ms=\([0-9.]*\).*/\1/p' <<<"$big_line")"
big_max="$(sed -n 's/.* max_ms=\([0-9.]*\).*/\1/p' <<<"$big_line")"
row[big]="$big_runs|0|$(awk -v ms="$big_p50" 'BEGIN { printf "%.2f", 1000 / ms }')|$big_p50|$big_max"

# --- the table -----------------------------------------------------------------------------------
announce_rate="$(cut -d'|' -f3 <<<"${row[announce]}")"
ratio() { awk -v a="$(cut -d'|' -f3 <<<"${row[$1]}")" -v b="$announce_rate" 'BEGIN { printf (a / b >= 0.1 ? "%.2f" : "%.4f"), a / b }'; }
thousands() { sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta' <<<"$1"; }
fmt_row() { # system, operation, key, ratio
  local requests errors rate p50 p99 shown_rate
  IFS='|' read -r requests errors rate p50 p99 <<<"${row[$3]}"
  if awk -v r="$rate" 'BEGIN { exit !(r >= 100) }'; then
    shown_rate="$(thousands "$(awk -v r="$rate" 'BEGIN { printf "%.0f", r }')")"
  else
    shown_rate="$(awk -v r="$rate" 'BEGIN { printf "%.2f", r }')"
  fi
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$(thousands "$requests")" "$errors" "$shown_rate" "$p50" "$p99" "${4:-}"
}
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- backend/src/main db 2>/dev/null || echo ' with local changes')"
{
  echo "Run of $(date -u '+%Y-%m-%d %H:%M') UTC, commit $commit, bittorrent-tracker $bt_version, $(nproc) cores;"
  echo "\`wrk -t$threads -c$connections -d${duration}s\` for every measured row."
  echo
  echo "| tracker | operation | requests | errors | req/s | p50 ms | p99 ms | req/s ÷ announce |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|"
  fmt_row bittorrent-tracker "seeding: $(thousands $bt_peers) announces \`event=started\` over $bt_torrents torrents (node client, 16 in flight)" bt_seed
  fmt_row bittorrent-tracker "\`GET /announce?info_hash&peer_id&port&left=0&numwant=50&compact=1\`, $(thousands $bt_peers) peers cycled" announce 1
  fmt_row Shoal "seeding: \`POST /api/v1/peers\` with $files_per_peer files ($(thousands $shoal_peers) peers, $(thousands $holdings) holdings; JDK client, 32 in flight)" seed "$(ratio seed)"
  fmt_row Shoal "\`GET /api/v1/files/{sha256}\` cold: straight after seeding, $(thousands $(( lookup_files < shoal_files ? lookup_files : shoal_files ))) files cycled" cold "**$(ratio cold)**"
  fmt_row Shoal "\`GET /api/v1/files/{sha256}\` warm: the same after a $pause s pause" warm "**$(ratio warm)**"
  fmt_row Shoal "\`POST /api/v1/transfers\` (create; $downloaders downloaders in turn, random files)" create "**$(ratio create)**"
  fmt_row Shoal "\`GET /api/v1/files?q=track-NNNN\` (search, 100 files match)" search "$(ratio search)"
  fmt_row Shoal "\`GET /health\`" health "$(ratio health)"
  fmt_row Shoal "\`POST /api/v1/peers\` with $(thousands $big_files) new files, one peer alone ($big_runs run(s): p50 the median, p99 the slowest)" big ""
  echo
  echo "Shoal ÷ bittorrent-tracker in req/s: lookups $(ratio cold) cold and $(ratio warm) warm, transfer creations $(ratio create) (against announces)."
  echo "Seeding took ${bt_seed_seconds} s for bittorrent-tracker and ${seed_seconds} s for Shoal."
  if [[ -n "$stats_cold" ]]; then
    echo "PostgreSQL statistics before the cold lookups: $stats_cold. Before the warm ones: $stats_warm."
  fi
  echo "Tracker: \`java ${tracker_jvm[*]} -jar shoal-tracker-fat.jar ${tracker_cmd[*]}\` on a fresh embedded PostgreSQL."
  if (( warm_up > 0 )); then
    echo "Before seeding, ${warm_up} s of lookups and ${warm_up} s of transfer creations on two peers of their own, which then left (not measured): the JIT had compiled both paths."
  fi
  [[ -n "$note" ]] && echo "$note"
  echo "The whole run took $(( SECONDS - started_at )) s."
} >"$out"
echo >&2
cat "$out"
log "saved $out (raw wrk output in $raw)"
