// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The registry of node specs: one per NodeKind.

#include "../Spec/NodeSpec.h"
#include "Model.h"

namespace graded {

/** AudioIn's and AudioOut's specs (Engine/AudioInSpec.cpp, Engine/AudioOutSpec.cpp). */
const NodeSpec& audioInSpec();
const NodeSpec& audioOutSpec();
/** DenseSynapse's and HebbianSynapse's specs (Synapses/SynapseSpecs.cpp). */
const NodeSpec& denseSynapseSpec();
const NodeSpec& hebbianSynapseSpec();

/** The spec of a node kind. A new kind: its spec file, one line here (NodeSpecs.cpp) and in
    NodeKind. */
const NodeSpec& nodeSpec(NodeKind kind);

/** The sizes of `node`'s compartments with `channels` rows per channel, `bands` being the
    patch's filterbank size. A synapse's `units` is its n_in and its `bands` its n_out (see
    Synapses/SynapseSpecs.cpp). */
NodeSizes nodeSizes(const PatchNode& node, int bands, int channels);
inline NodeSizes nodeSizes(const Patch& patch, int node, int channels) {
    return nodeSizes(patch.nodes[size_t(node)], patch.audioIn >= 0 ? patch.bands() : 16, channels);
}

} // namespace graded
