#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Loads GradedCells in Ardour 7, headless (ardour7-lua, "None (Dummy)" backend), feeds the
# dummy backend's "Sine Wave" input through an audio track with the plugin on it, and
# checks that the plugin changes the track's output level (plugin active vs deactivated).
#
# usage: scripts/ardour-test.sh [--lv2 BUNDLE_DIR] [--vst3 BUNDLE_DIR]
# Exit: 0 pass, 1 fail, 77 skipped (Ardour not installed).
set -uo pipefail

LV2_BUNDLE="" VST3_BUNDLE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --lv2) LV2_BUNDLE="$2"; shift 2 ;;
    --vst3) VST3_BUNDLE="$2"; shift 2 ;;
    *) echo "ardour-test: unknown argument $1" >&2; exit 2 ;;
  esac
done
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ART="${BUILD_DIR:-$ROOT/build}/Source/Plugin/GradedCells_artefacts/Release"
[ -n "$LV2_BUNDLE" ] || LV2_BUNDLE="$ART/LV2/GradedCells.lv2"
[ -n "$VST3_BUNDLE" ] || VST3_BUNDLE="$ART/VST3/GradedCells.vst3"

LUA="$(command -v ardour7-lua || true)"
if [ -z "$LUA" ]; then
  echo "ardour-test: SKIPPED: ardour7-lua not found (install the 'ardour' package: scripts/install-deps.sh)"
  exit 77
fi
URI="https://gradedcells.org/plugins/gradedcells"
WORK="$(mktemp -d /tmp/graded-ardour.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
export HOME="$WORK/home"            # a fresh Ardour configuration, no user settings
mkdir -p "$HOME/.vst3" "$WORK/lv2"
status=0

run_format() {  # $1 = LV2|VST3, $2 = plugin id for LuaAPI.new_plugin
  local fmt="$1" id="$2"
  cat > "$WORK/test-$fmt.lua" <<LUA
local backend = AudioEngine:set_backend("None (Dummy)", "", "")
assert(backend, "no dummy backend")
backend:set_device_name("Sine Wave")
backend:set_sample_rate(48000)
backend:set_buffer_size(256)
assert(AudioEngine:start(false) == 0, "engine did not start")
local s = create_session("$WORK/session-$fmt", "graded", 48000)
assert(s, "no session")
local tracks = s:new_audio_track(1, 1, nil, 1, "in", ARDOUR.PresentationInfo.max_order, ARDOUR.TrackMode.Normal, true, false)
local t = tracks:front()
t:monitoring_control():set_value(ARDOUR.MonitorChoice.MonitorInput, PBD.GroupControlDisposition.NoGroup)
t:input():disconnect_all(nil)
t:input():audio(0):connect("system:capture_1")
local function level()
  ARDOUR.LuaAPI.usleep(1500000)
  t:peak_meter():reset_max()
  ARDOUR.LuaAPI.usleep(1000000)
  return t:peak_meter():meter_level(0, ARDOUR.MeterType.MeterPeak)
end
local dry = level()
local p = ARDOUR.LuaAPI.new_plugin(s, "$id", ARDOUR.PluginType.$fmt, "")
assert(not p:isnil(), "ardour could not instantiate the $fmt plugin")
assert(t:add_processor_by_index(p, 0, nil, true) == 0, "add_processor failed")
p:activate()
local wet = level()
print(string.format("GRADED $fmt plugin=%s dry_peak_db=%.2f wet_peak_db=%.2f", p:name(), dry, wet))
p:deactivate()
local bypassed = level()
print(string.format("GRADED $fmt bypassed_peak_db=%.2f", bypassed))
s:save_state("", false, false, false, false, false)
close_session()
AudioEngine:stop(false)
LUA
  local log="$WORK/ardour-$fmt.log"
  timeout 180 "$LUA" "$WORK/test-$fmt.lua" > "$log" 2>&1
  local rc=$?
  grep "^GRADED" "$log" || true
  local line; line="$(grep "^GRADED $fmt plugin=" "$log" || true)"
  if [ $rc -ne 0 ] || [ -z "$line" ]; then
    echo "ardour-test: $fmt FAILED (ardour7-lua exit $rc); log tail:"; tail -25 "$log"
    status=1; return
  fi
  local dry wet
  dry="$(sed -E 's/.*dry_peak_db=([-0-9.inf]+).*/\1/' <<<"$line")"
  wet="$(sed -E 's/.*wet_peak_db=([-0-9.inf]+).*/\1/' <<<"$line")"
  # The default patch (Predictive EQ) says "a held note or a steady hum fades away within a
  # second or two": after 2.5 s of a steady sine the output peak must be >= 3 dB below the
  # dry input's.
  if awk -v d="$dry" -v w="$wet" 'BEGIN { exit !(d > -60 && w < d - 3) }'; then
    echo "ardour-test: $fmt PASS (dry $dry dB, with plugin $wet dB)"
  else
    echo "ardour-test: $fmt FAILED: output ($wet dB) not >= 3 dB below the steady input ($dry dB)"
    status=1
  fi
}

if [ -d "$LV2_BUNDLE" ]; then
  ln -s "$(cd "$LV2_BUNDLE" && pwd)" "$WORK/lv2/GradedCells.lv2"
  export LV2_PATH="$WORK/lv2"
  run_format LV2 "$URI"
else
  echo "ardour-test: no LV2 bundle at $LV2_BUNDLE"; status=1
fi

if [ -d "$VST3_BUNDLE" ]; then
  ln -s "$(cd "$VST3_BUNDLE" && pwd)" "$HOME/.vst3/GradedCells.vst3"
  SCANNER=/usr/lib/ardour7/ardour-vst3-scanner
  if [ -x "$SCANNER" ]; then
    LD_LIBRARY_PATH=/usr/lib/ardour7${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} timeout 60 "$SCANNER" -f "$HOME/.vst3/GradedCells.vst3" > "$WORK/vst3-scan.log" 2>&1 \
      || { echo "ardour-test: VST3 scanner failed:"; tail -20 "$WORK/vst3-scan.log"; }
  fi
  # Ardour identifies VST3 plugins by their class id (from the scanner's .v3i cache).
  V3I="$(find "$HOME" -name '*.v3i' 2>/dev/null | head -1)"
  UID_="$( [ -n "$V3I" ] && sed -nE 's/.*uid="([0-9A-Fa-f]+)".*/\1/p' "$V3I" | head -1)"
  if [ -n "$UID_" ]; then
    run_format VST3 "$UID_"
  else
    echo "ardour-test: VST3 FAILED: the scanner wrote no plugin id (log: $(tail -5 "$WORK/vst3-scan.log" | tr '\n' ' '))"
    status=1
  fi
else
  echo "ardour-test: no VST3 bundle at $VST3_BUNDLE"; status=1
fi
exit $status
