#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ (clang, ASan + UBSan) and runs each
# for SECONDS (default 60), starting from its seed corpus in
# fuzz/corpus/<target>/. The corpus is copied to a temporary directory, so
# the committed seeds never grow. Prints one line per target and exits 1
# when any target finds a crash, a sanitizer report, a failed invariant or
# a hang; the input that did it is kept under build-fuzz/artifacts/.
#
#   scripts/fuzz.sh [SECONDS]   fuzz each target for SECONDS
#   scripts/fuzz.sh --smoke     a CI smoke: 5 seconds per target (the
#                               RPC-handler target with FUZZ_RPC=1 only)
#
# FUZZ_JOBS sets the build's parallelism (default: every core).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
case "${1:-}" in
  --smoke) seconds=5 ;;
  "") ;;
  *[!0-9]* | 0)
    echo "usage: scripts/fuzz.sh [--smoke | SECONDS]" >&2
    exit 2
    ;;
  *) seconds=$1 ;;
esac

targets=(
  identifier_normaliser_fuzzer
  e164_validator_fuzzer
  policy_model_fuzzer
  keyring_fuzzer
  csv_reader_fuzzer
)
# The RPC-handler target needs the whole service built with clang and the
# sanitizers, minutes on a cold CI machine: the smoke leaves it out unless
# FUZZ_RPC=1 (the test suite replays its corpus with the main build,
# RpcHandlersCorpusReplay); a fuzzing run always has it.
if [ "${1:-}" != --smoke ] || [ "${FUZZ_RPC:-0}" = 1 ]; then
  targets+=(rpc_handlers_fuzzer)
fi

scripts/setup.sh
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
cmake -S fuzz -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  >/dev/null
if ! cmake --build build-fuzz -j "${FUZZ_JOBS:-$(nproc)}" \
  --target "${targets[@]}" >build-fuzz/build.log 2>&1; then
  tail -n 40 build-fuzz/build.log
  echo "fuzz: build FAILED; log build-fuzz/build.log"
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
artifacts=build-fuzz/artifacts
symbolizer=$(command -v llvm-symbolizer || true)
export ASAN_OPTIONS="detect_leaks=1${symbolizer:+:external_symbolizer_path=$symbolizer}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${symbolizer:+:external_symbolizer_path=$symbolizer}"
# The keyring target writes its files here, removed with the rest.
export TMPDIR="$work"

failed=0
for target in "${targets[@]}"; do
  corpus="$work/$target"
  mkdir -p "$corpus" "$artifacts/$target"
  cp fuzz/corpus/"$target"/* "$corpus"/
  options=(-max_total_time="$seconds" -timeout=10 -print_final_stats=1
    -artifact_prefix="$artifacts/$target/")
  dict=fuzz/dict/${target%_fuzzer}.dict
  if [ -f "$dict" ]; then options+=(-dict="$dict"); fi
  # Past the 4 KiB a keyring may have, to reach "too large".
  if [ "$target" = keyring_fuzzer ]; then options+=(-max_len=8192); fi
  log="$artifacts/$target/last-run.log"
  if build-fuzz/"$target" "${options[@]}" "$corpus" </dev/null >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "fuzz: $target ok: ${seconds}s, ${runs:-?} runs," \
      "corpus $(ls fuzz/corpus/"$target" | wc -l) -> $(ls "$corpus" | wc -l)"
  else
    failed=1
    saved=$(sed -n 's/.*Test unit written to //p' "$log" | tail -1)
    echo "fuzz: $target FAILED: ${saved:-see log}; log $log"
    grep -E 'invariant failed|ERROR: |SUMMARY: |runtime error' "$log" |
      head -5 | sed 's/^/fuzz:   /'
  fi
done
exit "$failed"
