-- POST /webhooks/stripe: each request a distinct Stripe event as Stripe sends them (4.2 KB on
-- average), signed ahead of time by scripts/bench_outbox.py sign (file WEBHOOKS, lines
-- "signature<TAB>body", the body's newlines written as RS, 0x1E); verify + store + 2xx.
-- Each thread formats its share of the requests before the run starts, so that during the run
-- wrk only sends prepared bytes, as it does for the static requests of the other rows.
package.path = "scripts/wrk/?.lua;" .. package.path
require "report"
local requests = {}
local next_index = 1
local threads = 0

setup = function(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

init = function(args)
  -- Threads take interleaved events so no two send the same one.
  local id = tonumber(wrk.thread:get("thread_id"))
  local stride = tonumber(os.getenv("WRK_THREADS") or "2")
  local n = 0
  for line in io.lines(os.getenv("WEBHOOKS")) do
    if n % stride == id - 1 then
      local tab = string.find(line, "\t", 1, true)
      requests[#requests + 1] = wrk.format("POST", "/webhooks/stripe", {
        ["Stripe-Signature"] = string.sub(line, 1, tab - 1),
        ["Content-Type"] = "application/json",
      }, (string.gsub(string.sub(line, tab + 1), "\30", "\n")))
    end
    n = n + 1
  end
end

request = function()
  local request = requests[next_index]
  next_index = next_index + 1
  if next_index > #requests then next_index = 1 end
  return request
end

done = report
