#!/usr/bin/env bash
# Installs what is missing and builds the test tree (build-test: warnings as
# errors, no benchmarks) with ccache: every target, or the targets named.
# scripts/test.sh, scripts/crash-test.sh and scripts/soak.sh build through
# it, so the tree is configured one way.
#
#   scripts/test-tree.sh [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
# The benchmarks are built by bench/run, in a tree of their own.
cmake -S . -B build-test -G Ninja -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCONSENTD_WERROR=ON \
  -DCONSENTD_BUILD_BENCHMARKS=OFF >/dev/null
if [ "$#" -eq 0 ]; then
  cmake --build build-test -j "$(nproc)"
else
  cmake --build build-test -j "$(nproc)" --target "$@"
fi
