#!/usr/bin/env bash
# The public API of the published crates, as users see it on docs.rs, pinned in
# tests/public_api/<crate>.txt: an item added or removed fails this check until the file is
# updated on purpose.
#
#   scripts/public_api.sh            compare, print a unified diff and fail on a difference
#   scripts/public_api.sh --update   rewrite tests/public_api/*.txt
#
# Needs a nightly toolchain (rustdoc's JSON output is unstable); scripts/public_api.py says
# which format versions it reads and what the lines mean.
set -euo pipefail
cd "$(dirname "$0")/.."

update=false
case "${1:-}" in
  "") ;;
  --update) update=true ;;
  *) echo "usage: $0 [--update]" >&2; exit 2 ;;
esac

crates=(cors-rules cors-core cors-macros cors-runtime cors-axum)
# A target directory of its own: the nightly JSON build would otherwise invalidate the
# workspace's normal (stable) builds.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/public-api"

# Every crate's JSON first: a crate's list follows its re-exports into the others'.
for crate in "${crates[@]}"; do
  # doc(hidden) items are stripped, as on docs.rs.
  cargo +nightly rustdoc --quiet -p "$crate" --lib -- -Z unstable-options --output-format json
done

status=0
mkdir -p tests/public_api
for crate in "${crates[@]}"; do
  pinned="tests/public_api/$crate.txt"
  current=$(python3 scripts/public_api.py "$CARGO_TARGET_DIR/doc" "${crate//-/_}")
  if $update; then
    printf '%s\n' "$current" >"$pinned"
  elif ! diff -u --label "$pinned (pinned)" --label "$crate (now)" "$pinned" - <<<"$current"; then
    status=1
  fi
done
if [ "$status" -ne 0 ]; then
  echo "The public API changed. If that is meant, run scripts/public_api.sh --update" \
    "and commit tests/public_api/." >&2
fi
exit "$status"
