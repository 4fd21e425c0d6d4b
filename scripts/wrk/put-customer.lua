-- PUT /v1/customers/{unique id}: every request creates a new customer (insert + audit entry).
package.path = "scripts/wrk/?.lua;" .. package.path
require "report"
local counter = 0
local thread_id = 0
local threads = 0

setup = function(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

init = function(args)
  thread_id = tonumber(wrk.thread:get("thread_id"))
end

local run = tostring(os.time()) .. tostring(math.random(100000))
local headers = {
  ["Authorization"] = "Bearer " .. (os.getenv("KEY") or ""),
  ["Content-Type"] = "application/json",
}
local body = '{"name":"Bench Co","email":"billing@bench.test","metadata":{"plan":"pro"}}'

request = function()
  counter = counter + 1
  return wrk.format("PUT", "/v1/customers/b" .. run .. "_" .. thread_id .. "_" .. counter, headers, body)
end

done = report
