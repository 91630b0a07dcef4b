// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "Theme.h"

#include <Graph/Engine.h>
#include <Graph/Patch.h>

#include <functional>
#include <vector>

namespace graded::gui {

/** The current patch as a readable graph: one box per node (its id and cell kind, and a
    live activity bar), wires as arrows from output to input compartment (dashed when
    delayed by one step). Click or use the arrow keys to select a node. */
class GraphView : public juce::Component {
public:
    GraphView();

    void setPatch(const Patch& patch);
    void setSelected(int nodeIndex);
    int selected() const noexcept { return selected_; }
    /** Live activity per node (RMS of its main compartment), from a telemetry snapshot. */
    void setActivity(const Telemetry& t);

    std::function<void(int)> onSelect;

    void paint(juce::Graphics&) override;
    void resized() override;
    void mouseDown(const juce::MouseEvent&) override;
    bool keyPressed(const juce::KeyPress&) override;
    void focusGained(FocusChangeType) override { repaint(); }
    void focusLost(FocusChangeType) override { repaint(); }

    /** Box of a node in local coordinates (tests, tooltips). */
    juce::Rectangle<float> boxOf(int nodeIndex) const;
    int numNodes() const noexcept { return int(boxes_.size()); }

private:
    struct Box {
        juce::String id, kindName;
        NodeKind kind;
        int depth = 0, row = 0;
        juce::Rectangle<float> r;
        float activity = 0.f;
    };
    struct Arrow {
        int from, to;
        juce::String label;
        bool delay;
    };
    void layoutBoxes();
    void select(int index, bool notify);

    std::vector<Box> boxes_;
    std::vector<Arrow> arrows_;
    int maxDepth_ = 0;
    int selected_ = -1;
};

} // namespace graded::gui
