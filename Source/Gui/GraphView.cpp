// SPDX-License-Identifier: GPL-3.0-or-later
#include "GraphView.h"

#include <cmath>

namespace graded::gui {

GraphView::GraphView() {
    setWantsKeyboardFocus(true);
    setTitle("Patch graph");
    setDescription("Nodes of the current patch; arrow keys select a node");
}

void GraphView::setPatch(const Patch& patch) {
    boxes_.clear();
    arrows_.clear();
    const int n = int(patch.nodes.size());
    for (const auto& node : patch.nodes) {
        Box b;
        b.id = node.id;
        b.kind = node.kind;
        b.kindName = juce::String(std::string(kNodeKindNames[int(node.kind)]));
        boxes_.push_back(b);
    }
    for (const auto& w : patch.wires) {
        if (w.fromNode < 0 || w.toNode < 0 || w.fromNode >= n || w.toNode >= n) continue;
        arrows_.push_back({w.fromNode, w.toNode, juce::String(w.fromComp) + " > " + w.toComp, w.delay});
    }
    // Depth = longest path over undelayed wires, in topological order (a DAG: the patch
    // loader rejects undelayed cycles), linear in nodes + wires.
    std::vector<int> depth(size_t(n), 0), indeg(size_t(n), 0);
    std::vector<std::vector<int>> out(static_cast<size_t>(n));
    for (const auto& a : arrows_)
        if (!a.delay) {
            out[size_t(a.from)].push_back(a.to);
            ++indeg[size_t(a.to)];
        }
    std::vector<int> queue;
    for (int i = 0; i < n; ++i)
        if (indeg[size_t(i)] == 0) queue.push_back(i);
    for (size_t h = 0; h < queue.size(); ++h)
        for (const int to : out[size_t(queue[h])]) {
            depth[size_t(to)] = std::max(depth[size_t(to)], std::min(n, depth[size_t(queue[h])] + 1));
            if (--indeg[size_t(to)] == 0) queue.push_back(to);
        }
    maxDepth_ = 0;
    std::vector<int> rows(size_t(n + 1), 0);
    for (int i = 0; i < n; ++i) {
        boxes_[size_t(i)].depth = depth[size_t(i)];
        boxes_[size_t(i)].row = rows[size_t(depth[size_t(i)])]++;
        maxDepth_ = std::max(maxDepth_, depth[size_t(i)]);
    }
    selected_ = boxes_.empty() ? -1 : juce::jlimit(0, n - 1, selected_);
    // Select the first cell by default: that is what a user wants to tune.
    if (selected_ >= 0 && !isCellKind(boxes_[size_t(selected_)].kind))
        for (int i = 0; i < n; ++i)
            if (isCellKind(boxes_[size_t(i)].kind)) {
                selected_ = i;
                break;
            }
    layoutBoxes();
    repaint();
}

void GraphView::setSelected(int nodeIndex) { select(nodeIndex, false); }

void GraphView::select(int index, bool notify) {
    if (index < 0 || index >= int(boxes_.size()) || index == selected_) return;
    selected_ = index;
    repaint();
    if (notify && onSelect) onSelect(index);
}

void GraphView::setActivity(const Telemetry& t) {
    bool changed = false;
    for (int i = 0; i < t.numNodes && i < int(boxes_.size()); ++i) {
        const auto& tn = t.nodes[i];
        double sum = 0;
        const auto& main = tn.main;
        for (int k = 0; k < main.numValues; ++k) sum += double(main.values[k]) * main.values[k];
        const float rms = main.numValues > 0 ? float(std::sqrt(sum / main.numValues)) : 0.f;
        auto& b = boxes_[size_t(i)];
        const float shown = std::isfinite(rms) ? rms : 0.f;
        if (std::abs(shown - b.activity) > 1e-4f) {
            b.activity = shown;
            changed = true;
        }
    }
    if (changed) repaint();
}

void GraphView::resized() { layoutBoxes(); }

void GraphView::layoutBoxes() {
    if (boxes_.empty()) return;
    const auto area = getLocalBounds().toFloat().reduced(10.0f);
    const int columns = maxDepth_ + 1;
    std::vector<int> perColumn(size_t(columns), 0);
    for (const auto& b : boxes_) perColumn[size_t(b.depth)] = std::max(perColumn[size_t(b.depth)], b.row + 1);
    const float colW = area.getWidth() / float(columns);
    const float boxW = juce::jmin(170.0f, colW * 0.78f);
    for (auto& b : boxes_) {
        const float rowH = area.getHeight() / float(perColumn[size_t(b.depth)]);
        const float boxH = juce::jmin(58.0f, rowH * 0.8f);
        const float cx = area.getX() + colW * (float(b.depth) + 0.5f);
        const float cy = area.getY() + rowH * (float(b.row) + 0.5f);
        b.r = juce::Rectangle<float>(boxW, boxH).withCentre({cx, cy});
    }
}

juce::Rectangle<float> GraphView::boxOf(int nodeIndex) const {
    if (nodeIndex < 0 || nodeIndex >= int(boxes_.size())) return {};
    return boxes_[size_t(nodeIndex)].r;
}

void GraphView::paint(juce::Graphics& g) {
    g.fillAll(colours::panel);
    g.setColour(colours::panelEdge);
    g.drawRect(getLocalBounds(), 1);
    if (boxes_.empty()) {
        g.setColour(colours::textDim);
        g.drawFittedText("No patch loaded", getLocalBounds(), juce::Justification::centred, 1);
        return;
    }
    // Wires under the boxes.
    for (const auto& a : arrows_) {
        const auto& from = boxes_[size_t(a.from)].r;
        const auto& to = boxes_[size_t(a.to)].r;
        juce::Point<float> p0, p1;
        juce::Path path;
        if (a.from == a.to) {
            p0 = from.getTopRight().translated(-14.0f, 0);
            p1 = from.getTopRight().translated(-34.0f, 0);
            path.startNewSubPath(p0);
            path.cubicTo(p0.translated(10, -26), p1.translated(-10, -26), p1);
        } else {
            const bool forward = to.getCentreX() > from.getCentreX() + 1.0f;
            p0 = forward ? from.getCentre().withX(from.getRight()) : from.getCentre().withY(from.getBottom());
            p1 = forward ? to.getCentre().withX(to.getX()) : to.getCentre().withY(to.getBottom());
            const float dx = std::max(30.0f, std::abs(p1.x - p0.x) * 0.4f);
            path.startNewSubPath(p0);
            if (forward) path.cubicTo(p0.translated(dx, 0), p1.translated(-dx, 0), p1);
            else path.cubicTo(p0.translated(0, 40), p1.translated(0, 40), p1);
        }
        g.setColour(colours::wire);
        static const float delayDashes[] = {5.0f, 4.0f};
        strokeLine(g, path, 1.6f, a.delay ? delayDashes : nullptr);
        // Arrow head at the input end.
        const auto tangentFrom = path.getPointAlongPath(std::max(0.0f, path.getLength() - 8.0f));
        juce::Path head;
        head.addArrow({tangentFrom, p1}, 0.0f, 9.0f, 8.0f);
        g.fillPath(head);
    }
    // Boxes.
    for (int i = 0; i < int(boxes_.size()); ++i) {
        const auto& b = boxes_[size_t(i)];
        const bool sel = i == selected_;
        g.setColour(colours::background);
        g.fillRoundedRectangle(b.r, 6.0f);
        auto title = b.r.withHeight(18.0f);
        g.setColour(kindColour(b.kind));
        g.fillRoundedRectangle(title, 6.0f);
        g.fillRect(title.withTrimmedTop(9.0f));
        g.setColour(colours::text);
        g.setFont(juce::Font(12.5f, juce::Font::bold));
        g.drawFittedText(b.kindName, title.toNearestInt().reduced(6, 0), juce::Justification::centredLeft, 1);
        g.setFont(juce::Font(13.0f));
        auto body = b.r.withTrimmedTop(18.0f).reduced(6.0f, 2.0f);
        g.drawFittedText(b.id, body.removeFromTop(18.0f).toNearestInt(), juce::Justification::centredLeft, 1);
        // Activity: bar length and the number, so it does not rely on colour.
        auto bar = body.removeFromTop(10.0f);
        g.setColour(colours::panelEdge);
        g.fillRect(bar);
        const float frac = juce::jlimit(0.0f, 1.0f, b.activity);
        g.setColour(kindColour(b.kind).brighter(0.4f));
        g.fillRect(bar.withWidth(bar.getWidth() * frac));
        g.setColour(sel ? colours::accent : colours::panelEdge);
        g.drawRoundedRectangle(b.r, 6.0f, sel ? 3.0f : 1.0f);
        if (sel) {
            g.setColour(colours::accent);
            g.setFont(juce::Font(11.0f));
            g.drawText("selected", b.r.withY(b.r.getBottom() + 1.0f).withHeight(13.0f).toNearestInt(),
                       juce::Justification::centredLeft);
        }
    }
    if (hasKeyboardFocus(false)) {
        g.setColour(colours::accent);
        g.drawRect(getLocalBounds(), 2);
    }
}

void GraphView::mouseDown(const juce::MouseEvent& e) {
    grabKeyboardFocus();
    for (int i = 0; i < int(boxes_.size()); ++i)
        if (boxes_[size_t(i)].r.contains(e.position)) {
            select(i, true);
            return;
        }
}

bool GraphView::keyPressed(const juce::KeyPress& key) {
    if (boxes_.empty()) return false;
    const int n = int(boxes_.size());
    if (key == juce::KeyPress::rightKey || key == juce::KeyPress::downKey) {
        select((selected_ + 1) % n, true);
        return true;
    }
    if (key == juce::KeyPress::leftKey || key == juce::KeyPress::upKey) {
        select((selected_ + n - 1) % n, true);
        return true;
    }
    return false;
}

} // namespace graded::gui
