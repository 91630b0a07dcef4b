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
    /** A row computed from another node's main compartment through a wire: gain x v + bias
        (AudioOut's noise input in a noise patch: what it uses). */
    struct Derived {
        juce::String label, fromNode;
        float gain = 1.f, bias = 0.f;
        /** The node whose main row this row replaces (empty: none): AudioOut's appliedDb when
            no wire drives its bandGains, as the node then only plays the noise. */
        juce::String replaces;
    };
    /** The current patch's node ids (snapshots of other nodes, still queued from the
        previous patch, are not drawn) and its derived rows. */
    void setNodes(const juce::StringArray& ids, std::vector<Derived> derived);
    void update(const Telemetry& t);
    void clear();
    void paint(juce::Graphics&) override;
    /** The rows drawn at the last paint ("out.appliedDb"), for tests. */
    juce::StringArray rowLabels() const;

private:
    Telemetry last_;
    bool have_ = false;
    juce::StringArray ids_;
    std::vector<Derived> derived_;
};

/** Scrolling traces: every error cell's L, the reward cell's mu and mean rpe. Each trace
    has its own dash pattern and a legend entry with its current value. */
class TracesView : public juce::Component {
public:
    static constexpr int kHistory = 240; // 8 s at 30 snapshots per second
    TracesView();
    void update(const Telemetry& t);
    void clear();
    /** Only these nodes are traced (empty: all); `constantByDesign` nodes' traces are
        labelled as constant by construction (a LaplacianErrorCell's L). */
    void setNodes(const juce::StringArray& ids, const juce::StringArray& constantByDesign);
    void paint(juce::Graphics&) override;
    int numTraces() const noexcept { return int(traces_.size()); }
    /** The legend entry of trace `i` as drawn (name, note and current value). */
    juce::String legendText(int i) const;
    /** Why trace `i` is flat, or empty: "constant by construction: counts mismatched units". */
    juce::String note(int i) const;
    juce::StringArray names() const;
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
    juce::StringArray ids_, constant_;
};

/** For spectral patches: the input's band energies (bars) beside the cells' expectation
    (a line with dots): the zF of the RateCell that feeds an error cell's prediction. */
class BandsView : public juce::Component {
public:
    BandsView();
    /** The node whose values are the expectation (empty: none). */
    /** `logits`: the node's values are logits (a BernoulliErrorCell's prediction): the view
        plots P = sigmoid(value) on its own 0..1 axis, not on the energy axis. */
    void setExpectationNode(const juce::String& nodeId, bool logits = false);
    void update(const Telemetry& t);
    void paint(juce::Graphics&) override;
    bool hasBands() const noexcept { return numBands_ > 0; }
    /** The legend line under the plot. */
    juce::String legend() const;
    /** The plotted expectation of band k (P for logits), or NaN if none is shown. */
    float expectation(int k) const noexcept;

private:
    int numBands_ = 0;
    std::array<float, kTelemetryMaxBands> bands_{}, expect_{};
    bool haveExpect_ = false;
    bool logits_ = false;
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
