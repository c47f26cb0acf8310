-- wrk: predict against SERIES pre-trained series (bench_0 .. bench_{SERIES-1}),
-- cycling through them, with the notebook's payload and version=0.
local series = tonumber(os.getenv("SERIES") or "1000")
local counter = 0
local headers = { ["Content-Type"] = "application/json" }

function setup(thread)
  thread:set("offset", math.random(0, series - 1))
end

function request()
  counter = counter + 1
  local id = (offset + counter) % series
  local body = string.format('{"timestamp":"%d","value":%.3f}', 1705001000 + counter,
                             10.0 + (counter % 45) / 10.0)
  return wrk.format("POST", "/predict/bench_" .. id .. "?version=0", headers, body)
end
