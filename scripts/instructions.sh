#!/usr/bin/env bash
# Instructions per request, end to end: bench-server (one worker) under
# `valgrind --tool=cachegrind --cache-sim=no`, exactly $REQUESTS requests from wrk over one
# loopback connection, stopped with SIGINT; minus a start/stop-only run of the same variant;
# divided by $REQUESTS. Repeats agree to better than 0.01 %.
#
#   scripts/instructions.sh            cases 1-6 (the cases of the targets)
#   scripts/instructions.sh --all      cases 1-10 (adds the origin-set scaling cases, 7, the
#                                      application layer's, 8: `ours-layer-*` beside
#                                      `ours-*`, and a GET without Origin for both,
#                                      configured origins, 9: `ours-configured-*`, 1 and
#                                      10,000 origins, and origins the application decides,
#                                      10: `ours-decided-*`, a synchronous function, and
#                                      `ours-decided-async-*`, an asynchronous one whose
#                                      answers the server keeps from a warm-up request sent
#                                      before `ready`, in the subtracted run too)
#                                      and the axum adapter's, 11: `axum-*`, served by
#                                      bench-server-axum (a current-thread tokio runtime):
#                                      `#[cors]` with `routes!`, bare axum, the hand-written
#                                      floor and tower-http's CorsLayer
#   scripts/instructions.sh NAME...    the named cases (`bench-server --cases` and
#                                      `bench-server-axum --cases` list them)
#   IN_PROCESS=1 scripts/instructions.sh [...]
#                                      the same cases in process, as the in-process benches
#                                      run them (no socket, no HTTP/1 codec): a run sending
#                                      $REQUESTS requests through the app's service minus a
#                                      run only building them, divided by $REQUESTS
#
# Environment: REQUESTS (default 20000), PORT (default 18080). Needs valgrind and wrk
# (Debian: apt-get install -y valgrind wrk). Takes about 10 s per case at 20,000 requests.
# With CALLGRIND_DIR=DIR, each case runs under `valgrind --tool=callgrind` instead and leaves
# DIR/callgrind.out.CASE for `callgrind_annotate --inclusive=yes` (no subtraction, no table).
# With ALLOCS=1, the server is built with `--features count-allocs` and runs without
# valgrind: the figures are heap allocations per request, end to end, the same way.
set -euo pipefail
cd "$(dirname "$0")/.."

REQUESTS=${REQUESTS:-20000}
PORT=${PORT:-18080}
for tool in valgrind wrk; do
  command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install -y $tool)" >&2; exit 1; }
done

features=()
[ -z "${ALLOCS:-}" ] || features=(--features count-allocs)
cargo build --quiet --release -p cors-bench --bin bench-server --bin bench-server-axum \
  "${features[@]}"
target_dir=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Cases: server, name, number, variant, method, status, headers (the server first: the
# headers may be empty, and tab-separated empty fields do not survive `read`).
for server in bench-server bench-server-axum; do
  "$target_dir/release/$server" --cases | sed "s/^/$server\t/"
done >"$work/cases"
selected=()
while IFS=$'\t' read -r _ name number _; do
  case "${1:-}" in
    "") [ "$number" -le 6 ] && selected+=("$name") ;;
    --all) selected+=("$name") ;;
    *) for wanted in "$@"; do [ "$wanted" = "$name" ] && selected+=("$name"); done ;;
  esac
done <"$work/cases"
[ "${#selected[@]}" -gt 0 ] || { echo "no such case: $*" >&2; exit 1; }

wait_for_file() { # FILE PATTERN SECONDS
  local deadline=$((SECONDS + $3))
  until grep -q "$2" "$1" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || { echo "timed out waiting for $2 in $1" >&2; return 1; }
    sleep 0.1
  done
}

