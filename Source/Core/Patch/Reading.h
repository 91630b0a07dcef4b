// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// What the parts of the patch reader share (not part of the public API).

#include "../Engine/Schedule.h"
#include "Model.h"
#include "NodeSpecs.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace graded::reading {

using nlohmann::json;

/** The issues found so far. */
struct Issues {
    std::vector<PatchIssue> list;
    void add(std::string path, std::string msg) { list.push_back({std::move(path), std::move(msg)}); }
};

std::string escapePointer(const std::string& s);
/** A JSON value quoted in a message, cut to a readable length. */
std::string brief(const json& v);
/** obj[key] as a finite number into `out`; false (with an issue if present but bad) if not. */
bool readNumber(Issues& is, const json& obj, const std::string& key, const std::string& path, double& out);

/** The nodes read so far, by id, with their compartments (empty if the node failed). */
struct NodeTable {
    std::map<std::string, int> byId;
    std::vector<bool> ok;
    std::vector<NodeSizes> sizes;
    std::int64_t synapseWeights = 0;   ///< weights of every synapse node (count toward the wires' total)
};

/** The parts of loadPatch, in order. */
void readNodes(Issues& is, const json& root, Patch& patch, NodeTable& table);
void readWires(Issues& is, const json& root, Patch& patch, const NodeTable& table, std::map<std::string, int>& wireIds);
void checkCycles(Issues& is, const Patch& patch);
/** The patch's "learning" object (settling steps and when synapses evolve). */
void readLearning(Issues& is, const json& root, Patch& patch);
void readBindings(Issues& is, const json& root, Patch& patch, const NodeTable& table, const std::map<std::string, int>& wireIds);

} // namespace graded::reading
