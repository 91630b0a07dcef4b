// SPDX-License-Identifier: GPL-3.0-or-later
#include "Bindings.h"

#include "Network.h"

#include <algorithm>
#include <limits>

namespace graded {

void Bindings::prepare(const Patch& patch) {
    bindings_ = patch.bindings;
    lastHost_.assign(bindings_.size(), std::numeric_limits<float>::quiet_NaN());
}

void Bindings::reset() noexcept { std::fill(lastHost_.begin(), lastHost_.end(), std::numeric_limits<float>::quiet_NaN()); }

void Bindings::apply(const HostControls& controls, Network& net) noexcept {
    for (size_t i = 0; i < bindings_.size(); ++i) {
        const auto& b = bindings_[i];
        const float hv = controls[b.param];
        if (!std::isfinite(hv) || hv == lastHost_[i]) continue;
        lastHost_[i] = hv;
        const auto& info = hostParamInfo(b.param);
        const double v = bindingValue(b, std::clamp(hv, info.min, info.max));
        if (!std::isfinite(v)) continue;
        if (b.wireField != WireField::none) {
            auto& w = net.wires[size_t(b.wire)];
            if (b.wireField == WireField::gain) w.gain = float(v);
            else std::fill(w.bias.begin(), w.bias.end(), float(v));
            continue;
        }
        // Fields were resolved when the patch loaded: no name is compared here.
        auto& n = net.nodes[size_t(b.node)];
        if (n.cell && b.fieldIndex >= 0) setLive(*n.spec, n.spec->fields[b.fieldIndex], *n.cell, v);
    }
}

} // namespace graded