# measure VARIANT METHOD HEADERS COUNT NAME: prints the total instructions of $server.
measure() {
  local variant=$1 method=$2 headers=$3 count=$4
  rm -f "$work/server.out" "$work/valgrind.err" "$work/marker" "$work/wrk.out"
  : >"$work/server.out"
  local tool=(--tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null)
  if [ -n "${CALLGRIND_DIR:-}" ]; then
    tool=(--tool=callgrind "--callgrind-out-file=$CALLGRIND_DIR/callgrind.out.$5")
  fi
  local runner=(valgrind "${tool[@]}")
  [ -z "${ALLOCS:-}" ] || runner=()
  "${runner[@]}" "$server" "$variant" "$PORT" >"$work/server.out" 2>"$work/valgrind.err" &
  local server_pid=$!
  wait_for_file "$work/server.out" '^ready' 60
  sleep 1 # let the worker start: its start-up belongs to both runs alike
  if [ "$count" -gt 0 ]; then
    REQUESTS=$count MARKER="$work/marker" METHOD=$method URLPATH=/items HEADERS=$headers \
      wrk -t1 -c1 -d600s -s scripts/count.lua "http://127.0.0.1:$PORT" >"$work/wrk.out" &
    local wrk_pid=$!
    until [ -e "$work/marker" ]; do
      kill -0 "$wrk_pid" 2>/dev/null || { cat "$work/wrk.out" >&2; return 1; }
      sleep 0.1
    done
    kill -INT "$wrk_pid"
    wait "$wrk_pid" || true
    grep -q "^requests: $count\$" "$work/wrk.out" ||
      { echo "wrk did not send exactly $count requests:" >&2; cat "$work/wrk.out" >&2; return 1; }
    grep -q '^non-2xx: 0$' "$work/wrk.out" || { echo "error statuses:" >&2; cat "$work/wrk.out" >&2; return 1; }
  fi
  kill -INT "$server_pid"
  wait "$server_pid" || true
  if [ -n "${ALLOCS:-}" ]; then
    sed -n 's/^allocations: \([0-9]*\).*/\1/p' "$work/valgrind.err"
  else
    sed -n 's/.*I *refs: *\([0-9,]*\).*/\1/p' "$work/valgrind.err" | tr -d ,
  fi
}

declare -A idle
declare -A per_request
unit=instr/req
[ -z "${ALLOCS:-}" ] || unit=allocs/req
[ -n "${CALLGRIND_DIR:-}" ] || printf '%-30s %12s\n' case "$unit"
for name in "${selected[@]}"; do
  IFS=$'\t' read -r server _ _ variant method _ headers < <(grep -P "^[^\t]*\t\Q$name\E\t" "$work/cases")
  server="$target_dir/release/$server"
  if [ -n "${IN_PROCESS:-}" ]; then
    count() {
      valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
        "$server" --in-process "$name" "$REQUESTS" "$@" 2>&1 >/dev/null |
        sed -n 's/.*I *refs: *\([0-9,]*\).*/\1/p' | tr -d ,
    }
    calls=$(count)
    built=$(count build-only)
    per_request[$name]=$(awk -v t="$calls" -v i="$built" -v n="$REQUESTS" \
      'BEGIN { printf "%.0f", (t - i) / n }')
    printf '%-30s %12s\n' "$name" "${per_request[$name]}"
    continue
  fi
  if [ -n "${CALLGRIND_DIR:-}" ]; then
    mkdir -p "$CALLGRIND_DIR"
    measure "$variant" "$method" "$headers" "$REQUESTS" "$name" >/dev/null
    echo "$name: $CALLGRIND_DIR/callgrind.out.$name"
    continue
  fi
  # Variant names are distinct across the two servers.
  if [ -z "${idle[$variant]:-}" ]; then
    idle[$variant]=$(measure "$variant" GET "" 0 idle)
  fi
  total=$(measure "$variant" "$method" "$headers" "$REQUESTS" "$name")
  per_request[$name]=$(awk -v t="$total" -v i="${idle[$variant]}" -v n="$REQUESTS" \
    -v digits="${ALLOCS:+2}" 'BEGIN { printf "%." (digits ? digits : 0) "f", (t - i) / n }')
  printf '%-30s %12s\n' "$name" "${per_request[$name]}"
done

[ -z "${CALLGRIND_DIR:-}" ] || exit 0

ratio() { # NAME OVER LABEL
  if [ -n "${per_request[$1]:-}" ] && [ -n "${per_request[$2]:-}" ]; then
    awk -v a="${per_request[$1]}" -v b="${per_request[$2]}" -v label="$3" \
      'BEGIN { printf "%-60s %6.3fx\n", label, a / b }'
  fi
}
echo
[ -z "${ALLOCS:-}" ] || exit 0
if [ -n "${IN_PROCESS:-}" ]; then
  echo "ratios, in process ($REQUESTS requests per case, request building subtracted)"
