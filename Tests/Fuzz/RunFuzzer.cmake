# SPDX-License-Identifier: GPL-3.0-or-later
# ctest driver for one libFuzzer harness.
#   MODE=fuzz    copy the seed dirs (SEEDS, ';'-separated) into WORK/corpus (a scratch copy:
#                the source tree is never written) and fuzz for TIME seconds; a crash, hang,
#                leak or out-of-memory fails the test and leaves the input in WORK/artifacts.
#   MODE=replay  run every file in REGRESSIONS once (no fuzzing); any failure fails the test.
# Other variables: FUZZER (executable), WORK, DICT (optional), RSS (MB), TIMEOUT (s per input).
cmake_minimum_required(VERSION 3.22)
foreach(v FUZZER MODE WORK)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "RunFuzzer.cmake: ${v} not set")
  endif()
endforeach()
if(NOT DEFINED RSS)
  set(RSS 2048)
endif()
if(NOT DEFINED TIMEOUT)
  set(TIMEOUT 10)
endif()
get_filename_component(name ${FUZZER} NAME)
set(common -rss_limit_mb=${RSS} -malloc_limit_mb=${RSS} -timeout=${TIMEOUT})

if(MODE STREQUAL "replay")
  file(GLOB inputs LIST_DIRECTORIES false ${REGRESSIONS}/*)
  list(FILTER inputs EXCLUDE REGEX "/(README[^/]*|\\.[^/]*)$")
  list(LENGTH inputs n)
  if(n EQUAL 0)
    message(STATUS "${name}: no regression inputs in ${REGRESSIONS}")
    return()
  endif()
  # With file arguments libFuzzer runs each file once and stops at the first failure.
  execute_process(COMMAND ${FUZZER} ${common} ${inputs}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message("${out}")
    string(REGEX MATCHALL "Running: [^\n]*" running "${out}")
    list(GET running -1 last)
    message(FATAL_ERROR "${name}: a regression input fails again (exit ${rc}); ${last}")
  endif()
  message(STATUS "${name}: ${n} regression inputs replayed, all pass")
  return()
endif()

if(NOT MODE STREQUAL "fuzz")
  message(FATAL_ERROR "RunFuzzer.cmake: MODE must be fuzz or replay")
endif()
if(NOT DEFINED TIME)
  set(TIME 60)
endif()
file(REMOVE_RECURSE ${WORK}/corpus)
file(MAKE_DIRECTORY ${WORK}/corpus ${WORK}/artifacts)
foreach(dir ${SEEDS})
  file(GLOB seeds LIST_DIRECTORIES false ${dir}/*)
  list(FILTER seeds EXCLUDE REGEX "/(README[^/]*|\\.[^/]*)$")
  file(COPY ${seeds} DESTINATION ${WORK}/corpus)
endforeach()
set(args ${common} -max_total_time=${TIME} -print_final_stats=1
    -artifact_prefix=${WORK}/artifacts/)
if(DICT)
  list(APPEND args -dict=${DICT})
endif()
file(GLOB before LIST_DIRECTORIES false ${WORK}/artifacts/*)
execute_process(COMMAND ${FUZZER} ${args} ${WORK}/corpus
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
file(WRITE ${WORK}/last-run.log "${out}")
string(REGEX MATCHALL "#[0-9]+[^\n]*(DONE|INITED)[^\n]*" status "${out}")
string(REGEX MATCHALL "stat::[^\n]*" stats "${out}")
foreach(line ${status} ${stats})
  message(STATUS "${name}: ${line}")
endforeach()
if(NOT rc EQUAL 0)
  message("${out}")
  file(GLOB after LIST_DIRECTORIES false ${WORK}/artifacts/*)
  list(REMOVE_ITEM after ${before} "")
  message(FATAL_ERROR "${name}: fuzzing found a failure (exit ${rc}). Input kept in: ${after}\n"
                      "Reproduce: ${FUZZER} ${common} <input>; once fixed (or to keep it failing "
                      "until the fix lands) add it to Tests/Fuzz/regressions/ (or pending/).")
endif()
