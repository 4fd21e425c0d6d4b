-- POST /v1/usage-events, or with BATCH=N POST /v1/usage-events/batch of N events: every event new
-- (its own id), for customer org_bench and metric bench_calls (a sum), with two properties, as
-- an app metering API calls sends them.
package.path = "scripts/wrk/?.lua;" .. package.path
require "report"
local counter = 0
number_threads()

local run = tostring(os.time()) .. tostring(math.random(100000))
local batch = tonumber(os.getenv("BATCH") or "0")
local headers = { ["Authorization"] = "Bearer " .. (os.getenv("KEY") or ""), ["Content-Type"] = "application/json" }

local function event()
  counter = counter + 1
  return '{"id":"u' .. run .. "_" .. thread_id .. "_" .. counter
    .. '","customer":"org_bench","metric":"bench_calls","value":3,"properties":{"route":"/v1/orders","status":200}}'
end

request = function()
  if batch == 0 then
    return wrk.format("POST", "/v1/usage-events", headers, event())
  end
  local events = {}
  for i = 1, batch do events[i] = event() end
  return wrk.format("POST", "/v1/usage-events/batch", headers, '{"events":[' .. table.concat(events, ",") .. ']}')
end

done = report
