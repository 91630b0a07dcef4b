// SPDX-License-Identifier: GPL-3.0-or-later
#include "NodeSpecs.h"

#include "../Cells/CellSpecs.h"

#include <algorithm>
#include <cmath>

namespace graded {

const NodeSpec& nodeSpec(NodeKind kind) {
    switch (kind) {
        case NodeKind::AudioIn: return audioInSpec();
        case NodeKind::AudioOut: return audioOutSpec();
        case NodeKind::DenseSynapse: return denseSynapseSpec();
        case NodeKind::HebbianSynapse: return hebbianSynapseSpec();
        default: return cellSpec(static_cast<CellKind>(kind));
    }
}

NodeSizes nodeSizes(const PatchNode& node, int bands, int channels) {
    NodeSizes s;
    s.channels = channels;
    s.bands = bands;
    if (const auto* in = node.audioIn()) {
        s.bands = in->bands;
        s.samples = in->samples;
    }
    if (const auto* syn = node.synapse()) {
        s.units = syn->params.nIn;
        s.bands = syn->params.nOut;
    }
    if (const auto* m = node.cellParams()) {
        const auto it = m->find("n_units");
        if (it != m->end() && it->second.type == ParamValue::Type::number && std::isfinite(it->second.number))
            s.units = int(std::clamp(it->second.number, 1.0, 2147483647.0));
    }
    return s;
}

} // namespace graded
