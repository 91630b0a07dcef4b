// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "Theme.h"

#include <Graph/Engine.h>

#include <array>
#include <vector>

namespace graded::gui {

/** Each node's main compartment (row 0, channel 0) as a heat strip: one cell per unit,
    amber for positive and blue for negative values, brightness for magnitude; the name,
    the compartment and the largest |value| are written beside it. */
class StripsView : public juce::Component {
public:
    StripsView();
    void update(const Telemetry& t);
    void paint(juce::Graphics&) override;

private:
    Telemetry last_;
    bool have_ = false;
};

/** Scrolling traces: every error cell's L, the reward cell's mu and mean rpe. Each trace
    has its own dash pattern and a legend entry with its current value. */
class TracesView : public juce::Component {
public:
    static constexpr int kHistory = 240; // 8 s at 30 snapshots per second
    TracesView();
    void update(const Telemetry& t);
    void clear();
    void paint(juce::Graphics&) override;
    int numTraces() const noexcept { return int(traces_.size()); }
    /** The newest value of the trace `name` ("surprise.L"), or NaN if there is none. */
    float latest(const juce::String& name) const noexcept;

private:
    struct Trace {
        juce::String name;
        std::array<float, kHistory> v{};
        int count = 0;
        int head = 0;
        void push(float x) {
            v[size_t(head)] = x;
            head = (head + 1) % kHistory;
            count = std::min(count + 1, kHistory);
        }
        float at(int i) const { return v[size_t((head - count + i + 2 * kHistory) % kHistory)]; }
    };
    Trace& trace(const juce::String& name);
    std::vector<Trace> traces_;
    bool received_ = false;
};

/** For spectral patches: the input's band energies (bars) beside the cells' expectation
    (a line with dots): the zF of the RateCell that feeds an error cell's prediction. */
class BandsView : public juce::Component {
public:
    BandsView();
    /** The node whose values are the expectation (empty: none). */
    void setExpectationNode(const juce::String& nodeId);
    void update(const Telemetry& t);
    void paint(juce::Graphics&) override;
    bool hasBands() const noexcept { return numBands_ > 0; }

private:
    int numBands_ = 0;
    std::array<float, kTelemetryMaxBands> bands_{}, expect_{};
    bool haveExpect_ = false;
    bool received_ = false;
    juce::String expectId_, expectName_;
};

/** CPU use (share of the step's time budget) and MIDI/reward activity. */
class MetersView : public juce::Component {
public:
    MetersView();
    void setCpu(float load);
    /** `events`: a counter that grows with each MIDI reward event; `reward`: its value. */
    void setMidi(int events, float reward);
    void paint(juce::Graphics&) override;

private:
    float cpu_ = 0.f;
    int lastEvents_ = 0;
    float reward_ = 0.f;
    float flash_ = 0.f;
};

} // namespace graded::gui
