-- wrk script: cycles over the request lines of the file named by BENCH_REQUESTS. A line is either
-- a path (GET), or "POST <path> <bearer token> <json body without spaces>". Each wrk thread
-- starts at its own offset. done() prints one machine-readable line for the bench script.
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local requests = {}
local i = 1

function init(args)
  local file = assert(io.open(os.getenv("BENCH_REQUESTS"), "r"))
  for line in file:lines() do
    if line ~= "" then
      local method, path, token, body = line:match("^(POST) (%S+) (%S+) (%S+)$")
      if method then
        requests[#requests + 1] = wrk.format("POST", path,
          { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
      else
        requests[#requests + 1] = wrk.format("GET", line)
      end
    end
  end
  file:close()
  local threads = tonumber(os.getenv("BENCH_THREADS") or "1")
  i = math.floor(#requests * (id or 0) / threads) + 1
end

function request()
  local r = requests[i]
  i = i + 1
  if i > #requests then i = 1 end
  return r
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d errors_status=%d errors_connect=%d errors_read=%d errors_write=%d errors_timeout=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
