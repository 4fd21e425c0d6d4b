-- POST /webhooks/stripe: each request a distinct Stripe event, signed ahead of time by
-- scripts/bench_outbox.py sign (file WEBHOOKS, lines "signature<TAB>body"); verify + store + 2xx.
package.path = "scripts/wrk/?.lua;" .. package.path
require "report"
local events = {}
local next_index = 1
local stride = 1
local threads = 0

setup = function(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

init = function(args)
  for line in io.lines(os.getenv("WEBHOOKS")) do events[#events + 1] = line end
  -- Threads take interleaved events so no two send the same one.
  local id = tonumber(wrk.thread:get("thread_id"))
  next_index = id
  stride = tonumber(os.getenv("WRK_THREADS") or "2")
end

request = function()
  local line = events[next_index]
  next_index = next_index + stride
  if next_index > #events then next_index = next_index - #events end
  local tab = string.find(line, "\t", 1, true)
  return wrk.format("POST", "/webhooks/stripe", {
    ["Stripe-Signature"] = string.sub(line, 1, tab - 1),
    ["Content-Type"] = "application/json",
  }, string.sub(line, tab + 1))
end

done = report
