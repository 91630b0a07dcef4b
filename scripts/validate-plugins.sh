#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs the third-party plugin validators on the BUILT bundles (ctest -L validators runs each
# check as its own test; see Tests/Validators/CMakeLists.txt).  The validator binaries are not
# part of the project: they live in ../shared/tools/validators (README there).  When the one a
# check needs is missing, the check SKIPS (exit 77, with a message); it never passes silently.
#
# usage: scripts/validate-plugins.sh CHECK [options]
#   CHECK   pluginval-vst3   pluginval --strictness-level 10 on the VST3, with Steinberg's
#                            validator as one of its tests (--vst3validator)
#           vst3-validator   Steinberg's VST3 validator alone
#           pluginval-lv2    pluginval --strictness-level 10 on the LV2 plugin, by URI; JUCE's
#                            LV2 host scans ~/.lv2, so it runs with a private HOME whose .lv2
#                            links to the bundle under test
#           lv2lint          lv2lint -Mpack: no FAIL, then scripts/fix-lv2-ttl.py --check (float
#                            parameter ranges, plain scale points, doap:license, a class)
#   --tools DIR   the validators folder (default: <repo>/../shared/tools/validators)
#   --vst3 DIR    the GradedCells.vst3 bundle          --lv2 DIR   the GradedCells.lv2 bundle
#   --uri URI     the LV2 plugin URI                   --work DIR  scratch folder (default: mktemp)
# Exit: 0 pass, 1 fail, 2 usage error, 77 skipped (validator not available).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHECK="${1:-}"; [ $# -gt 0 ] && shift
TOOLS="$ROOT/../shared/tools/validators" VST3="" LV2="" URI="" WORK=""
while [ $# -gt 0 ]; do
  case "$1" in
    --tools) TOOLS="$2"; shift 2 ;;
    --vst3) VST3="$2"; shift 2 ;;
    --lv2) LV2="$2"; shift 2 ;;
    --uri) URI="$2"; shift 2 ;;
    --work) WORK="$2"; shift 2 ;;
    *) echo "validate-plugins: unknown argument $1" >&2; exit 2 ;;
  esac
done
say() { echo "validate-plugins[$CHECK]: $*"; }
die() { say "FAIL: $*"; exit 1; }

need_tool() {  # $1 = binary name in the validators folder
  if [ ! -x "$TOOLS/$1" ]; then
    say "SKIPPED: $1 not found in '$TOOLS' (the validators are not part of the project;"
    say "         point -DGRADED_VALIDATORS_DIR=... or --tools at a folder that has them)"
    exit 77
  fi
}
need_dir() {  # $1 = option name, $2 = value
  [ -n "$2" ] || { echo "validate-plugins: $CHECK needs $1" >&2; exit 2; }
  [ -d "$2" ] || die "$1 '$2' is not a directory (build the plugin first)"
}
need_cmd() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' not found: run scripts/install-deps.sh"
}
if [ -z "$WORK" ]; then
  WORK="$(mktemp -d /tmp/graded-validate.XXXXXX)"
  trap 'rm -rf "$WORK"' EXIT
else
  rm -rf "$WORK"; mkdir -p "$WORK"
fi
WORK="$(cd "$WORK" && pwd)"

# pluginval: exit 0 and a last line "SUCCESS" (it prints the per-test log before).
run_pluginval() {  # args: pluginval arguments
  need_cmd xvfb-run
  local log="$WORK/pluginval.log" rc start
  start=$(date +%s)
  xvfb-run -a -s "-screen 0 1280x1024x24" "$TOOLS/pluginval" "$@" >"$log" 2>&1
  rc=$?
  cat "$log"
  say "pluginval exit $rc after $(( $(date +%s) - start )) s"
  [ $rc -eq 0 ] || die "pluginval exited with $rc"
  [ "$(grep -v '^[[:space:]]*$' "$log" | tail -n 1)" = "SUCCESS" ] || die "pluginval's last line is not SUCCESS"
  say "PASS"
}

