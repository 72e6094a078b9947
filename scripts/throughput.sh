#!/usr/bin/env bash
# Loopback throughput, bounded: bench-server (release, one worker) on 127.0.0.1 and wrk
# (one thread, $CONNECTIONS connections) for $DURATION per case, cases 1-6 by default.
# On a 2-core VM these figures swing 15-40 % between passes: read them as a sanity check,
# never as a gate; instruction counts (scripts/instructions.sh) are the measure.
#
#   scripts/throughput.sh            cases 1-6
#   scripts/throughput.sh --all      cases 1-8
#   scripts/throughput.sh NAME...    the named cases (`bench-server --cases` lists them)
#
# Environment: DURATION (default 5s), CONNECTIONS (default 16), PORT (default 18081).
# About 7 s per case. Needs wrk (Debian: apt-get install -y wrk).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-16}
PORT=${PORT:-18081}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install -y wrk)" >&2; exit 1; }

cargo build --quiet --release -p cors-bench --bin bench-server
target_dir=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
server="$target_dir/release/bench-server"
work=$(mktemp -d)
server_pid=
cleanup() {
  [ -z "$server_pid" ] || kill -INT "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$server" --cases >"$work/cases"
printf '%-24s %12s %12s\n' case requests/s latency
while IFS=$'\t' read -r name number variant method _ headers; do
  case "${1:-}" in
    "") [ "$number" -le 6 ] || continue ;;
    --all) ;;
    *) wanted=no; for arg in "$@"; do [ "$arg" = "$name" ] && wanted=yes; done
       [ "$wanted" = yes ] || continue ;;
  esac
  : >"$work/server.out"
  "$server" "$variant" "$PORT" >"$work/server.out" 2>&1 </dev/null &
  server_pid=$!
  for _ in $(seq 100); do grep -q '^ready' "$work/server.out" && break; sleep 0.1; done
  METHOD=$method URLPATH=/items HEADERS=$headers \
    timeout 60 wrk -t1 -c"$CONNECTIONS" -d"$DURATION" -s scripts/count.lua \
    "http://127.0.0.1:$PORT" >"$work/wrk.out" </dev/null
  kill -INT "$server_pid"
  wait "$server_pid" || true
  server_pid=
  rate=$(awk '/^Requests\/sec:/ { print $2 }' "$work/wrk.out")
  latency=$(awk '/^ +Latency/ { print $2 }' "$work/wrk.out")
  grep -q '^non-2xx: 0$' "$work/wrk.out" || { echo "$name: error statuses" >&2; cat "$work/wrk.out" >&2; exit 1; }
  printf '%-24s %12s %12s\n' "$name" "$rate" "$latency"
done <"$work/cases"
