# SPDX-License-Identifier: GPL-3.0-or-later
# graded-cli weights export: a learning circuit run over a WAV file (rendered first), then
# NumPy (Debian's python3-numpy, /usr/bin/python3) loads each npz with the right shapes;
# without synapses, or with bad options, it fails with a reason.
# -DCLI=graded-cli -DWORK=dir -DPATCH=pc-circuit.json -DPYTHON=/usr/bin/python3
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
execute_process(COMMAND "${CLI}" render "${WORK}/in.wav" RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "render of the demo clip failed: ${err}")
endif()
execute_process(COMMAND "${CLI}" weights export --patch "${PATCH}" --in "${WORK}/in.wav" --out "${WORK}/w" --seconds 4
                RESULT_VARIABLE rc ERROR_VARIABLE err)
message(STATUS "${err}")
if(NOT rc EQUAL 0 OR NOT EXISTS "${WORK}/w/W1.npz" OR EXISTS "${WORK}/w/E1.npz")
  message(FATAL_ERROR "weights export: exit ${rc}, ${err}")
endif()
if(NOT err MATCHES "W1 \\[4 x 8\\] \\+ biases -> .*W1.npz \\(learned\\)")
  message(FATAL_ERROR "weights export did not report W1 as learned: ${err}")
endif()
# the built-in chord, with learning off: the initial weights
execute_process(COMMAND "${CLI}" weights export --patch "${PATCH}" --out "${WORK}/frozen" --seconds 1 --set learn=0
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT err MATCHES "as initialised")
  message(FATAL_ERROR "weights export --set learn=0: exit ${rc}, ${err}")
endif()
set(check [=[
import sys, numpy as np
learned = np.load(sys.argv[1]); frozen = np.load(sys.argv[2])
assert sorted(learned.files) == ["biases", "mask", "weights"], learned.files
for name, shape in (("weights", (4, 8)), ("biases", (1, 8)), ("mask", (4, 8))):
    a = learned[name]
    assert a.shape == shape and a.dtype == np.float32, (name, a.shape, a.dtype)
    assert np.all(np.isfinite(a)), name
w0 = frozen["weights"]
assert w0.min() >= 0.0 and w0.max() <= 0.2, (w0.min(), w0.max())   # uniform(0, 0.2), seed 7
assert np.all(frozen["biases"] == 0)
assert np.abs(learned["weights"] - w0).max() > 1e-3                   # it learned
print("numpy: W1", learned["weights"].shape, "biases", learned["biases"].shape, "max |dW|", float(np.abs(learned["weights"] - w0).max()))
]=])
file(WRITE "${WORK}/check.py" "${check}")
execute_process(COMMAND "${PYTHON}" "${WORK}/check.py" "${WORK}/w/W1.npz" "${WORK}/frozen/W1.npz"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message(STATUS "${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "numpy check failed: ${out} ${err}")
endif()
# refusals: a patch without synapses, a missing --out, an unknown --set
foreach(case "--patch;Predictive EQ;--out;${WORK}/none" "--patch;${PATCH}" "--patch;${PATCH};--out;${WORK}/x;--set;nope=1")
  execute_process(COMMAND "${CLI}" weights export ${case} RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 2 OR NOT err MATCHES "graded-cli weights: error: ")
    message(FATAL_ERROR "weights export ${case}: exit ${rc} (want 2 with a reason): ${err}")
  endif()
  message(STATUS "refused as it should: ${err}")
endforeach()
