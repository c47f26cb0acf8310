-- wrk: predict against SERIES pre-trained series (bench_0 .. bench_{SERIES-1}),
-- or against the comma-separated series ids in IDS when it is set, cycling
-- through them, with the notebook's payload and version=0.
local ids = {}
for id in string.gmatch(os.getenv("IDS") or "", "[^,]+") do
  ids[#ids + 1] = id
end
local series = #ids > 0 and #ids or tonumber(os.getenv("SERIES") or "1000")
local counter = 0
local headers = { ["Content-Type"] = "application/json" }
if os.getenv("TOKEN") then -- a server with auth.tokens-file
  headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
end

function setup(thread)
  thread:set("offset", math.random(0, series - 1))
end

function request()
  counter = counter + 1
  local i = (offset + counter) % series
  local id = #ids > 0 and ids[i + 1] or ("bench_" .. i)
  local body = string.format('{"timestamp":"%d","value":%.3f}', 1705001000 + counter,
                             10.0 + (counter % 45) / 10.0)
  return wrk.format("POST", "/predict/" .. id .. "?version=0", headers, body)
end
