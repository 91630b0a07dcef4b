// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Host parameters -> node fields and wire gains/biases, once per step.

#include "../Patch/Model.h"

#include <cmath>
#include <vector>

namespace graded {

class Network;

/** Maps a host value through a binding (without choice rounding). */
inline double bindingValue(const PatchBinding& b, double host) {
    double v = double(b.offset) + double(b.scale) * host;
    if (b.db) v = std::pow(10.0, v / 20.0);
    return v;
}

class Bindings {
public:
    void prepare(const Patch& patch);
    /** Every binding applies again at the next apply(). */
    void reset() noexcept;
    /** Applies the bindings whose host value changed since the last call: node fields through
        their spec's live setter (clamped to the field's range), wire gains and biases. */
    void apply(const HostControls& controls, Network& net) noexcept;

private:
    std::vector<PatchBinding> bindings_;
    std::vector<float> lastHost_;
};

} // namespace graded
