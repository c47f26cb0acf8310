-- wrk: every request fits a new series (durable), six points as in the notebook.
-- RUN keeps series ids unique across runs against the same store.
local run = os.getenv("RUN") or "0"
local counter = 0
local threads = 0 -- counted in the main state; each thread gets its own thread_id global
local headers = { ["Content-Type"] = "application/json" }

function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

thread_id = 0

function request()
  counter = counter + 1
  local ts = 1700000000 + counter * 10
  local body = string.format(
    '{"timestamps":[%d,%d,%d,%d,%d,%d],"values":[10.1,9.7,10.4,10.0,9.9,10.3]}',
    ts, ts + 1, ts + 2, ts + 3, ts + 4, ts + 5)
  return wrk.format("POST", "/fit/fit_" .. run .. "_" .. thread_id .. "_" .. counter, headers, body)
end
