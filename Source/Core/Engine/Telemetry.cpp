// SPDX-License-Identifier: GPL-3.0-or-later
#include "Telemetry.h"

#include "Filterbank.h"
#include "Network.h"

#include <algorithm>
#include <cstring>

namespace graded {

static_assert(kTelemetryMaxBands == Filterbank::kMaxBands, "telemetry carries every band");

void TelemetryQueue::prepare(Network& net, int inNode, int intervalSamples) {
    interval_ = std::max(1, intervalSamples);
    shown_.clear();
    for (size_t i = 0; i < net.nodes.size() && i < size_t(kTelemetryMaxNodes); ++i) {
        const auto& n = net.nodes[i];
        Shown s;
        s.kind = n.kind;
        std::memcpy(s.id, n.id.data(), std::min(n.id.size(), size_t(kTelemetryIdLen - 1)));
        auto source = [&](CompShow what, int maxCount) {
            Source src;
            if (const auto* c = n.spec->shown(what)) {
                const CompartmentView v = net.compartment(int(i), c->name);
                src = {v.data, std::min(v.cols, maxCount), c->name, c->traced};
            }
            return src;
        };
        s.main = source(CompShow::main, kTelemetryMaxValues);
        s.secondary = source(CompShow::secondary, kTelemetryMaxValues);
        s.scalar = source(CompShow::scalar, 1);
        shown_.push_back(s);
    }
    const CompartmentView b = net.compartment(inNode, "bands");
    bands_ = {b.data, std::min(b.cols, kTelemetryMaxBands), "bands"};
}

void TelemetryQueue::afterStep(int samples, std::uint64_t steps, float cpuLoad) noexcept {
    since_ += samples;
    if (since_ < interval_) return;
    since_ = 0;
    push(steps, cpuLoad);
}

void TelemetryQueue::push(std::uint64_t steps, float cpuLoad) noexcept {
    Telemetry* slot = ring_->beginWrite();
    if (slot == nullptr) return; // GUI not reading: drop
    Telemetry& t = *slot;
    t.step = steps;
    t.cpuLoad = cpuLoad;
    t.numBands = bands_.count;
    std::copy(bands_.data, bands_.data + bands_.count, t.bandEnergy);
    t.numNodes = int(shown_.size());
    auto series = [](const Source& s, TelemetrySeries& out) {
        out.name = s.name;
        out.traced = s.traced;
        out.numValues = s.data ? s.count : 0;
        std::copy(s.data, s.data + out.numValues, out.values);
    };
    for (int i = 0; i < t.numNodes; ++i) {
        const auto& s = shown_[size_t(i)];
        auto& tn = t.nodes[i];
        tn.kind = s.kind;
        std::memcpy(tn.id, s.id, sizeof tn.id);
        series(s.main, tn.main);
        series(s.secondary, tn.secondary);
        tn.scalar.name = s.scalar.name;
        tn.scalar.value = s.scalar.data ? s.scalar.data[0] : 0.f;
    }
    ring_->commitWrite();
}

} // namespace graded
