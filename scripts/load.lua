-- wrk script of scripts/load.sh: every connection cycles through the demo's CORS routes,
-- actual requests and preflights, each from an origin its policy allows, so every answer
-- must be a 2xx carrying Access-Control-Allow-Origin. Counted per thread, summed in done():
--   bad_status    answers outside 200..399
--   missing_grant answers without exactly one Access-Control-Allow-Origin
-- (wrk itself counts socket errors and timeouts.)

local page = "http://localhost:8080"
local app = "https://app.example.com"

local calls = {
  { "GET", "/hello", { Origin = "https://anyone.example.net" } },
  { "OPTIONS", "/hello", { Origin = "https://anyone.example.net",
      ["Access-Control-Request-Method"] = "POST",
      ["Access-Control-Request-Headers"] = "x-requested-with" } },
  { "GET", "/api/items", { Origin = page, Cookie = "session=1" } },
  { "OPTIONS", "/api/items", { Origin = page,
      ["Access-Control-Request-Method"] = "POST",
      ["Access-Control-Request-Headers"] = "content-type,x-api-key" } },
  { "GET", "/api/items", { Origin = app } },
  { "OPTIONS", "/api/items/1", { Origin = page, ["Access-Control-Request-Method"] = "DELETE" } },
  { "OPTIONS", "/api/items/1", { Origin = app,
      ["Access-Control-Request-Method"] = "PUT",
      ["Access-Control-Request-Headers"] = "content-type" } },
  { "GET", "/api/subdomain", { Origin = "https://a.b.example.com" } },
  { "GET", "/api/dev", { Origin = "http://localhost:5173" } },
  { "GET", "/api/vary", { Origin = page, ["Accept-Encoding"] = "gzip" } },
}

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local prepared = {}
local next_call = 0
bad_status = 0
missing_grant = 0
answers = 0

function init(args)
  for i, call in ipairs(calls) do
    prepared[i] = wrk.format(call[1], call[2], call[3])
  end
end

function request()
  next_call = next_call % #prepared + 1
  return prepared[next_call]
end

function response(status, headers, body)
  answers = answers + 1
  if status < 200 or status > 399 then
    bad_status = bad_status + 1
  end
  local grant = headers["access-control-allow-origin"] or headers["Access-Control-Allow-Origin"]
  if grant == nil or grant == "" or string.find(grant, ",", 1, true) then
    missing_grant = missing_grant + 1
  end
end

function done(summary, latency, requests)
  local bad, missing, counted = 0, 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("bad_status")
    missing = missing + thread:get("missing_grant")
    counted = counted + thread:get("answers")
  end
  local errors = summary.errors
  io.write(string.format("requests: %d\n", summary.requests))
  io.write(string.format("answers_checked: %d\n", counted))
  io.write(string.format("seconds: %.1f\n", summary.duration / 1e6))
  io.write(string.format("socket_errors: connect %d, read %d, write %d, timeout %d\n",
    errors.connect, errors.read, errors.write, errors.timeout))
  io.write(string.format("non_2xx_3xx: %d\n", errors.status))
  io.write(string.format("bad_status: %d\n", bad))
  io.write(string.format("missing_grant: %d\n", missing))
  io.write(string.format("latency_ms: p50 %.2f, p99 %.2f, max %.2f\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
