-- wrk script of the end-to-end benchmark (bench/e2e/run.py): every request is a GET of
-- E2E_PATH carrying "Authorization: Bearer <token>", the tokens of the file E2E_TOKENS (at
-- most the first E2E_POOL) taken in turn, each of the E2E_THREADS wrk threads from its own
-- offset, shifted by E2E_OFFSET (so that a run continues where the last one stopped).
-- The requests are formatted once, in init, so that sending one costs the same whatever
-- the token. At the end, one line "E2E_RESULT {json}" with the counts and the latency
-- percentiles (microseconds).

local counter = 0

function setup(thread)
   thread:set("id", counter)
   counter = counter + 1
end

function init(args)
   local file = os.getenv("E2E_TOKENS")
   local limit = tonumber(os.getenv("E2E_POOL") or "0")
   local path = os.getenv("E2E_PATH") or "/whoami"
   reqs = {}
   n = 0
   for line in io.lines(file) do
      if line ~= "" then
         n = n + 1
         reqs[n] = wrk.format("GET", path, { ["Authorization"] = "Bearer " .. line })
         if limit > 0 and n >= limit then break end
      end
   end
   if n == 0 then error("no tokens in " .. tostring(file)) end
   -- (each thread's state is its own: the number of threads comes from the driver)
   local nthreads = tonumber(os.getenv("E2E_THREADS") or "1")
   local offset = tonumber(os.getenv("E2E_OFFSET") or "0")
   i = (offset + id * math.floor(n / nthreads)) % n
end

function request()
   i = i % n + 1
   return reqs[i]
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'E2E_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
      '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
      '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "mean": %.1f, "max": %d}}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency.mean, latency.max))
end
