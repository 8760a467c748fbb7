#!/usr/bin/env bash
# The crash test at length: N rounds (default 100) of a real consentd under
# mixed load (refusals, grants, list imports, erasures) killed with SIGKILL
# at a random moment and restarted; after each restart every acknowledged
# write must still be there. Prints one line per round and fails on any
# loss. CI runs three rounds of the same test (ctest: CrashTest.*).
#
#   scripts/crash-test.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-100}
case "$rounds" in
  *[!0-9]* | 0 | "")
    echo "usage: scripts/crash-test.sh [ROUNDS]" >&2
    exit 2
    ;;
esac

scripts/test-tree.sh crash_test consentd
CONSENTD_CRASH_ROUNDS=$rounds build-test/tests/crash_test --gtest_brief=1
