-- wrk script of scripts/decide-flood.sh, in one of two modes.
--
-- Flood (default): every request comes from an origin never sent before (thread number,
-- request number, random bits), half of them inside the policy's bound `https://*`
-- (`https://<label>.example`, which the application's function is asked about and
-- refuses), half outside it: plain `http://<label>.example`, `https://<label>.example:8443`
-- (not the default port) or not an origin at all (`https://<label>.example/path`). Counted
-- per thread, summed in done():
--   inside, outside   requests sent from each kind of origin
--   granted           answers carrying Access-Control-Allow-Origin (none may)
--   bad_status        answers other than 200
--
-- Trickle ($TENANT set): one request every $TRICKLE_MS milliseconds (default 100) from the
-- tenant's origin $TENANT; counted:
--   granted           answers granting exactly $TENANT
--   refused           the others (none may be)

local tenant = os.getenv("TENANT")
local trickle_ms = tonumber(os.getenv("TRICKLE_MS") or "100")

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

sent = 0
inside = 0
outside = 0
granted = 0
refused = 0
bad_status = 0

local prepared

function init(args)
  math.randomseed(os.time() * 1000 + (id or 0))
  if tenant then
    prepared = wrk.format("GET", "/items", { Origin = tenant })
  end
end

local function hostile_origin()
  local label = string.format("f%d-%x-%06x", id, sent, math.random(0, 0xffffff))
  local kind = sent % 6
  if kind < 3 then
    inside = inside + 1
    return "https://" .. label .. ".example"
  end
  outside = outside + 1
  if kind == 3 then
    return "http://" .. label .. ".example"
  elseif kind == 4 then
    return "https://" .. label .. ".example:8443"
  end
  return "https://" .. label .. ".example/path"
end

function request()
  sent = sent + 1
  if tenant then
    return prepared
  end
  return wrk.format("GET", "/items", { Origin = hostile_origin() })
end

if tenant then
  function delay()
    return trickle_ms
  end
end

function response(status, headers, body)
  if status ~= 200 then
    bad_status = bad_status + 1
  end
  local grant = headers["access-control-allow-origin"] or headers["Access-Control-Allow-Origin"]
  if tenant then
    if grant == tenant then
      granted = granted + 1
    else
      refused = refused + 1
    end
  elseif grant ~= nil then
    granted = granted + 1
  end
end

function done(summary, latency, requests)
  local totals = { sent = 0, inside = 0, outside = 0, granted = 0, refused = 0, bad_status = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + thread:get(name)
    end
  end
  local errors = summary.errors
  io.write(string.format("requests: %d\n", summary.requests))
  io.write(string.format("seconds: %.1f\n", summary.duration / 1e6))
  io.write(string.format("requests_per_second: %.0f\n", summary.requests / (summary.duration / 1e6)))
  for _, name in ipairs({ "sent", "inside", "outside", "granted", "refused", "bad_status" }) do
    io.write(string.format("%s: %d\n", name, totals[name]))
  end
  io.write(string.format("socket_errors: %d\n",
    errors.connect + errors.read + errors.write + errors.timeout))
  io.write(string.format("socket_errors_detail: connect %d, read %d, write %d, timeout %d\n",
    errors.connect, errors.read, errors.write, errors.timeout))
  io.write(string.format("latency_ms: p50 %.2f, p99 %.2f, max %.2f\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
