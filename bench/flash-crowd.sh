#!/usr/bin/env bash
# Flash-crowd benchmark: one seed, N downloaders starting the same file at the same moment.
#
#   bench/flash-crowd.sh                      # N = 1, 4 and 8, a 256 MiB file, seed --upload-limit 20M
#   bench/flash-crowd.sh 1 4                  # only the crowd sizes given
#   SHOAL_BENCH_CROWD_SIZE=64M bench/flash-crowd.sh
#   SHOAL_BENCH_CROWD_LIMIT=10M bench/flash-crowd.sh
#
# A tracker and one seed start; the seed shares one random file with --upload-limit
# SHOAL_BENCH_CROWD_LIMIT (default 20M). For each crowd size N, N fresh peers start (each with a
# share folder of its own and the default --sources 4), and once all have registered their
# downloads are started together through their control APIs. The time runs from those starts until
# the last one reports `done`. Every copy is compared with the seed's byte for byte, and the
# tracker's servedTotal of the seed tells how much of the file the seed itself uploaded; the
# downloaders' final statuses tell how many pieces came from other downloaders. Then the N peers
# leave and the next crowd starts from nothing.
#
# Target: N = 8 finishes in at most 2x the time N = 1 takes, with the seed uploading less than
# 3x the file's size. The table prints each N's time, its ratio to N = 1, the seed's upload (MiB and
# in file sizes) and the pieces passed between downloaders.
#
# Needs python3. Binds 127.0.0.1 only. Results: a Markdown table on stdout and in
# bench/results/flash-crowd-<time>.md.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
results="$root/bench/results"
java_opts="${SHOAL_BENCH_JAVA_OPTS:--Xmx256m}"
crowds=("$@")
[[ ${#crowds[@]} -eq 0 ]] && crowds=(1 4 8)
size="${SHOAL_BENCH_CROWD_SIZE:-256M}"
limit="${SHOAL_BENCH_CROWD_LIMIT:-20M}"

command -v python3 >/dev/null || { echo "bench: 'python3' is missing" >&2; exit 1; }
work="$(mktemp -d "${TMPDIR:-/tmp}/shoal-crowd-bench.XXXXXX")"
pids=()
source "$root/bench/peer-processes.sh"
cleanup() {
  stop_all
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
build_jars_if_stale
mkdir -p "$results"

n="$(bytes_of "$size")"
mkdir -p "$work/seed"
echo "bench: writing $size of random bytes..." >&2
head -c "$n" /dev/urandom >"$work/seed/artefact.bin"
sha="$(sha256sum "$work/seed/artefact.bin" | cut -d' ' -f1)"

echo "bench: starting the tracker and the seed (--upload-limit $limit)..." >&2
start_server "$work/tracker.out" java -XX:MaxTenuringThreshold=1 -jar "$tracker_jar" --host 127.0.0.1 --port 0 \
  --data-dir "$work/tracker"
tracker_url="$server_url"
start_server "$work/seed.out" java $java_opts -jar "$peer_jar" peer --tracker "$tracker_url" --share "$work/seed" \
  --name seed --port 0 --control-port 0 --upload-limit "$limit"
seed_url="$server_url"

rows=()
for crowd in "${crowds[@]}"; do
  echo "bench: a crowd of $crowd..." >&2
  controls=()
  crowd_pids=()
  for k in $(seq 1 "$crowd"); do
    rm -rf "$work/machine-$k" && mkdir -p "$work/machine-$k"
    start_server "$work/machine-$k.out" java $java_opts -jar "$peer_jar" peer --tracker "$tracker_url" \
      --share "$work/machine-$k" --name "machine-$k" --port 0 --control-port 0
    crowd_pids+=("${pids[-1]}")
    for _ in $(seq 1 240); do grep -q '^control ' "$work/machine-$k.out" && break; sleep 0.5; done
    controls+=("$(grep -m1 '^control ' "$work/machine-$k.out" | cut -d' ' -f2)")
  done
  python3 - "$tracker_url" "$seed_url" "$sha" "$n" "${controls[@]}" >"$work/crowd-$crowd.json" <<'PY'
import json, sys, threading, time, urllib.error, urllib.request
tracker, seed, sha, size, *controls = sys.argv[1:]
size = int(size)

def get(url, headers=None):
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=30) as response:
        return json.load(response)

def call(control, method, path, body=None):
    base, token = control.split("/?token=")
    request = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)

# The seed has hashed its pieces, and the tracker lists the seed as the only holder and every
# machine of the crowd as registered.
deadline = time.monotonic() + 120
while True:
    try:
        get(f"{seed}/files/{sha}/pieces")
        holders = get(f"{tracker}/api/v1/files/{sha}")["holders"]
        if [h["name"] for h in holders] == ["seed"]:
            break
    except urllib.error.HTTPError:
        pass
    if time.monotonic() > deadline:
        sys.exit("the seed is not ready after 120 s")
    time.sleep(0.5)
names = {call(c, "GET", "/api/v1/status")["peerId"]: f"machine-{k + 1}" for k, c in enumerate(controls)}
seed_id = holders[0]["peerId"]
served_before = get(f"{tracker}/api/v1/peers/{seed_id}")["servedTotal"]

ids = [None] * len(controls)
barrier = threading.Barrier(len(controls))
def start(k):
    barrier.wait()
    ids[k] = call(controls[k], "POST", "/api/v1/downloads", {"sha256": sha})["downloadId"]
started = time.monotonic()
threads = [threading.Thread(target=start, args=(k,)) for k in range(len(controls))]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
ends = [None] * len(controls)
while any(end is None for end in ends):
    for k, control in enumerate(controls):
        if ends[k] is None:
            state = call(control, "GET", "/api/v1/downloads/" + ids[k])
            if state["state"] in ("done", "failed", "cancelled"):
                ends[k] = dict(state, finishedAfter=time.monotonic() - started)
    if time.monotonic() - started > 900:
        sys.exit("the crowd did not finish in 15 minutes")
    time.sleep(0.05)
failed = [e for e in ends if e["state"] != "done"]
if failed:
    sys.exit("a download " + failed[0]["state"] + ": " + str(failed[0].get("error")))
# The last completions reach the tracker just after `done`.
time.sleep(1)
served = get(f"{tracker}/api/v1/peers/{seed_id}")["servedTotal"] - served_before
from_crowd = sum(s.get("pieces", 0) for e in ends for s in e["sources"] if s["peerId"] in names)
pieces = sum(s.get("pieces", 0) for e in ends for s in e["sources"])
for e in ends:
    print(f"bench:   done after {e['finishedAfter']:.1f} s: " + ", ".join(
        f"{names.get(s['peerId'], 'seed')} {s.get('pieces')}" for s in e["sources"]), file=sys.stderr)
json.dump({"last": max(e["finishedAfter"] for e in ends), "first": min(e["finishedAfter"] for e in ends),
           "seedServed": served, "fromCrowd": from_crowd, "pieces": pieces}, sys.stdout)
PY
  for k in $(seq 1 "$crowd"); do
    cmp -s "$work/seed/artefact.bin" "$work/machine-$k/artefact.bin" \
      || { echo "bench: machine-$k's copy differs from the seed's" >&2; exit 1; }
  done
  for ((i = ${#crowd_pids[@]} - 1; i >= 0; i--)); do stop_pid "${crowd_pids[i]}"; done
  pids=("${pids[@]:0:2}")   # the tracker and the seed stay
  rows+=("$crowd")
done

stamp="$(date -u +%Y%m%d-%H%M%S)"
report="$results/flash-crowd-$stamp.md"
python3 - "$work" "$size" "$limit" "$n" "${rows[@]}" <<'PY' | tee "$report"
import json, sys, datetime, os
work, label, limit, size, *crowds = sys.argv[1:]
size = int(size)
runs = {int(c): json.load(open(f"{work}/crowd-{c}.json")) for c in crowds}
base = runs.get(1)
print(f"## Flash crowd: one seed, N downloaders at once ({datetime.datetime.utcnow():%Y-%m-%dT%H:%MZ}, {os.cpu_count()} cores)")
print()
print(f"A {label} random file, seeded by one peer with `--upload-limit {limit}`; N fresh peers start downloading it")
print("together (default `--sources 4`). Time: from the starts until the last reports `done`. Ratio: that time over")
print("N = 1's (target for N = 8: at most 2). Seed upload: the tracker's servedTotal of the seed for the run (target: under")
print("3 file sizes). Pieces from the crowd: pieces the downloaders got from each other, of all they fetched.")
print()
print("| N | first done s | last done s | ratio to N = 1 | seed upload MiB | seed upload / file | pieces from the crowd |")
print("|---|---|---|---|---|---|---|")
for n, run in sorted(runs.items()):
    ratio = f"{run['last'] / base['last']:.2f}" if base else "–"
    print(f"| {n} | {run['first']:.1f} | {run['last']:.1f} | {ratio} | {run['seedServed'] / 2**20:.0f} | "
          f"{run['seedServed'] / size:.2f} | {run['fromCrowd']} of {run['pieces']} |")
PY
echo >&2
echo "bench: saved $report" >&2
