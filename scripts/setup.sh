#!/usr/bin/env bash
# Installs the Debian bookworm packages consentd needs to build, test and run
# (clang, libclang-rt-dev and llvm: the fuzz targets, scripts/fuzz.sh).
# Idempotent: asks apt only for what is missing, so a second run costs nothing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libsqlcipher-dev sqlcipher
  libphonenumber-dev
  libre2-dev
  libcli11-dev nlohmann-json3-dev prometheus-cpp-dev
  clang libclang-rt-dev llvm
  tzdata python3
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
