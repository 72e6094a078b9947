#!/usr/bin/env bash
# Bounded load run on the demo's CORS routes (SECURITY.md, "Load"): the demo API
# (examples/load_target.rs, release build, its own process) under wrk for $DURATION seconds
# with $CONNECTIONS connections, cycling through actual requests and preflights from allowed
# origins (scripts/load.lua). Fails unless:
#   - wrk reports no socket error or timeout, and every answer is a 2xx/3xx carrying exactly
#     one Access-Control-Allow-Origin (counted by the Lua script);
#   - the server is still running at the end;
#   - its memory is flat: the resident set size (VmRSS from /proc, sampled every second)
#     grows by at most $RSS_GROWTH_LIMIT_KB from the 10th second to the end, and never
#     exceeds the 10th second's by more than that in between.
#
#   scripts/load.sh                      60 s, 256 connections, 2 wrk threads
#   DURATION=300 scripts/load.sh         longer
#   API=axum scripts/load.sh             the same API served by axum (cors-axum)
#
# Needs wrk (Debian: apt-get install -y wrk). Throughput swings 15-40 % between runs on a
# small machine: it is printed, never checked.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-60}
CONNECTIONS=${CONNECTIONS:-256}
THREADS=${THREADS:-2}
RSS_GROWTH_LIMIT_KB=${RSS_GROWTH_LIMIT_KB:-2048}
API=${API:-actix}
case "$API" in
  actix) api_line=api ;;
  axum) api_line=axum ;;
  *) echo "API must be actix or axum, not $API" >&2; exit 1 ;;
esac
[ "$DURATION" -gt 12 ] || { echo "DURATION must be more than 12 seconds" >&2; exit 1; }
command -v wrk >/dev/null || { echo "needs wrk (apt-get install -y wrk)" >&2; exit 1; }

cargo build --quiet --release --example load_target
target_dir=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

work=$(mktemp -d)
server_pid=
sampler_pid=
cleanup() {
  [ -z "$sampler_pid" ] || kill "$sampler_pid" 2>/dev/null || true
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$target_dir/release/examples/load_target" >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
deadline=$((SECONDS + 30))
until grep -q "^page: " "$work/server.out"; do
  kill -0 "$server_pid" 2>/dev/null || { echo "the server exited:" >&2; cat "$work/server.err" >&2; exit 1; }
  [ "$SECONDS" -lt "$deadline" ] || { echo "the server did not start in 30 s" >&2; exit 1; }
  sleep 0.1
done
api=$(sed -n "s/^$api_line: //p" "$work/server.out")

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status"; }

# One sample a second: "<milliseconds since the start of the load> <VmRSS in KiB>".
start_ns=$(date +%s%N)
(
  while kill -0 "$server_pid" 2>/dev/null; do
    echo "$((($(date +%s%N) - start_ns) / 1000000)) $(rss_kb)"
    sleep 1
  done
) >"$work/rss" &
sampler_pid=$!

echo "load: ${DURATION}s, $CONNECTIONS connections, $THREADS threads against the $API API at $api (pid $server_pid)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 5s -s scripts/load.lua "$api" \
  >"$work/wrk.out" 2>&1 || { cat "$work/wrk.out" >&2; echo "wrk failed" >&2; exit 1; }

kill -0 "$server_pid" 2>/dev/null || { echo "the server died under load:" >&2; cat "$work/server.err" >&2; exit 1; }
end_ms=$((($(date +%s%N) - start_ns) / 1000000))
end_kb=$(rss_kb)
kill "$sampler_pid" 2>/dev/null || true
wait "$sampler_pid" 2>/dev/null || true
sampler_pid=
echo "$end_ms $end_kb" >>"$work/rss"

kill -TERM "$server_pid"
wait "$server_pid" || true
server_pid=

cat "$work/wrk.out"
value() { sed -n "s/^$1: //p" "$work/wrk.out"; }
requests=$(value requests)
failed=0
check() { # DESCRIPTION ACTUAL
  if [ "$2" != 0 ]; then echo "FAIL: $1: $2" >&2; failed=1; fi
}
[ -n "$requests" ] && [ "$requests" -gt 0 ] || { echo "FAIL: no requests counted" >&2; exit 1; }
check "socket errors" "$(value socket_errors | tr -cs '0-9' ' ' | awk '{ print $1 + $2 + $3 + $4 }')"
check "non-2xx/3xx answers (wrk)" "$(value non_2xx_3xx)"
check "answers outside 200..399 (script)" "$(value bad_status)"
check "answers without exactly one Access-Control-Allow-Origin" "$(value missing_grant)"
if grep -q panicked "$work/server.err"; then
  echo "FAIL: the server panicked:" >&2
  cat "$work/server.err" >&2
  failed=1
fi

# Memory: every 10 s, then the verdict from the 10th second to the end.
awk -v limit="$RSS_GROWTH_LIMIT_KB" '
  { t[NR] = $1 / 1000; kb[NR] = $2 }
  END {
    for (i = 1; i <= NR; i++) if (t[i] >= 10) { first = i; break }
    if (!first) { print "FAIL: no RSS sample after 10 s"; exit 1 }
    max = kb[first]
    for (i = first; i <= NR; i++) if (kb[i] > max) max = kb[i]
    line = "rss_kb:"
    next_mark = 0
    for (i = 1; i <= NR; i++) if (t[i] >= next_mark || i == NR) {
      line = line sprintf(" %ds=%d", t[i], kb[i]); next_mark = int(t[i] / 10) * 10 + 10
    }
    print line
    printf "rss: %d KiB at %.1f s, %d KiB at the end (%.1f s), max %d KiB in between; growth %+d KiB (limit %d)\n",
      kb[first], t[first], kb[NR], t[NR], max, kb[NR] - kb[first], limit
    if (kb[NR] - kb[first] > limit || max - kb[first] > limit) { print "FAIL: memory is not flat"; exit 1 }
  }' "$work/rss" || failed=1

if [ "$failed" != 0 ]; then
  echo "load run FAILED" >&2
  exit 1
fi
echo "load run passed ($API): $requests requests in ${DURATION}s, no error, memory flat"
