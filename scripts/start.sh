#!/usr/bin/env bash
# Installs what is missing, builds consentd and consentctl, and starts
# consentd in development mode (--dev): ./consentd-data, a development
# keyring generated there on first start, the shipped policy, plain text on
# 127.0.0.1:50051 where every local caller has every role. Never for
# production: see docs/security.md.
# Extra arguments go to consentd (e.g. --listen 127.0.0.1:6000).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCONSENTD_BUILD_TESTS=OFF -DCONSENTD_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build --target consentd consentctl
exec build/service/consentd --dev "$@"
