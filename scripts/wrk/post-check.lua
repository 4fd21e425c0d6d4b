-- POST /v1/entitlements/check, warm: CUSTOMERS customers (org_check_1 … N, each subscribed to the
-- bench plan), features and limits of that plan, a role and an app type in the context, as an
-- app gating each of its requests sends them.
package.path = "scripts/wrk/?.lua;" .. package.path
require "report"
local customers = tonumber(os.getenv("CUSTOMERS") or "20")
local features = { "exports", "sso", "seats", "bench_calls", "audit_log" }
local headers = { ["Authorization"] = "Bearer " .. (os.getenv("KEY") or ""), ["Content-Type"] = "application/json" }
local counter = 0

request = function()
  counter = counter + 1
  local body = '{"customer":"org_check_' .. (counter % customers + 1) .. '","feature":"' .. features[counter % #features + 1]
    .. '","quantity":1,"context":{"user_role":"admin","app_type":"web"}}'
  return wrk.format("POST", "/v1/entitlements/check", headers, body)
end

done = report
