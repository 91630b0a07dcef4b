// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Golden replay for the synapse files (Tests/Golden/dense_synapse.json, hebbian_synapse.json):
// the cells' golden format (Golden/Golden.h) with array-valued params (shape, weights,
// biases, mask), which the cells' ParamMap cannot hold, parsed as SynapseParams instead.

#include "../Golden/Golden.h"
#include "SynapseParams.h"

#include <optional>
#include <string>
#include <vector>

namespace graded::synapse_golden {

struct Case {
    std::string id;
    SynapseKind kind = SynapseKind::DenseSynapse;
    std::string note;
    SynapseParams params;
    double dt = 1.0;
    std::vector<golden::Op> ops;
};

struct File {
    std::vector<Case> cases;
};

/** Parses a golden file whose cases are all DenseSynapse / HebbianSynapse. Returns nullopt
    when the first case is not a synapse (a cell file: use golden::parse); throws
    golden::Error for a malformed file, a mix of synapses and cells, or bad params. */
std::optional<File> parseIfSynapses(const std::string& jsonText);
/** Reads a file (size-limited) and parseIfSynapses; errors start with the path. */
std::optional<File> loadIfSynapses(const std::string& path);

/** Replays one case in precision T: reset, then every op, comparing every recorded value
    with |ours - ref| <= tol * max(1, |ref|). Throws golden::Error for an unknown
    compartment or a shape mismatch. */
template <typename T> golden::Result replay(const Case& c, double tol);
/** Documented tolerances: 1e-9 in double; float per family (README "Synapses"). */
template <typename T> double tolerance(const Case& c);

extern template golden::Result replay<float>(const Case&, double);
extern template golden::Result replay<double>(const Case&, double);
template <> double tolerance<float>(const Case&);
template <> double tolerance<double>(const Case&);

} // namespace graded::synapse_golden
