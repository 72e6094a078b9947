#!/usr/bin/env bash
# Bounded flood of distinct hostile origins against an asynchronous function that decides
# origins (BENCHMARKS.md, "Origins the application decides"): flood-server (cors-bench,
# release, the `ours-decided-async` subject: bound `https://*`, a function that counts its
# lookups and waits $LOOKUP_DELAY_MS for each, as for a store) under two wrk runs at once,
# for $DURATION seconds:
#   - the flood: $THREADS threads, $CONNECTIONS connections, as fast as they go, every
#     request from an origin never sent before, half inside the bound, half outside it
#     (scripts/decide-flood.lua);
#   - the trickle: one connection, one request every $TRICKLE_MS ms from the tenant's
#     origin, https://app.example.com.
# Every $SAMPLE_EVERY seconds it samples the server's resident set size (VmRSS) and its
# lookup counts (GET /stats). Fails unless:
#   - the server is still running at the end, every answer is a 200, no hostile origin is
#     granted and every one of the tenant's requests is;
#   - the lookups are as documented: one per distinct origin inside the bound (those sent,
#     less at most one in flight per connection at the end), none for those outside it; and
#     for the tenant at most one per freshness period (plus the first);
#   - memory is flat: VmRSS grows by at most $RSS_GROWTH_LIMIT_KB from the 10th second to
#     the end, and never exceeds the 10th second's by more than that in between.
#
#   scripts/decide-flood.sh                  60 s, 2 flood threads, 64 connections
#   DURATION=20 scripts/decide-flood.sh      shorter
#
# Environment: DURATION (default 60), CONNECTIONS (64), THREADS (2), TRICKLE_MS (100),
# SAMPLE_EVERY (2), RSS_GROWTH_LIMIT_KB (2048), PORT (18090), and flood-server's WORKERS (1),
# LOOKUP_DELAY_MS (1), FRESH_FOR_SECS (the runtime's default, 30); SAMPLES_OUT=FILE keeps
# every sample. Needs wrk (Debian:
# apt-get install -y wrk). Requests per second are printed, never checked: on a small
# machine wrk and the server share the cores.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-60}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
TRICKLE_MS=${TRICKLE_MS:-100}
SAMPLE_EVERY=${SAMPLE_EVERY:-2}
RSS_GROWTH_LIMIT_KB=${RSS_GROWTH_LIMIT_KB:-2048}
PORT=${PORT:-18090}
TENANT=https://app.example.com
[ "$DURATION" -gt 12 ] || { echo "DURATION must be more than 12 seconds" >&2; exit 1; }
command -v wrk >/dev/null || { echo "needs wrk (apt-get install -y wrk)" >&2; exit 1; }

cargo build --quiet --release -p cors-bench --bin flood-server
target_dir=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

