-- Shared by the benchmark's wrk scripts: prints one JSON line with the figures.
report = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'RESULT {"requests":%d,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"errors":%d,"non2xx":%d}\n',
    summary.requests, summary.requests / seconds, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, errors, summary.errors.status))
end

-- Numbers wrk's threads 1, 2, … (wrk's `setup` runs once per thread before the run): a script
-- that calls it reads `thread_id` in its requests, to make ids no other thread makes.
thread_id = 0
function number_threads()
  local threads = 0
  setup = function(thread)
    threads = threads + 1
    thread:set("thread_id", threads)
  end
  init = function(args)
    thread_id = tonumber(wrk.thread:get("thread_id"))
  end
end
