-- GET wrk.path with the app key from the KEY environment variable.
package.path = "scripts/wrk/?.lua;" .. package.path
require "report"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("KEY") or "")
done = report
