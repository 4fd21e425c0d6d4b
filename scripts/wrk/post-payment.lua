-- POST /v1/payments on the sandbox provider: every request is a new charge under its own
-- Idempotency-Key (idempotency claim, payment + operation recorded, the sandbox's charge, the
-- outcome recorded: four write transactions).
package.path = "scripts/wrk/?.lua;" .. package.path
require "report"
local counter = 0
number_threads()

local run = tostring(os.time()) .. tostring(math.random(100000))
local body = '{"customer":"org_bench","amount":1500,"currency":"usd","payment_method":"pm_sandbox_visa"}'

request = function()
  counter = counter + 1
  local headers = {
    ["Authorization"] = "Bearer " .. (os.getenv("KEY") or ""),
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = "bench-" .. run .. "-" .. thread_id .. "-" .. counter,
  }
  return wrk.format("POST", "/v1/payments", headers, body)
end

done = report
