#!/usr/bin/env bash
# Phase 2 of scripts/test.sh (also runnable alone): configures SAN_BUILD_DIR (default
# build-san) with clang, ASan + UBSan (halting on the first error) and libFuzzer coverage,
# builds only the targets below, and runs the core, engine and plugin-processor tests plus
# the fuzz tests (ctest label "fuzz") under the sanitizers.
# Env: SAN_BUILD_DIR, JOBS, GRADED_FUZZ_SECONDS (per fuzzer, default 60).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
SAN_DIR="${SAN_BUILD_DIR:-build-san}"
JOBS="${JOBS:-$(nproc)}"
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
start=$(date +%s)
# -O1 -g: usable stacks, and about half the compile time of -O2 with the sanitizers on.
cmake -S . -B "$SAN_DIR" -G Ninja \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g -DNDEBUG" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g -DNDEBUG" \
  -DGRADED_SANITIZE=address,undefined -DGRADED_FUZZ=ON -DGRADED_BUILD_BENCH=OFF \
  -DGRADED_FUZZ_SECONDS="${GRADED_FUZZ_SECONDS:-60}" \
  "${launcher[@]}"
cmake --build "$SAN_DIR" --parallel "$JOBS" --target \
  core_tests core_rt_tests engine_tests graded_plugin_tests \
  graded_fuzz_patch graded_fuzz_state graded_fuzz_wav
built=$(date +%s)
echo "sanitize-test: build took $((built - start)) s"

# Sanitizer runtime options (the fuzz tests set the same in their ctest ENVIRONMENT).
#  ASan: abort_on_error for a core-style exit; leak detection stays on.
#  UBSan: halt on the first report with a stack (the build also has -fno-sanitize-recover=all).
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:symbolize=1:detect_stack_use_after_return=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
#  LSan: the dynamic loader's own allocations, visible through RtCheck's malloc (see the file).
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$here/Tests/Support/lsan.supp:print_suppressions=0}"
cd "$SAN_DIR"
# core_rt_tests, engine_tests and graded_plugin_tests link Tests/Support/RtCheck.cpp, whose
# counting malloc/operator new forward to ASan's allocator under -fsanitize=address, so ASan's
# heap checks cover them as well as the fuzzers and core_tests.
# The tests this phase built (the hosting/DAW/GUI/CLI tests are
# not part of it), then the fuzzers two at a time (one per core).
ctest --output-on-failure --timeout 1200 -R '^(core_tests|core_rt_tests|engine:.*|plugin\.processor|plugin\.realtime)$'
ctest --output-on-failure -L fuzz -j "$JOBS"
echo "sanitize-test: build $((built - start)) s, tests $(( $(date +%s) - built )) s"
