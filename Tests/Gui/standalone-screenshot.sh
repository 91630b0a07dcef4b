#!/usr/bin/env bash
# Runs the Standalone app under Xvfb, takes a screenshot of the whole screen with
# ImageMagick's import, and checks it is not blank (enough distinct colours and contrast).
# Usage: standalone-screenshot.sh STANDALONE_BINARY OUT.png
set -euo pipefail
app="$1"
out="$2"
for tool in Xvfb import convert; do
  command -v "$tool" >/dev/null || { echo "standalone-screenshot: $tool missing (run scripts/install-deps.sh)"; exit 1; }
done
[ -x "$app" ] || { echo "standalone-screenshot: no Standalone binary at $app"; exit 1; }
display=":$(( 90 + RANDOM % 100 ))"
home="$(mktemp -d)"
Xvfb "$display" -screen 0 1280x900x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
cleanup() { kill "$appPid" 2>/dev/null || true; kill "$xvfb" 2>/dev/null || true; rm -rf "$home"; }
appPid=""
trap cleanup EXIT
sleep 1.5
HOME="$home" DISPLAY="$display" "$app" >/dev/null 2>&1 &
appPid=$!
sleep "${SCREENSHOT_WAIT:-6}"
kill -0 "$appPid" || { echo "standalone-screenshot: the app exited early"; exit 1; }
DISPLAY="$display" import -window root "$out"
colours=$(convert "$out" -format "%k" info:)
stddev=$(convert "$out" -colorspace Gray -format "%[fx:standard_deviation]" info:)
echo "standalone-screenshot: $out: $colours colours, grey stddev $stddev"
awk -v c="$colours" -v s="$stddev" 'BEGIN { exit !(c >= 50 && s >= 0.05) }' || {
  echo "standalone-screenshot: the screenshot looks blank"; exit 1; }
