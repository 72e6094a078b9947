-- wrk script: send exactly $REQUESTS requests (one thread, one connection), then stop.
-- The request comes from the environment: $METHOD, $URLPATH and $HEADERS, header lines
-- separated by `|` ("Origin: https://a.example|Access-Control-Request-Method: GET").
-- Without $REQUESTS it never stops by itself (throughput runs stop on wrk's -d).
-- wrk's main thread sleeps for the whole -d even after the thread stops, so on the last
-- response this script creates the file $MARKER: the caller waits for it and sends wrk
-- SIGINT, which ends the sleep.

local limit = tonumber(os.getenv("REQUESTS") or "")
local count = 0

wrk.method = os.getenv("METHOD") or "GET"
wrk.path = os.getenv("URLPATH") or "/"
for line in string.gmatch(os.getenv("HEADERS") or "", "[^|]+") do
  local name, value = string.match(line, "^%s*([^:]+):%s*(.-)%s*$")
  if name then
    wrk.headers[name] = value
  end
end

local status_seen = {}

if limit then
  function response(status, headers, body)
    count = count + 1
    status_seen[status] = true
    if count >= limit then
      wrk.thread:stop()
      local marker = os.getenv("MARKER")
      if marker then
        io.open(marker, "w"):close()
      end
    end
  end
end

function done(summary, latency, requests)
  io.write(string.format("requests: %d\n", summary.requests))
  io.write(string.format("non-2xx: %d\n", summary.errors.status))
end
