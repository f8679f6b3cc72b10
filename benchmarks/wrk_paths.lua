-- wrk script of benchmarks/run.py (http_load): each connection cycles through the request
-- paths listed in the file $WRK_PATHS (one per line, e.g. one desa's candidates per line),
-- starting at a random one; at the end one line with the counts and latency percentiles.
local paths = {}
local counter = 0
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end

function init(args)
  counter = math.random(#paths)
end

function request()
  counter = counter % #paths + 1
  return wrk.format("GET", paths[counter])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d errors=%d non2xx=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
    "duration_us=%d\n",
    summary.requests, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    summary.duration))
end
