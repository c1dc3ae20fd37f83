-- wrk script: a PUT of a new secret per request (durable sets), keeping Host and Authorization.
local counter = 0
request = function()
  counter = counter + 1
  local path = string.format("/secrets/w-%d-%d?api-version=7.4", math.random(1, 1000000000), counter)
  local headers = {}
  for k, v in pairs(wrk.headers) do headers[k] = v end
  headers["Content-Type"] = "application/json"
  return wrk.format("PUT", path, headers, '{"value":"durable-write"}')
end
