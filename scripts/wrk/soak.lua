-- wrk: mixed load over SERIES series (soak_0 ..): every 10th request is a fit
-- (a new version of one of them), the rest are predicts.
local series = tonumber(os.getenv("SERIES") or "200")
local counter = 0
local headers = { ["Content-Type"] = "application/json" }

function request()
  counter = counter + 1
  local id = "soak_" .. (counter * 7 % series)
  if counter % 10 == 0 then
    local ts = 1700000000 + counter * 10
    local body = string.format(
      '{"timestamps":[%d,%d,%d,%d,%d,%d],"values":[10.1,9.7,10.4,10.0,9.9,%.2f]}',
      ts, ts + 1, ts + 2, ts + 3, ts + 4, ts + 5, 10 + (counter % 7) / 10)
    return wrk.format("POST", "/fit/" .. id, headers, body)
  end
  local body = string.format('{"timestamp":"%d","value":%.2f}', 1705001000 + counter,
                             9 + (counter % 40) / 10)
  return wrk.format("POST", "/predict/" .. id, headers, body)
end
