-- PUT /v1/customers/{unique id}: every request creates a new customer (insert + audit entry).
-- With KEYS (comma-separated API keys of several apps) the requests go to the apps in turn;
-- otherwise all to KEY's app.
package.path = "scripts/wrk/?.lua;" .. package.path
require "report"
local counter = 0
number_threads()

local run = tostring(os.time()) .. tostring(math.random(100000))
local headers = {}
for key in string.gmatch(os.getenv("KEYS") or os.getenv("KEY") or "", "[^,]+") do
  headers[#headers + 1] = { ["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json" }
end
local body = '{"name":"Bench Co","email":"billing@bench.test","metadata":{"plan":"pro"}}'

request = function()
  counter = counter + 1
  return wrk.format("PUT", "/v1/customers/b" .. run .. "_" .. thread_id .. "_" .. counter,
    headers[counter % #headers + 1], body)
end

done = report
