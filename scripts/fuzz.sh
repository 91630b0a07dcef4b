#!/usr/bin/env bash
# Fuzzes one harness for longer than CI does, keeping going after findings.
#   scripts/fuzz.sh patch|state|wav [SECONDS=600] [JOBS=1]
# Needs the sanitizer build (scripts/sanitize-test.sh, or configure build-san the same way
# and build graded_fuzz_<name>). The corpus grows in $SAN_BUILD_DIR/Tests/Fuzz/<name>/long-corpus
# (seeded from Tests/Fuzz/seeds and, for patches, Resources/Patches); every crash, timeout
# and out-of-memory input is written to $SAN_BUILD_DIR/Tests/Fuzz/<name>/artifacts/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
name="${1:?usage: scripts/fuzz.sh patch|state|wav [SECONDS] [JOBS]}"
seconds="${2:-600}"
jobs="${3:-1}"
SAN_DIR="${SAN_BUILD_DIR:-$here/build-san}"
fuzzer="$SAN_DIR/Tests/Fuzz/graded_fuzz_$name"
[ -x "$fuzzer" ] || { echo "fuzz.sh: no $fuzzer (build it first: cmake --build $SAN_DIR --target graded_fuzz_$name)" >&2; exit 2; }
work="$SAN_DIR/Tests/Fuzz/$name"
mkdir -p "$work/long-corpus" "$work/artifacts"
case "$name" in
  patch) seeds=("$here/Resources/Patches" "$here/Tests/Fuzz/seeds/patch"); dict=patch.dict ;;
  state) seeds=("$here/Tests/Fuzz/seeds/state"); dict=state.dict ;;
  wav)   seeds=("$here/Tests/Fuzz/seeds/audio"); dict=audio.dict ;;
  *) echo "fuzz.sh: unknown fuzzer '$name'" >&2; exit 2 ;;
esac
for d in "${seeds[@]}"; do cp -n "$d"/* "$work/long-corpus/" 2>/dev/null || true; done
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:symbolize=1:detect_stack_use_after_return=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
cd "$work"
"$fuzzer" -fork="$jobs" -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
  -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10 \
  -dict="$here/Tests/Fuzz/$dict" -artifact_prefix="$work/artifacts/" -print_final_stats=1 \
  long-corpus 2>&1 | tee "$work/long-run.log" | grep -E "^#|ERROR|SUMMARY|Test unit written|DONE" || true
echo "fuzz.sh: artifacts in $work/artifacts:"
ls -la "$work/artifacts"
