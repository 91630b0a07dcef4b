#!/usr/bin/env bash
# Before/after examples of every factory patch on real material, for the README:
# Resources/Examples/<patch>-in.ogg, <patch>-out.ogg (short Ogg Vorbis excerpts) and
# <patch>.png (the input's spectrogram above the output's). The material is rendered here
# from Debian packages (fluidsynth + fluid-soundfont-gm, espeak-ng) by
# Tests/RealMaterial/make_material.py; the patches run through build/'s graded-cli.
#   bash scripts/make-readme-media.sh [BUILD_DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${1:-$ROOT/build}"
CLI="$BUILD/Source/Cli/graded-cli"
OUT="$ROOT/Resources/Examples"
WORK="$BUILD/readme-media"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
bash "$ROOT/scripts/install-deps.sh"
[ -x "$CLI" ] || cmake --build "$BUILD" --target graded-cli
mkdir -p "$OUT" "$WORK"
"$PY" "$ROOT/Tests/RealMaterial/make_material.py" "$WORK/material" >/dev/null

# The reward for Reward-Gated EQ: a loud note (reward +1) held from 1.0 to 2.5 s, then a low
# note (reward -0.8) from 4.0 to 4.5 s.
"$PY" - "$WORK/reward.mid" "$ROOT/Tests/RealMaterial" <<'PYEOF'
import sys
sys.path.insert(0, sys.argv[2])
import make_material as m
ev = m.note(0, 72, 127, 1000, 2500) + m.note(0, 48, 102, 4000, 4500)
open(sys.argv[1], "wb").write(m.smf_type0(ev, 6600))
PYEOF

render() { # slug patch material [extra args...]
  local slug="$1" patch="$2" material="$3"; shift 3
  local in="$WORK/material/$material.wav" out="$WORK/$slug-out.wav"
  "$CLI" render --patch "$patch" "$in" "$out" "$@" 2>&1 | tail -1
  sox -q "$in" -C 4 "$OUT/$slug-in.ogg"
  sox -q "$out" -C 4 "$OUT/$slug-out.ogg"
  sox -q "$in" -n remix 1 spectrogram -x 900 -y 240 -z 100 -t "$patch: input ($material)" -o "$WORK/$slug-in.png"
  sox -q "$out" -n remix 1 spectrogram -x 900 -y 240 -z 100 -t "$patch: output" -o "$WORK/$slug-out.png"
  convert "$WORK/$slug-in.png" "$WORK/$slug-out.png" -append "$OUT/$slug.png"
}
render predictive-eq "Predictive EQ" pad_speech
render reward-gated-eq "Reward-Gated EQ" organ --midi "$WORK/reward.mid"
render noise-texture "Noise Texture" speech
render onset-gate "Onset Gate" piano
render robust-leveler "Robust Leveler" levelstep
render timbre-learner "Timbre Learner" organ
ls -la "$OUT"
