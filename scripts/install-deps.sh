#!/usr/bin/env bash
# Installs every Debian package the build, the tests and the benchmarks use.
# Safe to run repeatedly; needs root (or sudo).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

PKGS=(
  # toolchain
  build-essential cmake pkg-config ninja-build
  # sanitizer + fuzzing phase of scripts/test.sh: clang 14, its ASan/UBSan/libFuzzer
  # runtimes, llvm-symbolizer (readable sanitizer stacks)
  clang libclang-rt-14-dev llvm
  # libraries
  juce-modules-source juce-tools libeigen3-dev catch2 libbenchmark-dev nlohmann-json3-dev
  # JUCE's Linux dependencies (audio, MIDI, fonts, X11, OpenGL, codecs)
  libasound2-dev libjack-jackd2-dev libfreetype-dev libfontconfig1-dev
  libx11-dev libxcomposite-dev libxcursor-dev libxext-dev libxinerama-dev
  libxrandr-dev libxrender-dev libgl-dev libflac-dev libvorbis-dev libogg-dev
  # headless GUI tests and screenshots
  xvfb xauth imagemagick
  # scripts/make-readme-media.sh: Ogg excerpts and spectrograms of the README examples
  sox libsox-fmt-base
  # a real DAW for scripts/ardour-test.sh (ctest -L daw), LV2 tools
  ardour lilv-utils
  # the LV2 bundle's post-build TTL fix-up (scripts/fix-lv2-ttl.py)
  python3
  # the synapse .npz interop test (core_tests [numpy]): NumPy reads ours, we read NumPy's
  python3-numpy
  # plugin validators (ctest -L validators, scripts/validate-plugins.sh): lv2lint's runtime
  # libraries, the LV2 specification bundles (/usr/lib/lv2/*.lv2: lv2lint looks up class
  # labels there), xprop to prepare the bare Xvfb display
  liblilv-0-0 libelf1 lv2-dev x11-utils
  # real-material checks (ctest -L real, Tests/RealMaterial): General MIDI instruments
  # rendered by fluidsynth with the FluidR3_GM soundfont, speech by espeak-ng
  fluidsynth fluid-soundfont-gm espeak-ng
  # OSC end-to-end test (ctest -R osc): a real OSC sender/receiver (oscsend, oscdump)
  liblo-tools
)

if [ "${GRADED_SKIP_APT:-0}" = "1" ]; then exit 0; fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
