#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The one "run" command: installs the Debian packages, builds everything (plugin, CLI,
# tests), installs the plugins for the current user (~/.vst3, ~/.lv2) and starts the
# Standalone app when a display is available; without one it renders the demo clip.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# The same build folder as scripts/test.sh (BUILD_DIR there), so nothing is compiled twice.
BUILD="${BUILD_DIR:-${GRADED_BUILD_DIR:-$ROOT/build}}"

"$ROOT/scripts/install-deps.sh"
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$BUILD" --parallel "${JOBS:-$(nproc)}"

ART="$BUILD/Source/Plugin/GradedCells_artefacts/Release"
mkdir -p "$HOME/.vst3" "$HOME/.lv2"
rm -rf "$HOME/.vst3/GradedCells.vst3" "$HOME/.lv2/GradedCells.lv2"
cp -r "$ART/VST3/GradedCells.vst3" "$HOME/.vst3/"
cp -r "$ART/LV2/GradedCells.lv2" "$HOME/.lv2/"
echo "run: installed $HOME/.vst3/GradedCells.vst3 and $HOME/.lv2/GradedCells.lv2"

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "run: starting $ART/Standalone/GradedCells"
  exec "$ART/Standalone/GradedCells"
fi
OUT="${GRADED_OUT_DIR:-$ROOT/out}"
mkdir -p "$OUT"
echo "run: no display; rendering the demo clip through the default patch"
"$BUILD/Source/Cli/graded-cli" render "$OUT/demo.wav" --trace "$OUT/demo.csv" --plot "$OUT/demo.png"
echo "run: output WAV: $OUT/demo.wav"
echo "run: plot:       $OUT/demo.png"
echo "run: trace:      $OUT/demo.csv"
