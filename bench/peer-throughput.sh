#!/usr/bin/env bash
# Peer-to-peer throughput and memory benchmark.
#
#   bench/peer-throughput.sh                 # 256 MiB, 1 GiB and 2 GiB
#   bench/peer-throughput.sh 256M            # only the sizes given (K, M, G suffixes)
#   SHOAL_BENCH_SWARM=0 bench/peer-throughput.sh         # without three holders against one
#   SHOAL_BENCH_SWARM_SIZE=256M bench/peer-throughput.sh # that comparison on 256 MiB (default 128M)
#
# For each size it writes one random file, then, in the same run and from the same page cache:
#   - curl downloads it to disk from nginx (sendfile on), the yardstick;
#   - peer B downloads it from peer A through Shoal (tracker lease, HTTP range-capable GET,
#     SHA-256 verified on the way, renamed into B's share) and the time runs until B reports done.
# Each contender's CPU time (user + system, from /proc and getrusage) is recorded too, and how busy
# the whole machine was: on a shared machine the rates swing with the neighbours' load much more
# than the CPU seconds a transfer costs.
# While each peer download runs it samples both peers' RSS from /proc five times a second, and
# reads their Java heap from the GC log (-Xlog:gc: live heap after each collection), so the table
# shows whether memory stays flat while gigabytes stream through. Sampling with jstat instead
# would start a JVM per sample and steal the CPU being measured. The peers run with -Xmx256m by
# default (SHOAL_BENCH_JAVA_OPTS): a node that held a file in memory could not move 2 GiB at all.
#
# Then, once per run, three rate-limited holders against one: one random file (SHOAL_BENCH_SWARM_SIZE,
# default 128M) is hard-linked into the shares of three holders, each started with --upload-limit
# SHOAL_BENCH_SWARM_LIMIT (default 8M). A fresh peer downloads it while only the first holder runs,
# and leaves; then the other two start and a second fresh peer downloads the same file from all
# three (its default --sources 4). The second table shows both times, their ratio (three / one: 1/3
# would be perfect sharing, the goal is at most 0.4) and the pieces each source delivered, from the
# downloader's final status. SHOAL_BENCH_SWARM=0 skips it.
#
# Needs nginx (apt-get install -y nginx), curl and python3. Binds 127.0.0.1 only.
# Results: Markdown tables on stdout and in bench/results/peer-throughput-<time>.md.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
results="$root/bench/results"
java_opts="${SHOAL_BENCH_JAVA_OPTS:--Xmx256m}"
sizes=("$@")
[[ ${#sizes[@]} -eq 0 ]] && sizes=(256M 1G 2G)
swarm="${SHOAL_BENCH_SWARM:-1}"
swarm_size="${SHOAL_BENCH_SWARM_SIZE:-128M}"
swarm_limit="${SHOAL_BENCH_SWARM_LIMIT:-8M}"

for tool in nginx curl python3; do
  command -v "$tool" >/dev/null || { echo "bench: '$tool' is missing (nginx: apt-get install -y nginx)" >&2; exit 1; }
done
work="$(mktemp -d "${TMPDIR:-/tmp}/shoal-peer-bench.XXXXXX")"
pids=()
source "$root/bench/peer-processes.sh"
cleanup() {
  stop_all
  if [[ -f "$work/nginx/nginx.pid" ]]; then kill -QUIT "$(cat "$work/nginx/nginx.pid")" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
build_jars_if_stale
mkdir -p "$results"

mkdir -p "$work/source" "$work/dest" "$work/curl-out" "$work/nginx/logs" "$work/nginx/tmp"
# Peers are long-running servers: each pair first moves this file once (256 MiB, 64 pieces), so that the JIT has
# compiled the hot path (SHA-256 above all) before the measured transfer, as it would have in use.
head -c $((256 << 20)) /dev/urandom >"$work/source/warm-up.bin"
warm_sha="$(sha256sum "$work/source/warm-up.bin" | cut -d' ' -f1)"
chmod 755 "$work" "$work/source"   # nginx's workers run as an unprivileged user

echo "bench: starting the tracker..." >&2
start_server "$work/tracker.out" java -jar "$tracker_jar" --host 127.0.0.1 --port 0 --data-dir "$work/tracker"
tracker_url="$server_url"

nginx_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log;
events { worker_connections 64; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path $work/nginx/tmp;
  proxy_temp_path $work/nginx/tmp;
  fastcgi_temp_path $work/nginx/tmp;
  uwsgi_temp_path $work/nginx/tmp;
  scgi_temp_path $work/nginx/tmp;
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/source;
  }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf"

rows=()
for size in "${sizes[@]}"; do
  n="$(bytes_of "$size")"
  file="bench-$size.bin"
  echo "bench: writing $size of random bytes..." >&2
  head -c "$n" /dev/urandom >"$work/source/$file"
  sha="$(sha256sum "$work/source/$file" | cut -d' ' -f1)"
  cat "$work/source/$file" >/dev/null   # both contenders read from the page cache
  sync

  # The peers start fresh for each size, so that their memory figures belong to this size alone.
  rm -rf "$work/dest" && mkdir -p "$work/dest"
  echo "bench: starting peer A (hashes $size) and peer B..." >&2
  start_server "$work/a.out" java $java_opts -Xlog:gc:file="$work/a-$size.gc" -jar "$peer_jar" peer --tracker "$tracker_url" --share "$work/source" \
    --name bench-a --port 0 --control-port 0
  a_pid="${pids[-1]}"
  start_server "$work/b.out" java $java_opts -Xlog:gc:file="$work/b-$size.gc" -jar "$peer_jar" peer --tracker "$tracker_url" --share "$work/dest" \
    --name bench-b --port 0 --control-port 0
  b_pid="${pids[-1]}"
  for _ in $(seq 1 240); do grep -q '^control ' "$work/b.out" && break; sleep 0.5; done
  control="$(grep -m1 '^control ' "$work/b.out" | cut -d' ' -f2)"
  control_base="${control%%/\?token=*}"
  token="${control#*token=}"

  echo "bench: peer A -> peer B..." >&2
  python3 - "$control_base" "$token" "$sha" "$n" "$a_pid" "$b_pid" \
    "$work/a-$size.gc" "$work/b-$size.gc" "$warm_sha" >"$work/peer-$size" <<'PY'
import json, os, re, sys, time, urllib.request
base, token, sha, size, a_pid, b_pid, a_gc, b_gc, warm_sha = sys.argv[1:]
size = int(size)

def call(method, path, body=None):
    request = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)

def rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024

def cpu_seconds(pid):
    """(user, system) CPU time of a process so far (fields 14 and 15 of /proc/PID/stat, in clock ticks)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[11]) / os.sysconf("SC_CLK_TCK"), int(fields[12]) / os.sysconf("SC_CLK_TCK")

def system_cpu():
    """(busy, idle) seconds of all cores so far, from the first line of /proc/stat."""
    with open("/proc/stat") as stat:
        user, nice, system, idle, iowait, irq, softirq, steal = (int(x) / os.sysconf("SC_CLK_TCK") for x in stat.readline().split()[1:9])
    return user + nice + system + irq + softirq + steal, idle + iowait

def heap_after_gc(log):
    """Live heap (MiB) after each collection so far, from lines like 'Pause Young ... 120M->9M(256M)'."""
    try:
        with open(log) as lines:
            return [int(m.group(1)) for m in re.finditer(r"\d+M->(\d+)M\(\d+M\)", lines.read())]
    except FileNotFoundError:
        return []

def download(sha256):
    started = time.monotonic()
    download_id = call("POST", "/api/v1/downloads", {"sha256": sha256})["downloadId"]
    while True:
        state = call("GET", "/api/v1/downloads/" + download_id)
        if state["state"] in ("done", "failed", "cancelled"):
            return state
        if time.monotonic() - started > 600:
            sys.exit("the download did not finish in 10 minutes")
        time.sleep(0.05)

warm = download(warm_sha)
if warm["state"] != "done":
    sys.exit("the warm-up download " + warm["state"] + ": " + str(warm.get("error")))

gc_logs = {a_pid: a_gc, b_pid: b_gc}
gcs_before = {pid: len(heap_after_gc(log)) for pid, log in gc_logs.items()}
samples = {a_pid: [], b_pid: []}
for pid in samples:
    samples[pid].append(rss_mib(pid))
cpu_before = {pid: cpu_seconds(pid) for pid in samples}
system_before = system_cpu()
started = time.monotonic()
download = call("POST", "/api/v1/downloads", {"sha256": sha})["downloadId"]
state = {}
next_sample = started
while True:
    state = call("GET", "/api/v1/downloads/" + download)
    now = time.monotonic()
    if state["state"] in ("done", "failed", "cancelled"):
        break
    if now >= next_sample:
        for pid in samples:
            samples[pid].append(rss_mib(pid))
        next_sample = now + 0.2
    if now - started > 600:
        sys.exit("the download did not finish in 10 minutes")
    time.sleep(0.05)
elapsed = time.monotonic() - started
cpu_split = {pid: [after - before for after, before in zip(cpu_seconds(pid), cpu_before[pid])] for pid in samples}
cpu = {pid: sum(split) for pid, split in cpu_split.items()}
busy, idle = (after - before for after, before in zip(system_cpu(), system_before))
print(f"bench: all cores were {100 * busy / (busy + idle):.0f}% busy during the peer transfer, "
      f"{busy - cpu[a_pid] - cpu[b_pid]:.1f} CPU s of it outside the two peers", file=sys.stderr)
print(f"bench: CPU s user + system: B {cpu_split[b_pid][0]:.1f} + {cpu_split[b_pid][1]:.1f}, "
      f"A {cpu_split[a_pid][0]:.1f} + {cpu_split[a_pid][1]:.1f}", file=sys.stderr)
if state["state"] != "done":
    sys.exit("the download " + state["state"] + ": " + str(state.get("error")))
for pid in samples:
    samples[pid].append(rss_mib(pid))
peer_rate = size / elapsed

def memory(pid):
    rss = samples[pid]
    heap = heap_after_gc(gc_logs[pid])
    before, during = heap[:gcs_before[pid]], heap[gcs_before[pid]:]
    heap_text = (f"{before[-1] if before else 0} → {max(during)} ({len(during)} GCs)" if during
                 else f"{before[-1] if before else 0} (no GC)")
    return f"{rss[0]:.0f} → {max(rss):.0f} | {heap_text}"

print(f"{peer_rate}\t{cpu[b_pid]:.1f} / {cpu[a_pid]:.1f}\t{memory(a_pid)} | {memory(b_pid)} | {len(samples[a_pid])} |")
PY
  cmp -s "$work/source/$file" "$work/dest/$file" || { echo "bench: B's copy of $file differs from A's" >&2; exit 1; }

  # curl second, so that neither contender inherits the other's dirty pages.
  rm -f "$work/dest/$file"
  sync
  echo "bench: curl from nginx..." >&2
  # Prints curl's rate, then its CPU seconds and those of nginx's worker (the only one, see the config).
  read -r curl_rate curl_cpu < <(python3 - "$work/curl-out/$file" "http://127.0.0.1:$nginx_port/$file" \
    "$(pgrep -P "$(cat "$work/nginx/nginx.pid")" | head -n 1)" <<'PY'
import os, resource, subprocess, sys
out, url, worker = sys.argv[1:]
def cpu(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
nginx_before = cpu(worker)
rate = subprocess.run(["curl", "-sf", "-o", out, "-w", "%{speed_download}", url], check=True,
                      capture_output=True, text=True).stdout
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"bench: curl CPU s user + system: {usage.ru_utime:.1f} + {usage.ru_stime:.1f}", file=sys.stderr)
print(rate, f"{usage.ru_utime + usage.ru_stime:.1f}/{cpu(worker) - nginx_before:.1f}")
PY
  )
  rm -f "$work/curl-out/$file"
  sync
  python3 - "$size" "$curl_rate" "$curl_cpu" "$work/peer-$size" >>"$work/rows" <<'PY'
import sys
label, curl, curl_cpu, peer_file = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
peer, peer_cpu, memory = open(peer_file).read().rstrip("\n").split("\t")
peer = float(peer)
print(f"| {label} | {curl / 2**20:.0f} | {peer / 2**20:.0f} | {peer / curl:.2f} | {curl_cpu.replace('/', ' / ')} | {peer_cpu} | {memory}")
PY

  stop_pid "$a_pid"
  stop_pid "$b_pid"
  pids=("${pids[@]:0:1}")   # only the tracker is left running
  rm -f "$work/source/$file" "$work/source/.shoal/hashes.tsv"
done

# Three rate-limited holders against one, on the same file: the download's time from one holder,
# then, with that downloader gone, from three.
if [[ "$swarm" != 0 ]]; then
  n="$(bytes_of "$swarm_size")"
  file="swarm-$swarm_size.bin"
  echo "bench: swarm: writing $swarm_size of random bytes for holders limited to $swarm_limit/s..." >&2
  mkdir -p "$work/swarm"
  head -c "$n" /dev/urandom >"$work/swarm/$file"
  sha="$(sha256sum "$work/swarm/$file" | cut -d' ' -f1)"
  cat "$work/swarm/$file" >/dev/null   # every holder reads the same inode from the page cache
  holder_urls=()
  holder_pids=()
  start_holder() {  # start_holder K: the K-th holder, its own share holding a hard link of the file
    mkdir -p "$work/holder-$1"
    ln -f "$work/swarm/$file" "$work/holder-$1/$file"
    start_server "$work/holder-$1.out" java $java_opts -jar "$peer_jar" peer --tracker "$tracker_url" \
      --share "$work/holder-$1" --name "swarm-holder-$1" --port 0 --control-port 0 --upload-limit "$swarm_limit"
    holder_urls+=("$server_url")
    holder_pids+=("${pids[-1]}")
  }
  # swarm_fetch LABEL: a fresh peer downloads the file from the holders running now, then leaves.
  swarm_fetch() {
    echo "bench: swarm: a fresh peer downloads $swarm_size from ${#holder_urls[@]} holder(s)..." >&2
    start_server "$work/fetch-$1.out" java $java_opts -jar "$peer_jar" peer --tracker "$tracker_url" \
      --share "$work/fetch-$1" --name "swarm-fetch-$1" --port 0 --control-port 0
    local fetch_pid="${pids[-1]}"
    for _ in $(seq 1 240); do grep -q '^control ' "$work/fetch-$1.out" && break; sleep 0.5; done
    local control; control="$(grep -m1 '^control ' "$work/fetch-$1.out" | cut -d' ' -f2)"
    python3 - "${control%%/\?token=*}" "${control#*token=}" "$tracker_url" "$sha" "$n" "${holder_urls[@]}" \
      >"$work/swarm-$1.json" <<'PY'
import json, sys, time, urllib.error, urllib.request
base, token, tracker, sha, size, *holders = sys.argv[1:]

def get(url, headers=None):
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=30) as response:
        return json.load(response)

def call(method, path, body=None):
    request = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)

# Every holder must list the file's pieces (hashed after its scan) and the tracker must name exactly
# the holders running now: the first downloader, gone, must no longer be one.
deadline = time.monotonic() + 120
pieces = None
for holder in holders:
    while pieces is None or pieces.get("holder") != holder:
        try:
            pieces = dict(get(f"{holder}/files/{sha}/pieces"), holder=holder)
        except urllib.error.HTTPError as e:
            if e.code != 503 or time.monotonic() > deadline:
                raise
            time.sleep(0.5)
while True:
    names = {h["peerId"]: h["name"] for h in get(f"{tracker}/api/v1/files/{sha}")["holders"]}
    if sorted(names.values()) == [f"swarm-holder-{k}" for k in range(1, len(holders) + 1)]:
        break
    if time.monotonic() > deadline:
        sys.exit(f"the tracker lists {sorted(names.values())} as holders, not the {len(holders)} started")
    time.sleep(0.5)

started = time.monotonic()
download_id = call("POST", "/api/v1/downloads", {"sha256": sha})["downloadId"]
while True:
    state = call("GET", "/api/v1/downloads/" + download_id)
    if state["state"] in ("done", "failed", "cancelled"):
        break
    if time.monotonic() - started > 900:
        sys.exit("the download did not finish in 15 minutes")
    time.sleep(0.05)
elapsed = time.monotonic() - started
if state["state"] != "done":
    sys.exit("the download " + state["state"] + ": " + str(state.get("error")))
sources = [dict(s, name=names.get(s["peerId"], s["peerId"])) for s in state["sources"]]
for s in sources:
    print(f"bench: swarm:   {s['name']}: {s.get('pieces')} pieces, {s['bytes'] / 2**20:.1f} MiB", file=sys.stderr)
print(f"bench: swarm:   {elapsed:.1f} s", file=sys.stderr)
json.dump({"elapsed": elapsed, "pieces": len(pieces["pieces"]), "pieceSize": pieces["pieceSize"], "sources": sources},
          sys.stdout)
PY
    cmp -s "$work/swarm/$file" "$work/fetch-$1/$file" || { echo "bench: swarm: the copy of $file differs" >&2; exit 1; }
    stop_pid "$fetch_pid"   # it leaves the tracker, so that it is no holder for the next download
    pids=("${pids[@]:0:${#pids[@]}-1}")
  }
  start_holder 1
  swarm_fetch one
  start_holder 2
  start_holder 3
  swarm_fetch three
  for ((i = ${#holder_pids[@]} - 1; i >= 0; i--)); do stop_pid "${holder_pids[i]}"; done
  pids=("${pids[@]:0:1}")   # only the tracker is left running
  swarm_row="$(python3 - "$swarm_size" "$swarm_limit" "$work/swarm-one.json" "$work/swarm-three.json" <<'PY'
import json, sys
label, limit, one_file, three_file = sys.argv[1:]
one, three = json.load(open(one_file)), json.load(open(three_file))
ratio = three["elapsed"] / one["elapsed"]
def size_text(n):
    return f"{n / 2**20:g} MiB" if n >= 2**20 else f"{n / 2**10:g} KiB"
def pieces(run):
    return ", ".join(f"{s['name'].replace('swarm-', '')} {s.get('pieces')}"
                     for s in sorted(run["sources"], key=lambda s: s["name"]))
print(f"| {label} | {limit}/s | {one['pieces']} × {size_text(one['pieceSize'])} | {one['elapsed']:.1f} | "
      f"{three['elapsed']:.1f} | {'**' if ratio <= 0.4 else ''}{ratio:.2f}{'**' if ratio <= 0.4 else ''} | "
      f"{pieces(one)} | {pieces(three)} |")
PY
  )"
fi

stamp="$(date -u +%Y%m%d-%H%M%S)"
report="$results/peer-throughput-$stamp.md"
{
  echo "## Peer-to-peer throughput vs curl from nginx ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)"
  echo
  echo "Random file to disk over 127.0.0.1, page cache warm for both. Peer: B's control API download from A,"
  echo "timed from POST /api/v1/downloads until B reports \`done\` (streamed, SHA-256 verified, renamed into"
  echo "its share), after one 64 MiB warm-up transfer between the same two peers. Peers ran with \`$java_opts\`. RSS: MiB before the transfer → peak during it (sampled"
  echo "5 times a second). Heap: live MiB after the last GC before the transfer → most after any GC during it."
  echo "CPU: seconds of user + system time each process spent on the transfer."
  echo
  echo "| size | curl←nginx MiB/s | peer B←A MiB/s | ratio | CPU s curl / nginx | CPU s B / A | A RSS MiB | A heap MiB | B RSS MiB | B heap MiB | RSS samples |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  cat "$work/rows"
  if [[ "$swarm" != 0 ]]; then
    echo
    echo "### Three rate-limited holders against one"
    echo
    echo "One random file, every holder a fresh peer sharing a hard link of it with \`--upload-limit $swarm_limit\`."
    echo "\"One\": a fresh peer downloads it while only holder-1 runs, then leaves; \"three\": holder-2 and holder-3"
    echo "start and another fresh peer (default \`--sources\`) downloads it from all three. Each time runs from"
    echo "POST /api/v1/downloads until \`done\`. Ratio: three / one (1/3 at best; the goal is at most 0.4)."
    echo "Pieces: each source's pieces in the downloader's final status (the endgame can fetch one twice)."
    echo
    echo "| file | upload limit per holder | pieces | one holder s | three holders s | ratio | pieces, one | pieces, three |"
    echo "|---|---|---|---|---|---|---|---|"
    echo "$swarm_row"
  fi
} | tee "$report"
echo >&2
echo "bench: saved $report" >&2
