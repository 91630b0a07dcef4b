// SPDX-License-Identifier: GPL-3.0-or-later
#include "Telemetry.h"

#include "Filterbank.h"
#include "Network.h"

#include <algorithm>
#include <cstring>

namespace graded {

static_assert(kTelemetryMaxBands >= Filterbank::kMaxBands, "telemetry carries every band");
// Rings copy whole snapshots (the GUI pops ~30 a second): keep them small.
static_assert(sizeof(Telemetry) <= 24 * 1024, "a telemetry snapshot stays small");

void TelemetryQueue::prepare(Network& net, int inNode, int intervalSamples) {
    interval_ = std::max(1, intervalSamples);
    shown_.clear();
    auto view = [](const CompartmentView& v, std::string_view name, bool perChannel, bool traced, int maxCols) {
        Source src;
        if (v.data == nullptr || v.rows <= 0 || v.cols <= 0) return src;
        src = {v.data, std::min(v.rows, kTelemetryMaxChannels), std::min(v.cols, maxCols), v.cols, perChannel, name, traced};
        return src;
    };
    for (size_t i = 0; i < net.nodes.size() && i < size_t(kTelemetryMaxNodes); ++i) {
        const auto& n = net.nodes[i];
        Shown s;
        s.kind = n.kind;
        std::memcpy(s.id, n.id.data(), std::min(n.id.size(), size_t(kTelemetryIdLen - 1)));
        auto source = [&](CompShow what, int maxCols) {
            if (const auto* c = n.spec->shown(what))
                return view(net.compartment(int(i), c->name), c->name, c->rows == CompRows::perChannel, c->traced, maxCols);
            return Source{};
        };
        s.main = source(CompShow::main, kTelemetryMaxValues);
        s.secondary = source(CompShow::secondary, kTelemetryMaxValues);
        s.scalar = source(CompShow::scalar, 1);
        shown_.push_back(s);
    }
    bands_ = view(net.compartment(inNode, "bands"), "bands", true, false, kTelemetryMaxBands);
    channels_ = bands_.rows;
    for (const auto& s : shown_)
        for (const Source* src : {&s.main, &s.secondary, &s.scalar})
            if (src->perChannel) channels_ = std::max(channels_, src->rows);
}

void TelemetryQueue::afterStep(int samples, std::uint64_t steps, float cpuLoad) noexcept {
    since_ += samples;
    if (since_ < interval_) return;
    since_ = 0;
    push(steps, cpuLoad);
}

namespace {
/** Rows x cols of a row-major compartment (row length `stride`) into `out`, row-major with
    row length cols. */
void copyRows(const float* data, int rows, int cols, int stride, float* out) noexcept {
    for (int r = 0; r < rows; ++r) std::copy(data + r * stride, data + r * stride + cols, out + r * cols);
}
} // namespace

void TelemetryQueue::push(std::uint64_t steps, float cpuLoad) noexcept {
    Telemetry* slot = ring_->beginWrite();
    if (slot == nullptr) return; // GUI not reading: drop
    Telemetry& t = *slot;
    t.step = steps;
    t.cpuLoad = cpuLoad;
    t.numChannels = channels_;
    t.numBands = bands_.data ? bands_.cols : 0;
    if (bands_.data) copyRows(bands_.data, bands_.rows, bands_.cols, bands_.stride, t.bandEnergy);
    t.numNodes = int(shown_.size());
    auto series = [](const Source& s, TelemetrySeries& out) {
        out.name = s.name;
        out.traced = s.traced;
        out.perChannel = s.perChannel;
        out.numChannels = s.data ? s.rows : 0;
        out.numValues = s.data ? s.cols : 0;
        if (s.data) copyRows(s.data, s.rows, s.cols, s.stride, out.values);
    };
    for (int i = 0; i < t.numNodes; ++i) {
        const auto& s = shown_[size_t(i)];
        auto& tn = t.nodes[i];
        tn.kind = s.kind;
        std::memcpy(tn.id, s.id, sizeof tn.id);
        series(s.main, tn.main);
        series(s.secondary, tn.secondary);
        tn.scalar.name = s.scalar.name;
        tn.scalar.perChannel = s.scalar.perChannel;
        tn.scalar.numChannels = s.scalar.data ? s.scalar.rows : 0;
        for (int c = 0; c < tn.scalar.numChannels; ++c) tn.scalar.values[c] = s.scalar.data[c * s.scalar.stride];
        tn.scalar.value = tn.scalar.numChannels > 0 ? tn.scalar.values[0] : 0.f;
    }
    ring_->commitWrite();
}

} // namespace graded
