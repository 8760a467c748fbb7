#!/usr/bin/env bash
# Installs what is missing, builds everything with warnings as errors, and
# runs the whole test suite (unit, integration against a real consentd on
# loopback, scenario), then a short smoke of every fuzz target. Uses
# separate build trees so it never disturbs the one scripts/start.sh runs
# from.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
jobs=$(nproc)
# The benchmarks are built by bench/run, in a tree of their own.
cmake -S . -B build-test -G Ninja -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCONSENTD_WERROR=ON -DCONSENTD_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build-test -j "$jobs"
ctest --test-dir build-test --output-on-failure -j "$jobs" --timeout 300
scripts/fuzz.sh --smoke
