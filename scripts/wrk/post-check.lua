-- POST /v1/entitlements/check, warm: CUSTOMERS customers (org_check_1 … N, each subscribed to the
-- bench plan), features and limits of that plan, a role and an app type in the context, as an
-- app gating each of its requests sends them. The requests are made once, before the run, so
-- that wrk's own Lua work (it shares the cores with the server) is not in the figure.
package.path = "scripts/wrk/?.lua;" .. package.path
require "report"
local customers = tonumber(os.getenv("CUSTOMERS") or "20")
local features = { "exports", "sso", "seats", "bench_calls", "audit_log" }
local headers = { ["Authorization"] = "Bearer " .. (os.getenv("KEY") or ""), ["Content-Type"] = "application/json" }
local requests = {}
local counter = 0

init = function()
  -- customers × features distinct requests (20 × 5 by default), each pair once per cycle.
  for n = 0, customers * #features - 1 do
    local body = '{"customer":"org_check_' .. (n % customers + 1) .. '","feature":"' .. features[math.floor(n / customers) % #features + 1]
      .. '","quantity":1,"context":{"user_role":"admin","app_type":"web"}}'
    requests[#requests + 1] = wrk.format("POST", "/v1/entitlements/check", headers, body)
  end
end

request = function()
  counter = counter % #requests + 1
  return requests[counter]
end

done = report
