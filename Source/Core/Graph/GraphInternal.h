// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Shared by patch loading and the engine; not part of the public API.

#include "Patch.h"

#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace graded::detail {

/** A compartment as the graph sees it: per channel (one row per channel) or a single row. */
struct CompSpec {
    std::string name;
    CompartmentRole role;
    bool perChannel;
    int cols;
};

/** The compartments of a node; cells are built (batch 2) to read theirs. Throws ConfigError
    for bad cell params. */
std::vector<CompSpec> nodeCompartments(const PatchNode& node);

/** For each node, the undelayed wires leaving it (indices into patch.wires): the adjacency
    of the schedule's topological sort. */
std::vector<std::vector<int>> outgoingWires(const Patch& patch);

/** Fields a binding may target on a node of `kind`; choice fields take an index. */
bool isChoiceField(NodeKind kind, const std::string& field);
/** The field a binding of `field` on a node of `kind` drives (BindField::none if unknown). */
BindField resolveField(NodeKind kind, const std::string& field);
const std::vector<std::string>& bindableFields(NodeKind kind);
/** Why `value` is not acceptable for `field`, or nothing. */
std::optional<std::string> checkFieldValue(NodeKind kind, const std::string& field, double value);
int choiceCount(const std::string& field);

/** Maps a host value through a binding (without choice rounding). */
inline double bindingValue(const PatchBinding& b, double host) {
    double v = double(b.offset) + double(b.scale) * host;
    if (b.db) v = std::pow(10.0, v / 20.0);
    return v;
}

} // namespace graded::detail