else
  echo "ratios ($REQUESTS requests per case, start/stop run subtracted)"
fi
ratio floor bare "floor / bare"
ratio floor-wrapped floor "floor behind a pass-through middleware / floor"
ratio ours-get floor "ours allowed GET / floor  (<= 1.03 e2e, 1.08 in process)"
ratio ours-get actix-cors-get "ours allowed GET / actix-cors GET (<= 0.90 in process)"
ratio actix-cors-get bare "actix-cors GET / bare"
ratio ours-preflight actix-cors-preflight "ours preflight / actix-cors preflight (<= 0.75)"
ratio ours-preflight floor-preflight "ours preflight / floor preflight"
ratio floor-preflight actix-cors-preflight "floor preflight / actix-cors preflight"
ratio ours-preflight bare "ours preflight / bare GET"
ratio ours-disallowed bare-disallowed "ours disallowed / bare                (<= 1.03)"
ratio ours-disallowed floor-disallowed "ours disallowed / floor (bare + Vary)"
ratio floor-disallowed bare-disallowed "floor (bare + Vary) / bare"
ratio actix-cors-disallowed bare-disallowed "actix-cors disallowed / bare"
ratio ours-1000-last ours-1-last "1,000 origins / 1 origin, last     (<= 1.05)"
ratio ours-1000-miss ours-1-miss "1,000 origins / 1 origin, miss     (<= 1.05)"
ratio ours-100-last ours-1-last "100 origins / 1 origin, last"
ratio ours-layer-get ours-get "layer: allowed GET / ours allowed GET"
ratio ours-layer-preflight ours-preflight "layer: preflight / ours preflight"
ratio ours-layer-disallowed ours-disallowed "layer: disallowed / ours disallowed"
ratio ours-layer-no-origin ours-no-origin "layer: GET without Origin / ours"
ratio ours-configured-get ours-get "configured: allowed GET / literal      (<= 1.02)"
ratio ours-configured-preflight ours-preflight "configured: preflight / literal"
ratio ours-configured-disallowed ours-disallowed "configured: disallowed / literal"
ratio ours-configured-10000-get ours-configured-get "10,000 configured / 1, allowed GET   (<= 1.05)"
ratio ours-configured-10000-disallowed ours-configured-disallowed "10,000 configured / 1, disallowed   (<= 1.05)"
ratio ours-decided-get ours-get "decided, sync: allowed GET / literal (<= 1.02)"
ratio ours-decided-preflight ours-preflight "decided, sync: preflight / literal"
ratio ours-decided-disallowed ours-disallowed "decided, sync: disallowed / literal"
ratio ours-decided-async-get ours-get "decided, async, kept: allowed GET / literal (<= 1.05)"
ratio ours-decided-async-preflight ours-preflight "decided, async, kept: preflight / literal"
ratio ours-decided-async-disallowed ours-disallowed "decided, async, kept: disallowed / literal"
ratio axum-floor-get axum-bare-get "axum: floor GET / bare GET"
ratio axum-ours-get axum-floor-get "axum: ours allowed GET / floor        (<= 1.02)"
ratio axum-ours-get axum-tower-http-get "axum: ours allowed GET / tower-http   (< 1)"
ratio axum-ours-preflight axum-floor-preflight "axum: ours preflight / floor          (<= 1.02)"
ratio axum-ours-preflight axum-tower-http-preflight "axum: ours preflight / tower-http     (< 1)"
ratio axum-ours-disallowed axum-floor-disallowed "axum: ours disallowed / floor         (<= 1.02)"
ratio axum-ours-disallowed axum-tower-http-disallowed "axum: ours disallowed / tower-http    (< 1)"
ratio axum-ours-disallowed axum-bare-disallowed "axum: ours disallowed / bare"
ratio axum-ours-1000-last axum-floor-1000-last "axum: 1,000 origins, ours / floor     (<= 1.02)"
ratio axum-ours-1000-last axum-tower-http-1000-last "axum: 1,000 origins, ours / tower-http (< 1)"
ratio axum-ours-1000-preflight axum-floor-1000-preflight "axum: 1,000 origins preflight, ours / floor"
ratio axum-ours-1000-preflight axum-tower-http-1000-preflight "axum: 1,000 origins preflight, ours / tower-http"
ratio axum-ours-1000-last axum-ours-get "axum: ours, 1,000 origins / 1 origin"
