-- wrk script: a PUT of a new secret per request (durable sets), keeping Host and Authorization.
-- Names carry wrk's process id and the thread's number (given by setup) and a counter, so no two
-- requests name the same secret — not across threads, whose Lua states all start from the same
-- random seed, nor across wrk processes loading one store (bench/ha.sh's two replicas).
local pid = io.open("/proc/self/stat"):read("*n")
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("writer", string.format("%d-%d", pid, threads))
end

local counter = 0
request = function()
  counter = counter + 1
  local path = string.format("/secrets/w-%s-%d?api-version=7.4", writer, counter)
  local headers = {}
  for k, v in pairs(wrk.headers) do headers[k] = v end
  headers["Content-Type"] = "application/json"
  return wrk.format("PUT", path, headers, '{"value":"durable-write"}')
end
