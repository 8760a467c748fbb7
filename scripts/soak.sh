#!/usr/bin/env bash
# The soak: a real consentd under mixed load (refusals, grants, checks,
# batch checks, a list re-imported every minute, an erasure every few
# seconds) for MINUTES (default 10), printing calls, errors, RSS and open
# descriptors every 30 s. Fails on any error, or on RSS or descriptor
# growth from the first sample to the last.
#
#   scripts/soak.sh [MINUTES]
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=${1:-10}
case "$minutes" in
  *[!0-9]* | 0 | "")
    echo "usage: scripts/soak.sh [MINUTES]" >&2
    exit 2
    ;;
esac

scripts/test-tree.sh consentd_soak consentd
build-test/tests/consentd_soak --minutes "$minutes"