work=$(mktemp -d)
server_pid=
sampler_pid=
trickle_pid=
cleanup() {
  for pid in "$sampler_pid" "$trickle_pid" "$server_pid"; do
    [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

"$target_dir/release/flood-server" "$PORT" >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
deadline=$((SECONDS + 30))
until grep -q '^ready' "$work/server.out"; do
  kill -0 "$server_pid" 2>/dev/null || { echo "the server exited:" >&2; cat "$work/server.err" >&2; exit 1; }
  [ "$SECONDS" -lt "$deadline" ] || { echo "the server did not start in 30 s" >&2; exit 1; }
  sleep 0.1
done
fresh_for=$(sed -n 's/.*answers kept \([0-9.]*\) s$/\1/p' "$work/server.out")
[ -n "$fresh_for" ] || { echo "cannot read the freshness period:" >&2; cat "$work/server.out" >&2; exit 1; }

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status"; }
# The server's lookup counts, "LOOKUPS TENANT_LOOKUPS", over a connection of their own.
stats() {
  local reply
  exec 3<>"/dev/tcp/127.0.0.1/$PORT" || return 1
  printf 'GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
  reply=$(cat <&3)
  exec 3<&-
  awk '/^lookups / { l = $2 } /^tenant_lookups / { t = $2 } END { print l, t }' \
    <<<"${reply//$'\r'/}"
}

# "<milliseconds since the start> <VmRSS in KiB> <lookups> <tenant lookups>"
start_ns=$(date +%s%N)
(
  while kill -0 "$server_pid" 2>/dev/null; do
    echo "$((($(date +%s%N) - start_ns) / 1000000)) $(rss_kb) $(stats || echo - -)"
    sleep "$SAMPLE_EVERY"
  done
) >"$work/samples" &
sampler_pid=$!

echo "flood: ${DURATION}s, $THREADS threads, $CONNECTIONS connections, and one request every" \
  "${TRICKLE_MS} ms from $TENANT, against 127.0.0.1:$PORT (pid $server_pid; $(sed -n 1p "$work/server.out"))"
TENANT=$TENANT TRICKLE_MS=$TRICKLE_MS \
  wrk -t1 -c1 -d"${DURATION}s" --timeout 5s -s scripts/decide-flood.lua "http://127.0.0.1:$PORT" \
  >"$work/trickle.out" 2>&1 &
trickle_pid=$!
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 5s -s scripts/decide-flood.lua \
  "http://127.0.0.1:$PORT" >"$work/flood.out" 2>&1 || { cat "$work/flood.out" >&2; echo "wrk failed" >&2; exit 1; }
wait "$trickle_pid" || { cat "$work/trickle.out" >&2; echo "the trickle's wrk failed" >&2; exit 1; }
trickle_pid=

kill -0 "$server_pid" 2>/dev/null || { echo "the server died under the flood:" >&2; cat "$work/server.err" >&2; exit 1; }
end_ms=$((($(date +%s%N) - start_ns) / 1000000))
echo "$end_ms $(rss_kb) $(stats)" >>"$work/samples"
kill "$sampler_pid" 2>/dev/null || true
wait "$sampler_pid" 2>/dev/null || true
sampler_pid=
kill -INT "$server_pid"
wait "$server_pid" || true
server_pid=

echo "--- flood"
cat "$work/flood.out"
echo "--- trickle"
cat "$work/trickle.out"
echo "--- server"
cat "$work/server.out"

value() { sed -n "s/^$2: //p" "$work/$1.out"; }
read -r lookups tenant_lookups < <(sed -n 's/^lookups //p; s/^tenant_lookups //p' "$work/server.out" | paste -sd' ')
inside=$(value flood inside)
outside=$(value flood outside)
flood_errors=$(value flood socket_errors)
hostile_lookups=$((lookups - tenant_lookups))
failed=0
fail() { echo "FAIL: $*" >&2; failed=1; }
[ "$(value flood bad_status)" = 0 ] || fail "flood answers other than 200: $(value flood bad_status)"
[ "$(value trickle bad_status)" = 0 ] || fail "tenant answers other than 200: $(value trickle bad_status)"
[ "$(value flood granted)" = 0 ] || fail "hostile origins granted: $(value flood granted)"
[ "$(value trickle refused)" = 0 ] || fail "tenant requests not granted: $(value trickle refused)"
[ "$(value trickle granted)" -gt 0 ] || fail "no tenant request answered"
grep -q panicked "$work/server.err" && fail "the server panicked: $(cat "$work/server.err")"
# One lookup per distinct origin inside the bound; at the end, at most one request per
# connection (and one per socket error) was sent without its answer, maybe before its lookup.
slack=$((CONNECTIONS + flood_errors))
echo "lookups: $lookups in all; $hostile_lookups for $inside distinct origins sent inside the" \
  "bound (expected $((inside - slack))..$inside) and $outside outside it (expected none);" \
  "$tenant_lookups for the tenant in ${DURATION} s, answers kept ${fresh_for} s"
[ "$hostile_lookups" -le "$inside" ] || fail "more lookups than origins inside the bound: origins outside it were looked up, or one origin twice"
[ "$hostile_lookups" -ge $((inside - slack)) ] || fail "fewer lookups than origins inside the bound"
tenant_most=$(awk -v d="$DURATION" -v f="$fresh_for" 'BEGIN { printf "%d", d / f + 1 }')
[ "$tenant_lookups" -ge 1 ] && [ "$tenant_lookups" -le "$tenant_most" ] ||
  fail "the tenant was looked up $tenant_lookups times (at most $tenant_most: its grant was not kept)"

# Samples every 10 s, then the memory verdict from the 10th second to the end.
awk -v limit="$RSS_GROWTH_LIMIT_KB" '
  { t[NR] = $1 / 1000; kb[NR] = $2; l[NR] = $3; tl[NR] = $4 }
  END {
    for (i = 1; i <= NR; i++) if (t[i] >= 10) { first = i; break }
    if (!first) { print "FAIL: no sample after 10 s"; exit 1 }
    max = kb[first]
    for (i = first; i <= NR; i++) if (kb[i] > max) max = kb[i]
    print "samples (seconds, VmRSS KiB, lookups, tenant lookups):"
    next_mark = 0
    for (i = 1; i <= NR; i++) if (t[i] >= next_mark || i == NR) {
      printf "  %5.1f s %8d KiB %9s %3s\n", t[i], kb[i], l[i], tl[i]
      next_mark = int(t[i] / 10) * 10 + 10
    }
    printf "rss: %d KiB at %.1f s, %d KiB at the end (%.1f s), max %d KiB in between; growth %+d KiB (limit %d)\n",
      kb[first], t[first], kb[NR], t[NR], max, kb[NR] - kb[first], limit
    if (kb[NR] - kb[first] > limit || max - kb[first] > limit) { print "FAIL: memory is not flat"; exit 1 }
  }' "$work/samples" || failed=1
if [ -n "${SAMPLES_OUT:-}" ]; then cp "$work/samples" "$SAMPLES_OUT"; fi

if [ "$failed" != 0 ]; then
  echo "flood run FAILED" >&2
  exit 1
fi
echo "flood run passed: $(value flood requests_per_second) requests/s for ${DURATION}s," \
  "lookups as documented, the tenant granted throughout, memory flat"
