#!/usr/bin/env bash
# Installs what is missing, builds everything with warnings as errors, and
# runs the whole test suite (unit, integration against a real consentd on
# loopback, scenario), then a short smoke of every fuzz target. Uses
# separate build trees so it never disturbs the one scripts/start.sh runs
# from.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/test-tree.sh
ctest --test-dir build-test --output-on-failure -j "$(nproc)" --timeout 300
scripts/fuzz.sh --smoke