case "$CHECK" in
  pluginval-vst3)
    need_tool pluginval; need_tool validator; need_dir --vst3 "$VST3"
    export HOME="$WORK/home"; mkdir -p "$HOME"        # pluginval keeps settings there
    run_pluginval --strictness-level 10 --vst3validator "$TOOLS/validator" --validate "$(cd "$VST3" && pwd)"
    ;;

  vst3-validator)
    need_tool validator; need_dir --vst3 "$VST3"
    export HOME="$WORK/home"; mkdir -p "$HOME"
    "$TOOLS/validator" "$(cd "$VST3" && pwd)" >"$WORK/validator.log" 2>&1
    rc=$?
    cat "$WORK/validator.log"
    [ $rc -eq 0 ] || die "Steinberg's validator exited with $rc"
    grep -Eq "Result: [0-9]+ tests passed, 0 tests failed" "$WORK/validator.log" \
      || die "no 'Result: N tests passed, 0 tests failed' line"
    say "PASS"
    ;;

  pluginval-lv2)
    need_tool pluginval; need_dir --lv2 "$LV2"
    [ -n "$URI" ] || { echo "validate-plugins: pluginval-lv2 needs --uri" >&2; exit 2; }
    # JUCE's LV2 host finds plugins through ~/.lv2 (and the system folders), not LV2_PATH: a
    # private HOME whose .lv2 holds only the bundle under test, so no installed copy shadows it.
    export HOME="$WORK/home"; mkdir -p "$HOME/.lv2"
    ln -sfn "$(cd "$LV2" && pwd)" "$HOME/.lv2/$(basename "$LV2")"
    unset LV2_PATH
    for d in /usr/lib/lv2 /usr/local/lib/lv2 /usr/lib/x86_64-linux-gnu/lv2; do
      for b in "$d"/*.lv2; do
        [ -f "$b/manifest.ttl" ] && grep -qF "<$URI>" "$b/manifest.ttl" \
          && die "$b also declares <$URI> and could shadow the bundle under test: remove it"
      done
    done
    run_pluginval --strictness-level 10 --validate "$URI"
    ;;

  lv2lint)
    need_tool lv2lint; need_dir --lv2 "$LV2"
    [ -n "$URI" ] || { echo "validate-plugins: lv2lint needs --uri" >&2; exit 2; }
    need_cmd xvfb-run; need_cmd xprop; need_cmd python3
    # LV2_PATH: a folder holding only the bundle under test, then the LV2 specification bundles
    # (lv2-dev: /usr/lib/lv2/ui.lv2 etc.; lv2lint FAILs "Plugin LV2_PATH" when it cannot find
    # the label of ui:X11UI there).
    SPEC=/usr/lib/lv2
    [ -f "$SPEC/ui.lv2/manifest.ttl" ] || die "LV2 specification bundles not in $SPEC (install lv2-dev: scripts/install-deps.sh)"
    mkdir -p "$WORK/lv2"
    ln -sfn "$(cd "$LV2" && pwd)" "$WORK/lv2/$(basename "$LV2")"
    # The X11 UI is instantiated in-process on a bare Xvfb (no window manager).  JUCE 7.0.5's
    # XWindowSystem::createWindow sets WM_PROTOCOLS with an atom looked up "only if it exists";
    # on a server where no window manager ever interned it the atom is None, the request fails
    # with BadAtom, and Xlib's default error handler (a JUCE plugin installs none) exits the
    # host.  A window manager interns these atoms on any real desktop; here xprop does it first,
    # and the server runs with -noreset so they outlive xprop's connection.
    cat >"$WORK/in-xvfb.sh" <<'EOF'
#!/usr/bin/env bash
for a in WM_PROTOCOLS WM_TAKE_FOCUS WM_DELETE_WINDOW _NET_WM_PING WM_CHANGE_STATE WM_STATE \
         _NET_WM_WINDOW_TYPE _NET_WM_WINDOW_TYPE_NORMAL _NET_WM_STATE _NET_WM_STATE_HIDDEN; do
  xprop -root -f _GRADED_WM_ATOM 32a -set _GRADED_WM_ATOM "$a" || exit 3
done
exec "$@"
EOF
    chmod +x "$WORK/in-xvfb.sh"
    start=$(date +%s)
    LV2_PATH="$WORK/lv2:$SPEC" xvfb-run -a -s "-screen 0 1280x1024x24 -noreset" \
      "$WORK/in-xvfb.sh" stdbuf -oL -eL "$TOOLS/lv2lint" -Mpack "$URI" >"$WORK/lv2lint.log" 2>&1
    rc=$?
    cat "$WORK/lv2lint.log"
    say "lv2lint exit $rc after $(( $(date +%s) - start )) s;" \
        "$(grep -c '\[FAIL\]' "$WORK/lv2lint.log") FAIL, $(grep -c '\[WARN\]' "$WORK/lv2lint.log") WARN"
    grep -q "X Error of failed request" "$WORK/lv2lint.log" && die "an X error ended lv2lint before its UI checks"
    grep -q '\[FAIL\]' "$WORK/lv2lint.log" && die "lv2lint reports FAIL"
    [ $rc -eq 0 ] || die "lv2lint exited with $rc"
    python3 "$ROOT/scripts/fix-lv2-ttl.py" --check "$LV2" || die "the bundle's TTL is not fixed up (scripts/fix-lv2-ttl.py)"
    say "PASS"
    ;;

  *)
    echo "usage: $0 {pluginval-vst3|vst3-validator|pluginval-lv2|lv2lint} [--tools DIR] [--vst3 DIR] [--lv2 DIR] [--uri URI] [--work DIR]" >&2
    exit 2 ;;
esac
