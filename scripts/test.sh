#!/usr/bin/env bash
# Sets up and runs every test: installs the Debian packages, configures and builds
# everything (cells, engine, plugin, CLI, benchmarks), then runs ctest.
# Usage: scripts/test.sh [extra ctest args]       (BUILD_DIR=... to choose the build folder)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
bash scripts/install-deps.sh
BUILD_DIR="${BUILD_DIR:-build}"
JOBS="${JOBS:-$(nproc)}"
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$BUILD_DIR" --parallel "$JOBS"
cd "$BUILD_DIR"
ctest --output-on-failure --timeout 1200 "$@"
