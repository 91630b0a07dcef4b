// SPDX-License-Identifier: GPL-3.0-or-later
#include "Workbench.h"

#include <Patch/NodeSpecs.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <map>

namespace graded::gui {

namespace {
/** Below this zoom wires are drawn without arrowheads and labels. */
constexpr float kDetailScale = 0.4f;
/** Explicit wire weights beyond this many are not shown as editable text. */
constexpr std::size_t kMaxEditableWeights = 4096;

using json = nlohmann::json;

const juce::Colour kIssue{0xffef5350};

juce::String str(const std::string& s) { return juce::String::fromUTF8(s.c_str()); }
juce::String str(std::string_view s) { return juce::String::fromUTF8(s.data(), int(s.size())); }

const json* nodeJson(const PatchDocument& doc, int index) {
    const auto& d = doc.doc();
    if (!d.is_object() || !d.contains("nodes") || !d["nodes"].is_array()) return nullptr;
    if (index < 0 || index >= int(d["nodes"].size())) return nullptr;
    return &d["nodes"][size_t(index)];
}

const json* wireJson(const PatchDocument& doc, int index) {
    const auto& d = doc.doc();
    if (!d.is_object() || !d.contains("wires") || !d["wires"].is_array()) return nullptr;
    if (index < 0 || index >= int(d["wires"].size())) return nullptr;
    return &d["wires"][size_t(index)];
}

const json* bindingJson(const PatchDocument& doc, int index) {
    const auto& d = doc.doc();
    if (!d.is_object() || !d.contains("bindings") || !d["bindings"].is_array()) return nullptr;
    if (index < 0 || index >= int(d["bindings"].size())) return nullptr;
    return &d["bindings"][size_t(index)];
}

/** A member of an object, or null. */
json member(const json* j, const char* key) {
    if (j == nullptr || !j->is_object() || !j->contains(key)) return json();
    return (*j)[key];
}

std::string nodeIdOf(const PatchDocument& doc, int index) { return doc.nodeId(index); }

/** A whole string as a finite number. */
std::optional<double> parseNumber(const juce::String& text) {
    const auto s = text.trim().toStdString();
    if (s.empty()) return std::nullopt;
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end == s.c_str() || *end != '\0' || !std::isfinite(v)) return std::nullopt;
    return v;
}

/** Comma-separated numbers ("0.1, 0.2"); nothing when one is not a number. */
std::optional<std::vector<double>> parseList(const juce::String& text) {
    juce::StringArray parts;
    parts.addTokens(text, ",", "");
    std::vector<double> out;
    for (const auto& p : parts) {
        const auto v = parseNumber(p);
        if (!v) return std::nullopt;
        out.push_back(*v);
    }
    if (out.empty()) return std::nullopt;
    return out;
}

juce::String formatNumber(double v) {
    if (v == std::floor(v) && std::abs(v) < 1e9) return juce::String(static_cast<long long>(v));
    juce::String s(v, 6, false);
    if (s.containsChar('.') && !s.containsChar('e')) {
        while (s.endsWithChar('0')) s = s.dropLastCharacters(1);
        if (s.endsWithChar('.')) s = s.dropLastCharacters(1);
    }
    return s;
}

juce::String jsonText(const json& j) {
    if (j.is_null()) return {};
    if (j.is_number()) return formatNumber(j.get<double>());
    if (j.is_string()) return str(j.get<std::string>());
    if (j.is_array()) {
        juce::StringArray parts;
        for (const auto& e : j) parts.add(jsonText(e));
        return parts.joinIntoString(", ");
    }
    return str(j.dump());
}

juce::String rangeText(const FieldSpec& f) {
    const bool lo = std::isfinite(f.min), hi = std::isfinite(f.max);
    if (!lo && !hi) return "any number";
    if (lo && hi) return (f.minExclusive ? "(" : "[") + formatNumber(f.min) + ", " + formatNumber(f.max) + "]";
    if (lo) return (f.minExclusive ? "> " : ">= ") + formatNumber(f.min);
    return "<= " + formatNumber(f.max);
}

/** An issue as a node or wire shows it: the key it concerns (the end of its path), then the
    message ("sigma: must be > 0"). */
juce::String shortIssue(const DocIssue& i) {
    juce::String path = str(i.path);
    for (const char* part : {"/params/", "/nodes/", "/wires/"})
        if (path.contains(part)) {
            path = path.fromLastOccurrenceOf(part, false, false);
            if (juce::String(part) != "/params/") path = path.fromFirstOccurrenceOf("/", false, false);
            break;
        }
    return path.isEmpty() ? str(i.message) : path + ": " + str(i.message);
}

juce::String issuesText(const std::vector<DocIssue>& issues) {
    juce::StringArray lines;
    for (const auto& i : issues) lines.add(shortIssue(i));
    return lines.joinIntoString("\n");
}

/** A container whose layout is a function (composite inspector rows). */
class Holder : public juce::Component {
public:
    std::function<void(Holder&)> layout;
    juce::OwnedArray<juce::Component> parts;
    template <typename C> C* own(std::unique_ptr<C> c) {
        auto* raw = c.release();
        parts.add(raw);
        addAndMakeVisible(raw);
        return raw;
    }
    void resized() override {
        if (layout) layout(*this);
    }
};

juce::Component* findById(juce::Component& root, const juce::String& id) {
    if (root.getComponentID() == id) return &root;
    for (auto* c : root.getChildren())
        if (auto* found = findById(*c, id)) return found;
    return nullptr;
}

void styleEditor(juce::TextEditor& t) {
    t.setColour(juce::TextEditor::backgroundColourId, colours::background);
    t.setColour(juce::TextEditor::textColourId, colours::text);
    t.setColour(juce::TextEditor::outlineColourId, colours::panelEdge);
    t.setColour(juce::TextEditor::focusedOutlineColourId, colours::accent);
    t.setSelectAllWhenFocused(true);
}

/** A one-line text field that commits on Return and when it loses focus (if changed). The
    commit returns false when the text is refused: the text turns red and stays. */
std::unique_ptr<juce::TextEditor> makeTextField(const juce::String& id, const juce::String& text,
                                                std::function<bool(const juce::String&)> commit) {
    auto t = std::make_unique<juce::TextEditor>(id);
    t->setComponentID(id);
    styleEditor(*t);
    t->setText(text, juce::dontSendNotification);
    auto* raw = t.get();
    auto last = std::make_shared<juce::String>(text);
    auto doCommit = [raw, last, commit]() {
        const auto now = raw->getText();
        if (now == *last) return;
        if (commit(now)) {
            *last = now;
            raw->setColour(juce::TextEditor::textColourId, colours::text);
        } else {
            raw->setColour(juce::TextEditor::textColourId, kIssue);
        }
        raw->applyColourToAllText(raw->findColour(juce::TextEditor::textColourId));
    };
    t->onReturnKey = doCommit;
    t->onFocusLost = doCommit;
    return t;
}

} // namespace

// =============================================================================================
// WorkbenchCanvas

WorkbenchCanvas::WorkbenchCanvas(PatchDocument& doc) : doc_(doc) {
    setWantsKeyboardFocus(true);
    setOpaque(true);
}

WorkbenchCanvas::~WorkbenchCanvas() {
    // An open Rename dialog must not stay modal (it would block the next editor's clicks).
    if (renameDialog_ != nullptr) renameDialog_->exitModalState(0);
}

std::vector<std::string> WorkbenchCanvas::selectedNodes() const {
    std::vector<std::string> out;
    for (const auto& id : selected_)
        if (doc_.nodeIndex(id) >= 0) out.push_back(id);
    return out;
}

int WorkbenchCanvas::selectedWire() const {
    return selectedWire_ >= 0 && selectedWire_ < doc_.numWires() ? selectedWire_ : -1;
}

void WorkbenchCanvas::selectNodes(const std::vector<std::string>& ids) {
    selected_.clear();
    for (const auto& id : ids)
        if (doc_.nodeIndex(id) >= 0 && !isSelected(id)) selected_.push_back(id);
    selectedWire_ = -1;
    notifySelection();
}

void WorkbenchCanvas::selectWire(int index) {
    selected_.clear();
    selectedWire_ = index >= 0 && index < doc_.numWires() ? index : -1;
    if (selectedWire_ >= 0) selectedWireEnds_ = doc_.wireEnds(selectedWire_);
    notifySelection();
}

void WorkbenchCanvas::clearSelection() {
    selected_.clear();
    selectedWire_ = -1;
    notifySelection();
}

void WorkbenchCanvas::notifySelection() {
    repaint();
    if (onSelectionChanged) onSelectionChanged();
}

bool WorkbenchCanvas::isSelected(const std::string& id) const {
    return std::find(selected_.begin(), selected_.end(), id) != selected_.end();
}

void WorkbenchCanvas::setViewOffset(juce::Point<float> o) {
    offset_ = o;
    repaint();
}

void WorkbenchCanvas::documentChanged() {
    bool changed = false;
    const auto before = selected_.size();
    selected_.erase(std::remove_if(selected_.begin(), selected_.end(),
                                   [this](const std::string& id) { return doc_.nodeIndex(id) < 0; }),
                    selected_.end());
    changed = selected_.size() != before;
    if (selectedWire_ >= 0) {
        auto same = [this](int i) {
            const auto e = doc_.wireEnds(i);
            return e.from == selectedWireEnds_.from && e.fromComp == selectedWireEnds_.fromComp &&
                   e.to == selectedWireEnds_.to && e.toComp == selectedWireEnds_.toComp;
        };
        int found = -1;
        if (selectedWire_ < doc_.numWires() && same(selectedWire_)) found = selectedWire_;
        for (int i = 0; found < 0 && i < doc_.numWires(); ++i)
            if (same(i)) found = i;
        if (found != selectedWire_) changed = true;
        selectedWire_ = found;
    }
    if (changed) notifySelection();
    else repaint();
}

void WorkbenchCanvas::edited() {
    documentChanged();
    if (onDocumentEdited) onDocumentEdited();
}

juce::Point<float> WorkbenchCanvas::dragDelta(const std::string& id) const {
    return drag_ == Drag::nodes && isSelected(id) ? dragMove_ / scale_ : juce::Point<float>();
}

juce::AffineTransform WorkbenchCanvas::viewTransform() const {
    return juce::AffineTransform::scale(scale_).translated(offset_);
}

juce::Point<float> WorkbenchCanvas::toModel(juce::Point<float> local) const {
    return (local - offset_) / scale_;
}

juce::Rectangle<float> WorkbenchCanvas::modelBounds(int node) const {
    if (node < 0 || node >= doc_.numNodes()) return {};
    const auto& ports = doc_.ports(node);
    int ins = 0, outs = 0;
    for (const auto& p : ports) (p.output ? outs : ins)++;
    const float h = kTitleHeight + float(std::max({ins, outs, 1})) * kPortRow + 8.0f;
    const auto pos = doc_.nodePosition(node) + dragDelta(nodeIdOf(doc_, node));
    return {pos.x, pos.y, kNodeWidth, h};
}

juce::Point<float> WorkbenchCanvas::modelPort(int node, const std::string& comp, bool output) const {
    const auto r = modelBounds(node);
    if (r.isEmpty()) return {-1e6f, -1e6f};
    int k = 0;
    for (const auto& p : doc_.ports(node)) {
        if (p.output != output) continue;
        if (p.name == comp)
            return {output ? r.getRight() : r.getX(), r.getY() + kTitleHeight + 4.0f + (float(k) + 0.5f) * kPortRow};
        ++k;
    }
    return {-1e6f, -1e6f};
}

juce::Rectangle<float> WorkbenchCanvas::nodeBounds(int node) const {
    const auto r = modelBounds(node);
    if (r.isEmpty()) return {};
    return r.transformedBy(viewTransform());
}

juce::Point<float> WorkbenchCanvas::portPosition(int node, const std::string& comp, bool output) const {
    const auto m = modelPort(node, comp, output);
    if (m.x < -1e5f) return {-1.0f, -1.0f};
    return m.transformedBy(viewTransform());
}

void WorkbenchCanvas::setScale(float s) {
    scale_ = juce::jlimit(0.3f, 2.0f, s);
    repaint();
}

void WorkbenchCanvas::fitToView(float minScale) {
    const int n = doc_.numNodes();
    if (n == 0 || getWidth() <= 0 || getHeight() <= 0) return;
    juce::Rectangle<float> all = modelBounds(0);
    for (int i = 1; i < n; ++i) all = all.getUnion(modelBounds(i));
    all = all.expanded(24.0f, 16.0f).withTrimmedBottom(-30.0f);   // room for issue text under boxes
    const float s = juce::jlimit(juce::jlimit(0.3f, 1.0f, minScale), 1.0f,
                                 std::min(float(getWidth()) / all.getWidth(), float(getHeight()) / all.getHeight()));
    scale_ = s;
    // Centred when it fits, else from the left edge (the rest is a pan away).
    offset_ = {std::max(0.0f, (float(getWidth()) - all.getWidth() * s) * 0.5f) - all.getX() * s, 8.0f - all.getY() * s};
    repaint();
}

juce::String WorkbenchCanvas::issueTextOf(int node) const {
    const auto issues = doc_.issuesOf(DocIssue::Target::node, node);
    return issues.empty() ? juce::String() : shortIssue(issues.front());
}

juce::String WorkbenchCanvas::wireIssueTextOf(int wire) const {
    const auto issues = doc_.issuesOf(DocIssue::Target::wire, wire);
    return issues.empty() ? juce::String() : shortIssue(issues.front());
}

int WorkbenchCanvas::nodeAt(juce::Point<float> p) const {
    const int n = doc_.numNodes();
    for (int i = n - 1; i >= 0; --i)   // the topmost (drawn last) first
        if (nodeBounds(i).contains(p)) return i;
    return -1;
}

WorkbenchCanvas::PortHit WorkbenchCanvas::portAt(juce::Point<float> p, float radius) const {
    PortHit best;
    float bestD = radius;
    const int n = doc_.numNodes();
    for (int i = 0; i < n; ++i) {
        if (!nodeBounds(i).expanded(radius).contains(p)) continue;
        for (const auto& port : doc_.ports(i)) {
            const float d = portPosition(i, port.name, port.output).getDistanceFrom(p);
            if (d <= bestD) {
                bestD = d;
                best = {i, port.name, port.output};
            }
        }
    }
    return best;
}

juce::Path WorkbenchCanvas::wirePath(int wire) const {
    auto path = modelWirePath(wire);
    path.applyTransform(viewTransform());
    return path;
}

juce::Path WorkbenchCanvas::modelWirePath(int wire) const {
    juce::Path path;
    const auto e = doc_.wireEnds(wire);
    const int a = doc_.nodeIndex(e.from), b = doc_.nodeIndex(e.to);
    if (a < 0 || b < 0) return path;
    const auto p0 = modelPort(a, e.fromComp, true), p1 = modelPort(b, e.toComp, false);
    if (p0.x < -1e5f || p1.x < -1e5f) return path;
    path.startNewSubPath(p0);
    if (p1.x >= p0.x + 30.0f) {
        const float dx = std::max(30.0f, (p1.x - p0.x) * 0.5f);
        path.cubicTo(p0.translated(dx, 0), p1.translated(-dx, 0), p1);
    } else {
        // Backwards (feedback): out to the right, under both boxes, back in from the left.
        const float below = std::max(modelBounds(a).getBottom(), modelBounds(b).getBottom()) + 24.0f;
        const juce::Point<float> mid((p0.x + p1.x) * 0.5f, below);
        path.cubicTo(p0.translated(50, 0), {p0.x + 50.0f, below}, mid);
        path.cubicTo({p1.x - 50.0f, below}, p1.translated(-50, 0), p1);
    }
    return path;
}

int WorkbenchCanvas::wireAt(juce::Point<float> p) const {
    int best = -1;
    float bestD = 6.0f;
    for (int w = 0; w < doc_.numWires(); ++w) {
        const auto path = wirePath(w);
        if (path.isEmpty() || !path.getBounds().expanded(8.0f).contains(p)) continue;
        juce::Point<float> nearest;
        path.getNearestPoint(p, nearest);
        const float d = nearest.getDistanceFrom(p);
        if (d <= bestD) {
            bestD = d;
            best = w;
        }
    }
    return best;
}

juce::String WorkbenchCanvas::tooltipAt(juce::Point<float> p) const {
    const auto port = portAt(p, 7.0f);
    if (port.node >= 0) {
        for (const auto& dp : doc_.ports(port.node))
            if (dp.name == port.comp && dp.output == port.output)
                return str(nodeIdOf(doc_, port.node) + "." + dp.name) + (dp.output ? " (output)" : " (input)") +
                       (dp.doc.empty() ? juce::String() : ": " + str(dp.doc)) +
                       (dp.output ? "\nDrag to an input port to wire it." : "");
    }
    const int node = nodeAt(p);
    if (node >= 0) {
        const auto kind = doc_.nodeKind(node);
        juce::String tip = str(nodeIdOf(doc_, node)) + " (" + str(kNodeKindNames[int(kind)]) + "): " +
                           str(nodeSpec(kind).doc);
        const auto issues = doc_.issuesOf(DocIssue::Target::node, node);
        if (!issues.empty()) tip << "\n\nProblems:\n" << issuesText(issues);
        return tip;
    }
    const int wire = wireAt(p);
    if (wire >= 0) {
        const auto e = doc_.wireEnds(wire);
        juce::String tip = str(e.from + "." + e.fromComp + " -> " + e.to + "." + e.toComp);
        const auto issues = doc_.issuesOf(DocIssue::Target::wire, wire);
        if (!issues.empty()) tip << "\n\nProblems:\n" << issuesText(issues);
        return tip;
    }
    return {};
}

juce::String WorkbenchCanvas::getTooltip() {
    return tooltipAt(getMouseXYRelative().toFloat());
}

void WorkbenchCanvas::paint(juce::Graphics& g) {
    g.fillAll(colours::background);
    // A dot grid that moves with the view (shows panning).
    g.setColour(colours::panel.brighter(0.15f));
    const float step = 30.0f * scale_;
    const float gx = std::fmod(offset_.x, step), gy = std::fmod(offset_.y, step);
    for (float y = gy; y < float(getHeight()); y += step)
        for (float x = gx; x < float(getWidth()); x += step) g.fillRect(x, y, 1.5f, 1.5f);

    const auto ids = doc_.nodeIds();
    const int n = int(ids.size());
    if (n == 0) {
        g.setColour(colours::textDim);
        g.setFont(juce::Font(15.0f));
        g.drawFittedText("Empty patch. Right-click to add a node (or use \"Add node\"), then drag from an "
                         "output port (right edge) to an input port (left edge), or back, to wire them.",
                         getLocalBounds().reduced(40), juce::Justification::centred, 3);
    }

    g.saveState();
    g.addTransform(viewTransform());
    // Wires under the boxes.
    static const float delayDashes[] = {6.0f, 4.0f};
    for (int w = 0; w < doc_.numWires(); ++w) {
        const auto path = modelWirePath(w);
        if (path.isEmpty()) continue;
        const bool sel = w == selectedWire();
        const auto issue = wireIssueTextOf(w);
        const json* wj = wireJson(doc_, w);
        const json delay = member(wj, "delay");
        const json gain = member(wj, "gain");
        g.setColour(!issue.isEmpty() ? kIssue : sel ? colours::accent : colours::wire);
        strokeLine(g, path, sel ? 2.6f : 1.6f, delay.is_boolean() && delay.get<bool>() ? delayDashes : nullptr);
        if (scale_ < kDetailScale && !sel) continue; // zoomed far out: no arrowheads or labels (unreadable, and slow for thousands)
        const auto end = path.getCurrentPosition();
        const auto before = path.getPointAlongPath(std::max(0.0f, path.getLength() - 9.0f));
        juce::Path head;
        head.addArrow({before, end}, 0.0f, 8.0f, 9.0f);
        g.fillPath(head);
        juce::String label;
        if (gain.is_number() && gain.get<double>() != 1.0) label = "x" + formatNumber(gain.get<double>());
        else if (gain.is_string()) label = str(gain.get<std::string>());
        if (member(wj, "weights").is_array()) label = label.isEmpty() ? "W" : label + " W";
        if (member(wj, "init").is_string()) label << (label.isEmpty() ? "" : " ") << str(member(wj, "init").get<std::string>());
        if (delay.is_boolean() && delay.get<bool>()) label << (label.isEmpty() ? "" : " ") << "z-1";
        const auto mid = path.getPointAlongPath(path.getLength() * 0.5f);
        g.setFont(juce::Font(11.5f));
        if (label.isNotEmpty()) {
            const float w2 = g.getCurrentFont().getStringWidthFloat(label) + 8.0f;
            juce::Rectangle<float> r(mid.x - w2 * 0.5f, mid.y - 15.0f, w2, 14.0f);
            g.setColour(colours::background.withAlpha(0.85f));
            g.fillRoundedRectangle(r, 3.0f);
            g.setColour(sel ? colours::accent : colours::textDim);
            g.drawText(label, r, juce::Justification::centred, false);
        }
        if (issue.isNotEmpty()) {
            juce::Rectangle<float> r(mid.x - 110.0f, mid.y + 2.0f, 220.0f, 28.0f);
            g.setColour(colours::background.withAlpha(0.85f));
            g.fillRoundedRectangle(r, 3.0f);
            g.setColour(kIssue);
            g.drawFittedText(issue, r.toNearestInt(), juce::Justification::centredTop, 2);
        }
    }

    // The wire being dragged.
    if (drag_ == Drag::wire && wireFrom_.node >= 0) {
        const auto port = modelPort(wireFrom_.node, wireFrom_.comp, wireFrom_.output);
        const auto pointer = toModel(rubberEnd_);
        // always drawn from the output side to the input side
        const auto p0 = wireFrom_.output ? port : pointer, end = wireFrom_.output ? pointer : port;
        juce::Path band;
        const float dx = std::max(40.0f, std::abs(end.x - p0.x) * 0.5f);
        band.startNewSubPath(p0);
        band.cubicTo(p0.translated(dx, 0), end.translated(-dx, 0), end);
        const auto target = portAt(rubberEnd_, 10.0f);
        g.setColour(target.node >= 0 && target.output != wireFrom_.output ? colours::meterOk : colours::accent);
        static const float bandDashes[] = {3.0f, 3.0f};
        strokeLine(g, band, 2.0f, bandDashes);
    }

    // Boxes.
    const auto hot = drag_ == Drag::wire ? portAt(rubberEnd_, 10.0f) : PortHit{};   // the input a release would wire
    for (int i = 0; i < n; ++i) {
        const auto r = modelBounds(i);
        const auto kind = doc_.nodeKind(i);
        const bool sel = isSelected(ids[size_t(i)]);
        const auto issue = issueTextOf(i);
        g.setColour(colours::panel);
        g.fillRoundedRectangle(r, 6.0f);
        auto title = r.withHeight(kTitleHeight);
        g.setColour(kindColour(kind));
        g.fillRoundedRectangle(title, 6.0f);
        g.fillRect(title.withTrimmedTop(kTitleHeight * 0.5f));
        g.setColour(colours::text);
        g.setFont(juce::Font(14.0f, juce::Font::bold));
        g.drawText(str(ids[size_t(i)]), title.withHeight(17.0f).translated(0, 1.0f).reduced(7.0f, 0),
                   juce::Justification::centredLeft, true);
        g.setFont(juce::Font(11.5f));
        g.drawText(str(kNodeKindNames[int(kind)]), title.withTrimmedTop(16.0f).withTrimmedBottom(2.0f).reduced(7.0f, 0),
                   juce::Justification::centredLeft, true);
        // Ports: dots on the edges, names inside the box.
        const auto& ports = doc_.ports(i);
        g.setFont(juce::Font(11.5f));
        for (const auto& p : ports) {
            const auto c = modelPort(i, p.name, p.output);
            const bool target = hot.node == i && hot.comp == p.name && p.output == hot.output && hot.output != wireFrom_.output;
            g.setColour(target ? colours::meterOk : p.output ? colours::positive : colours::accent);
            g.fillEllipse(c.x - 4.0f, c.y - 4.0f, 8.0f, 8.0f);
            g.setColour(colours::background);
            g.drawEllipse(c.x - 4.0f, c.y - 4.0f, 8.0f, 8.0f, 1.0f);
            g.setColour(colours::text);
            const juce::Rectangle<float> text(p.output ? r.getCentreX() - 4.0f : r.getX() + 8.0f, c.y - 7.0f,
                                              r.getWidth() * 0.5f - 4.0f, 14.0f);
            g.drawText(str(p.name), text, p.output ? juce::Justification::centredRight : juce::Justification::centredLeft,
                       true);
        }
        if (issue.isNotEmpty()) {
            g.setColour(kIssue);
            g.drawRoundedRectangle(r.expanded(1.5f), 7.0f, 2.5f);
        }
        if (sel) {
            g.setColour(colours::accent);
            g.drawRoundedRectangle(r.expanded(issue.isNotEmpty() ? 4.5f : 1.0f), 7.0f, 2.5f);
        } else if (issue.isEmpty()) {
            g.setColour(colours::panelEdge);
            g.drawRoundedRectangle(r, 6.0f, 1.0f);
        }
    }
    // Issue texts over everything else (a box drawn later must not hide them).
    for (int i = 0; i < n; ++i) {
        const auto issue = issueTextOf(i);
        if (issue.isEmpty()) continue;
        const auto r = modelBounds(i);
        {
            g.setFont(juce::Font(12.0f));
            const juce::Rectangle<float> box(r.getX() - 20.0f, r.getBottom() + 3.0f, r.getWidth() + 40.0f, 30.0f);
            const float tw = std::min(box.getWidth(), g.getCurrentFont().getStringWidthFloat(issue) + 8.0f);
            const bool twoLines = g.getCurrentFont().getStringWidthFloat(issue) + 8.0f > box.getWidth();
            g.setColour(colours::background.withAlpha(0.9f));
            g.fillRoundedRectangle(box.withSizeKeepingCentre(tw, box.getHeight()).withHeight(twoLines ? 30.0f : 16.0f), 3.0f);
            g.setColour(kIssue);
            g.drawFittedText(issue, box.toNearestInt(), juce::Justification::centredTop, 2);
        }
    }
    g.restoreState();
    if (hasKeyboardFocus(false)) {
        g.setColour(colours::accent.withAlpha(0.6f));
        g.drawRect(getLocalBounds(), 2);
    }
}

void WorkbenchCanvas::mouseDown(const juce::MouseEvent& e) {
    grabKeyboardFocus();
    shiftToggle_.clear();
    dragMove_ = {};
    if (e.mods.isPopupMenu()) {
        drag_ = Drag::none;
        const int node = nodeAt(e.position);
        if (node >= 0) {
            const auto id = nodeIdOf(doc_, node);
            if (!isSelected(id)) selectNodes({id});
            showNodeMenu(node);
        } else {
            const int wire = wireAt(e.position);
            if (wire >= 0) selectWire(wire);
            showCanvasMenu(e.position);
        }
        return;
    }
    if (e.mods.isMiddleButtonDown() || e.mods.isAltDown()) {
        drag_ = Drag::pan;
        panStart_ = offset_;
        return;
    }
    const auto port = portAt(e.position, 7.0f);
    if (port.node >= 0) { // a wire drawn from an output to an input, or back from an input to an output
        drag_ = Drag::wire;
        wireFrom_ = port;
        rubberEnd_ = e.position;
        repaint();
        return;
    }
    const int node = nodeAt(e.position);
    if (node >= 0) {
        const auto id = nodeIdOf(doc_, node);
        if (e.mods.isShiftDown()) {
            if (isSelected(id)) shiftToggle_ = id;
            else {
                selected_.push_back(id);
                selectedWire_ = -1;
                notifySelection();
            }
        } else if (!isSelected(id)) {
            selectNodes({id});
        }
        drag_ = Drag::nodes;
        return;
    }
    const int wire = wireAt(e.position);
    if (wire >= 0) {
        selectWire(wire);
        drag_ = Drag::none;
        return;
    }
    if (!selected_.empty() || selectedWire_ >= 0) clearSelection();
    drag_ = Drag::pan;   // dragging empty space pans too
    panStart_ = offset_;
}

void WorkbenchCanvas::mouseDrag(const juce::MouseEvent& e) {
    const auto d = e.position - e.mouseDownPosition;
    switch (drag_) {
        case Drag::nodes:
            if (d.getDistanceFromOrigin() > 2.0f) shiftToggle_.clear();
            dragMove_ = d;
            repaint();
            break;
        case Drag::wire:
            rubberEnd_ = e.position;
            repaint();
            break;
        case Drag::pan: setViewOffset(panStart_ + d); break;
        case Drag::none: break;
    }
}

void WorkbenchCanvas::mouseUp(const juce::MouseEvent& e) {
    const auto mode = drag_;
    drag_ = Drag::none;
    if (mode == Drag::nodes) {
        const auto d = dragMove_;
        dragMove_ = {};
        if (!shiftToggle_.empty()) {
            selected_.erase(std::remove(selected_.begin(), selected_.end(), shiftToggle_), selected_.end());
            shiftToggle_.clear();
            notifySelection();
        } else if (std::abs(d.x) >= 1.0f || std::abs(d.y) >= 1.0f) {
            doc_.moveNodes(selectedNodes(), d.x / scale_, d.y / scale_);
            edited();
        }
        repaint();
    } else if (mode == Drag::wire) {
        const auto target = portAt(e.position, 10.0f);
        const auto from = wireFrom_;
        wireFrom_ = {};
        if (target.node >= 0 && target.output != from.output) {
            const auto& out = from.output ? from : target;
            const auto& in = from.output ? target : from;
            std::string error;
            const int w = doc_.addWire(nodeIdOf(doc_, out.node), out.comp, nodeIdOf(doc_, in.node), in.comp, error);
            if (w >= 0) {
                edited();
                selectWire(w);
            }
        }
        repaint();
    }
}

void WorkbenchCanvas::mouseWheelMove(const juce::MouseEvent& e, const juce::MouseWheelDetails& wheel) {
    if (e.mods.isCommandDown() || e.mods.isCtrlDown()) {   // zoom around the pointer
        const auto m = toModel(e.position);
        scale_ = juce::jlimit(0.3f, 2.0f, scale_ * (1.0f + juce::jlimit(-0.5f, 0.5f, wheel.deltaY)));
        offset_ = e.position - m * scale_;
    } else {
        offset_ += juce::Point<float>(wheel.deltaX, wheel.deltaY) * 250.0f;
    }
    repaint();
}

bool WorkbenchCanvas::keyPressed(const juce::KeyPress& key) {
    const auto mods = key.getModifiers();
    const int code = key.getKeyCode();
    const int lower = code >= 'A' && code <= 'Z' ? code - 'A' + 'a' : code;
    if (key.isKeyCode(juce::KeyPress::deleteKey) || key.isKeyCode(juce::KeyPress::backspaceKey)) {
        deleteSelection();
        return true;
    }
    if (!mods.isCommandDown()) return false;
    switch (lower) {
        case 'z':
            if (mods.isShiftDown() ? doc_.redo() : doc_.undo()) edited();
            return true;
        case 'y':
            if (doc_.redo()) edited();
            return true;
        case 'c': copySelection(); return true;
        case 'v': paste(); return true;
        case 'd': duplicateSelection(); return true;
        case 'a': selectAll(); return true;
        default: return false;
    }
}

void WorkbenchCanvas::addNodeAt(NodeKind kind, juce::Point<float> p) {
    const auto local = toModel(p);
    const auto id = doc_.addNode(kind, local.x, local.y);
    edited();
    if (!id.empty()) selectNodes({id});
    if (isShowing()) grabKeyboardFocus(); // (from a menu) Delete, Ctrl+Z, ... act on the canvas at once
}

void WorkbenchCanvas::deleteSelection() {
    const auto nodes = selectedNodes();
    if (!nodes.empty()) {
        doc_.deleteNodes(nodes);
        selected_.clear();
        edited();
        notifySelection();
    } else if (selectedWire() >= 0) {
        doc_.deleteWires({selectedWire()});
        selectedWire_ = -1;
        edited();
        notifySelection();
    }
}

void WorkbenchCanvas::copySelection() {
    const auto nodes = selectedNodes();
    if (nodes.empty()) return;
    clipboard_ = doc_.copyNodes(nodes);
    juce::SystemClipboard::copyTextToClipboard(str(clipboard_));
}

void WorkbenchCanvas::paste() {
    std::vector<std::string> ids;
    const auto system = juce::SystemClipboard::getTextFromClipboard().toStdString();
    if (!system.empty()) ids = doc_.paste(system, 30.0f, 30.0f);
    if (ids.empty() && !clipboard_.empty()) ids = doc_.paste(clipboard_, 30.0f, 30.0f);
    if (ids.empty()) return;
    edited();
    selectNodes(ids);
}

void WorkbenchCanvas::duplicateSelection() {
    const auto nodes = selectedNodes();
    if (nodes.empty()) return;
    const auto ids = doc_.paste(doc_.copyNodes(nodes), 30.0f, 30.0f);
    if (ids.empty()) return;
    edited();
    selectNodes(ids);
}

void WorkbenchCanvas::selectAll() {
    selectNodes(doc_.nodeIds());
}

void WorkbenchCanvas::showCanvasMenu(juce::Point<float> p) {
    juce::PopupMenu menu;
    menu.addSectionHeader("Add node");
    for (int k = 0; k < kNumNodeKinds; ++k) menu.addItem(100 + k, str(kNodeKindNames[k]));
    menu.addSeparator();
    menu.addItem(1, "Paste", !clipboard_.empty());
    menu.addItem(2, "Select all", doc_.numNodes() > 0);
    juce::Component::SafePointer<WorkbenchCanvas> safe(this);
    menu.showMenuAsync(juce::PopupMenu::Options().withTargetComponent(this).withTargetScreenArea(
                           juce::Rectangle<int>(1, 1).withPosition(localPointToGlobal(p.toInt()))),
                       [safe, p](int result) {
                           if (safe == nullptr) return;
                           if (result >= 100 && result < 100 + kNumNodeKinds) safe->addNodeAt(NodeKind(result - 100), p);
                           else if (result == 1) safe->paste();
                           else if (result == 2) safe->selectAll();
                       });
}

void WorkbenchCanvas::showNodeMenu(int node) {
    const auto id = nodeIdOf(doc_, node);
    juce::PopupMenu menu;
    menu.addItem(1, "Delete");
    menu.addItem(2, "Duplicate");
    menu.addItem(3, "Rename...");
    menu.addItem(4, "Copy");
    juce::Component::SafePointer<WorkbenchCanvas> safe(this);
    menu.showMenuAsync(juce::PopupMenu::Options().withTargetComponent(this).withMousePosition(),
                       [safe, id](int result) {
                           if (safe == nullptr) return;
                           if (result == 1) safe->deleteSelection();
                           else if (result == 2) safe->duplicateSelection();
                           else if (result == 3) safe->askRename(id);
                           else if (result == 4) safe->copySelection();
                       });
}

namespace {

/** A small modal dialog inside the editor (no window of its own: plugin hosts handle that
    best): a prompt, a problem line, a text field, Rename and Cancel. Ends its modal state with
    1 (Rename, Return) or 0 (Cancel, Escape); the modal manager deletes it afterwards. */
} // namespace

NameDialog::NameDialog(const juce::String& prompt, const juce::String& problem, const juce::String& text,
                       const juce::String& okText) {
    setComponentID("rename");
    prompt_.setText(prompt, juce::dontSendNotification);
    prompt_.setColour(juce::Label::textColourId, colours::text);
    problem_.setText(problem, juce::dontSendNotification);
    problem_.setComponentID("rename:problem");
    problem_.setColour(juce::Label::textColourId, kIssue);
    editor_.setComponentID("rename:id");
    styleEditor(editor_);
    editor_.setText(text, juce::dontSendNotification);
    editor_.onReturnKey = [this] { exitModalState(1); };
    editor_.onEscapeKey = [this] { exitModalState(0); };
    ok_.setButtonText(okText);
    ok_.onClick = [this] { exitModalState(1); };
    cancel_.onClick = [this] { exitModalState(0); };
    for (juce::Component* c : {static_cast<juce::Component*>(&prompt_), static_cast<juce::Component*>(&problem_),
                               static_cast<juce::Component*>(&editor_), static_cast<juce::Component*>(&ok_),
                               static_cast<juce::Component*>(&cancel_)})
        addAndMakeVisible(*c);
    const int promptHeight = prompt_.getText().length() > 56 ? 40 : 24;
    setSize(400, promptHeight + 92 + (problem.isEmpty() ? 0 : 34));
}

void NameDialog::paint(juce::Graphics& g) {
    g.fillAll(colours::panel);
    g.setColour(colours::accent);
    g.drawRect(getLocalBounds(), 2);
}

void NameDialog::resized() {
    auto r = getLocalBounds().reduced(12, 10);
    prompt_.setBounds(r.removeFromTop(prompt_.getText().length() > 56 ? 40 : 24));
    if (problem_.getText().isNotEmpty()) problem_.setBounds(r.removeFromTop(34));
    editor_.setBounds(r.removeFromTop(26));
    r.removeFromTop(8);
    auto buttons = r.removeFromTop(26);
    cancel_.setBounds(buttons.removeFromRight(80));
    buttons.removeFromRight(8);
    ok_.setBounds(buttons.removeFromRight(80));
}

void NameDialog::parentHierarchyChanged() {
    editor_.grabKeyboardFocus();
    editor_.selectAll();
}

NameDialog* NameDialog::showIn(juce::Component& owner, const juce::String& prompt, const juce::String& problem,
                               const juce::String& text, const juce::String& okText,
                               std::function<void(const juce::String&)> onOk) {
    auto* top = owner.getTopLevelComponent();
    auto* dialog = new NameDialog(prompt, problem, text, okText);
    top->addAndMakeVisible(dialog);
    dialog->setCentrePosition(top->getLocalBounds().getCentre());
    juce::Component::SafePointer<NameDialog> window(dialog);
    dialog->enterModalState(true, juce::ModalCallbackFunction::create([window, onOk = std::move(onOk)](int result) {
                                if (result == 1 && window != nullptr) onOk(window->text());
                            }),
                            true);
    return dialog;
}

void WorkbenchCanvas::askRename(const std::string& id, const juce::String& problem) {
    if (doc_.nodeIndex(id) < 0) return;
    juce::Component::SafePointer<WorkbenchCanvas> safe(this);
    renameDialog_ = NameDialog::showIn(*this, "New id for '" + str(id) + "' (wires and bindings follow):", problem, str(id),
                                       "Rename", [safe, id](const juce::String& text) {
        if (safe == nullptr) return;
        const auto to = text.trim().toStdString();
        if (to == id) return;
        std::string error;
        if (safe->doc_.renameNode(id, to, error)) {
            safe->selected_ = {to};
            safe->edited();
            safe->notifySelection();
        } else {
            // Ask again, saying why (once this dialog is gone).
            juce::MessageManager::callAsync([safe, id, error] {
                if (safe != nullptr) safe->askRename(id, str(error));
            });
        }
    });
}

// =============================================================================================
// WorkbenchInspector

namespace {

constexpr int kLabelWidth = 118;

/** A slider that edits an integer or a bounded number; commits once per gesture. */
std::unique_ptr<juce::Slider> makeSlider(const juce::String& id, double lo, double hi, double interval, double value,
                                         bool incDec, const juce::String& suffix, int& dragging,
                                         std::function<void(double)> commit) {
    auto s = std::make_unique<juce::Slider>(incDec ? juce::Slider::IncDecButtons : juce::Slider::LinearBar,
                                            incDec ? juce::Slider::TextBoxLeft : juce::Slider::TextBoxLeft);
    s->setComponentID(id);
    s->setName(id);
    s->setRange(lo, hi, interval);
    s->setValue(value, juce::dontSendNotification);
    if (suffix.isNotEmpty()) s->setTextValueSuffix(" " + suffix);
    s->setColour(juce::Slider::trackColourId, colours::accent.withAlpha(0.45f));
    if (incDec) {
        s->setIncDecButtonsMode(juce::Slider::incDecButtonsNotDraggable);
        s->setTextBoxStyle(juce::Slider::TextBoxLeft, false, 90, 22);
    }
    auto* raw = s.get();
    int* drag = &dragging;
    auto active = std::make_shared<bool>(false);
    s->onDragStart = [drag, active] {
        *active = true;
        ++*drag;
    };
    s->onDragEnd = [raw, drag, active, commit] {
        if (*active) {
            *active = false;
            --*drag;
        }
        if (commit) commit(raw->getValue());
    };
    s->onValueChange = [raw, active, commit] {
        if (!*active && commit) commit(raw->getValue());
    };
    return s;
}

const char* const kInitDists[] = {"constant", "uniform", "gaussian", "fan_in_gaussian", "fan_in_uniform", "hollow", "eye"};
std::vector<const char*> initKeys(const std::string& dist) {
    if (dist == "constant" || dist == "hollow" || dist == "eye") return {"value"};
    if (dist == "uniform") return {"amin", "amax"};
    if (dist == "gaussian" || dist == "normal") return {"mu", "sigma"};
    if (dist == "fan_in_gaussian" || dist == "fan_in_uniform") return {"scale"};
    return {};
}

} // namespace

WorkbenchInspector::WorkbenchInspector(PatchDocument& doc) : doc_(doc) {
    issues_.setColour(juce::Label::textColourId, kIssue);
    issues_.setJustificationType(juce::Justification::topLeft);
    issues_.setFont(juce::Font(13.0f));
    addChildComponent(issues_);
    setSize(320, 200);
}

WorkbenchInspector::~WorkbenchInspector() {
    cancelPendingUpdate();
}

void WorkbenchInspector::handleAsyncUpdate() {
    retired_.clear();
    refresh();
}

void WorkbenchInspector::setSelection(const std::vector<std::string>& nodes, int wire) {
    nodes_ = nodes;
    wire_ = nodes.empty() ? wire : -1;
    triggerAsyncUpdate();
}

void WorkbenchInspector::refresh() {
    if (dragging_ > 0) return;
    // Drop what no longer exists (undo removed the selected node).
    nodes_.erase(std::remove_if(nodes_.begin(), nodes_.end(), [this](const std::string& id) { return doc_.nodeIndex(id) < 0; }),
                 nodes_.end());
    if (wire_ >= doc_.numWires()) wire_ = -1;
    if (doc_.revision() == builtRevision_ && nodes_ == builtNodes_ && wire_ == builtWire_) return;
    rebuild();
}

juce::Component* WorkbenchInspector::control(const juce::String& componentID) const {
    for (const auto& r : rows_)
        if (r.control != nullptr)
            if (auto* c = findById(*r.control, componentID)) return c;
    return nullptr;
}

juce::String WorkbenchInspector::issueText() const {
    return issues_.getText();
}

void WorkbenchInspector::addHeading(const juce::String& text) {
    Row r;
    r.label = std::make_unique<juce::Label>(text, text);
    r.label->setFont(juce::Font(15.0f, juce::Font::bold));
    r.label->setColour(juce::Label::textColourId, colours::text);
    addAndMakeVisible(*r.label);
    r.height = 26;
    rows_.push_back(std::move(r));
}

void WorkbenchInspector::addRow(const juce::String& label, std::unique_ptr<juce::Component> c, const juce::String& tip,
                                int height) {
    Row r;
    r.label = std::make_unique<juce::Label>(label, label);
    r.label->setFont(juce::Font(13.0f));
    r.label->setColour(juce::Label::textColourId, colours::textDim);
    r.label->setMinimumHorizontalScale(0.7f);
    r.label->setTooltip(tip);
    addAndMakeVisible(*r.label);
    if (c != nullptr) {
        if (auto* tc = dynamic_cast<juce::SettableTooltipClient*>(c.get()); tc != nullptr && tip.isNotEmpty())
            tc->setTooltip(tip);
        addAndMakeVisible(*c);
    }
    r.control = std::move(c);
    r.height = height;
    rows_.push_back(std::move(r));
}

void WorkbenchInspector::rebuild() {
    // Keyboard focus stays on the same control (by its ID) across the rebuild.
    juce::String focused;
    if (auto* f = juce::Component::getCurrentlyFocusedComponent(); f != nullptr && isParentOf(f)) {
        for (auto* c = f; c != nullptr && c != this && focused.isEmpty(); c = c->getParentComponent())
            focused = c->getComponentID();
    }
    // The old rows may be running the callback that changed the document (a ComboBox's
    // onChange when the owner refreshes from PatchDocument::onChange): hide them now, delete
    // them later, outside any of their callbacks.
    for (auto& r : rows_) {
        if (r.label != nullptr) removeChildComponent(r.label.get());
        if (r.control != nullptr) removeChildComponent(r.control.get());
        retired_.push_back(std::move(r));
    }
    rows_.clear();
    if (!retired_.empty()) triggerAsyncUpdate();
    builtRevision_ = doc_.revision();
    builtNodes_ = nodes_;
    builtWire_ = wire_;
    std::vector<DocIssue> issues;
    if (!nodes_.empty()) {
        const int node = doc_.nodeIndex(nodes_.front());
        issues = doc_.issuesOf(DocIssue::Target::node, node);
        // The problems of the bindings that drive this node's fields.
        for (int b = 0; b < doc_.numBindings(); ++b) {
            const json target = member(bindingJson(doc_, b), "node");
            if (!target.is_string() || target.get<std::string>() != nodes_.front()) continue;
            for (auto& i : doc_.issuesOf(DocIssue::Target::binding, b)) issues.push_back(std::move(i));
        }
        buildNodeRows(node);
    } else if (wire_ >= 0) {
        issues = doc_.issuesOf(DocIssue::Target::wire, wire_);
        buildWireRows(wire_);
    } else {
        issues = doc_.issues();
        buildPatchRows();
    }
    juce::StringArray lines;
    for (const auto& i : issues) lines.add((i.path.empty() ? juce::String() : str(i.path) + ": ") + str(i.message));
    issues_.setText(lines.joinIntoString("\n"), juce::dontSendNotification);
    issues_.setVisible(!issues.empty());
    resized();
    repaint();
    if (focused.isNotEmpty())
        if (auto* c = control(focused)) c->grabKeyboardFocus();
}

void WorkbenchInspector::resized() {
    const int w = getWidth();
    int y = 6;
    if (issues_.isVisible()) {
        const juce::Font f(13.0f);
        int lines = 0;
        juce::StringArray parts;
        parts.addLines(issues_.getText());
        for (const auto& p : parts)
            lines += 1 + int(f.getStringWidthFloat(p) / float(std::max(40, w - 16)));
        const int h = lines * 16 + 8;
        issues_.setBounds(4, y, w - 8, h);
        y += h + 4;
    }
    for (auto& r : rows_) {
        if (r.control == nullptr) {
            r.label->setBounds(4, y, w - 8, r.height);
        } else {
            r.label->setBounds(4, y, kLabelWidth - 6, std::min(r.height, 24));
            r.control->setBounds(kLabelWidth, y, w - kLabelWidth - 6, r.height);
        }
        y += r.height + 4;
    }
    const int h = y + 8;
    if (getHeight() != h) setSize(w, h);   // the viewport scrolls
}

void WorkbenchInspector::paint(juce::Graphics& g) {
    g.fillAll(colours::panel);
}

void WorkbenchInspector::buildPatchRows() {
    addHeading("Patch");
    auto name = makeTextField("patch:name", str(doc_.name()), [this](const juce::String& t) {
        doc_.setName(t.toStdString());
        edited();
        return true;
    });
    addRow("Name", std::move(name), "The patch's name (shown in the patch list)");
    const auto desc = member(&doc_.doc(), "description");
    auto d = makeTextField("patch:description", desc.is_string() ? str(desc.get<std::string>()) : juce::String(),
                           [this](const juce::String& t) {
                               doc_.setDescription(t.toStdString());
                               edited();
                               return true;
                           });
    d->setMultiLine(true, true);
    d->setReturnKeyStartsNewLine(false);
    addRow("Description", std::move(d), "What the patch does", 64);

    addHeading("Learning");
    const auto learning = member(&doc_.doc(), "learning");
    const auto settleJ = member(&learning, "settle");
    const int settle = settleJ.is_number() ? settleJ.get<int>() : 1;
    const auto evolveJ = member(&learning, "evolve");
    juce::String evolve = "step";
    int every = 1;
    if (evolveJ.is_string()) evolve = str(evolveJ.get<std::string>());
    else if (evolveJ.is_object() && evolveJ.contains("every") && evolveJ["every"].is_number()) {
        evolve = "every";
        every = evolveJ["every"].get<int>();
    }
    auto commit = [this](int s, const juce::String& ev, int n) {
        json l = json::object();
        l["settle"] = s;
        if (ev == "every") l["evolve"] = json{{"every", n}};
        else l["evolve"] = ev.toStdString();
        doc_.setLearning(l);
        edited();
    };
    auto* settleSlider = makeSlider("learning:settle", 1, kMaxSettleSteps, 1, settle, true, {}, dragging_, {}).release();
    auto* evolveBox = new juce::ComboBox("learning:evolve");
    auto* everySlider = makeSlider("learning:every", 1, kMaxEvolveEvery, 1, every, true, {}, dragging_, {}).release();
    evolveBox->setComponentID("learning:evolve");
    evolveBox->addItem("step", 1);
    evolveBox->addItem("every", 2);
    evolveBox->addItem("episode", 3);
    evolveBox->setSelectedId(evolve == "every" ? 2 : evolve == "episode" ? 3 : 1, juce::dontSendNotification);
    everySlider->setEnabled(evolve == "every");
    auto apply = [=] {
        commit(int(settleSlider->getValue()), evolveBox->getText(), int(everySlider->getValue()));
    };
    settleSlider->onValueChange = apply;
    everySlider->onValueChange = apply;
    evolveBox->onChange = apply;
    addRow("settle", std::unique_ptr<juce::Component>(settleSlider),
           "Graph steps per audio step (1..64): ngclearn's circuits settle T steps per input before they learn");
    addRow("evolve", std::unique_ptr<juce::Component>(evolveBox),
           "When every HebbianSynapse learns: every audio step, every N audio steps, or on each endEpisode event");
    addRow("every", std::unique_ptr<juce::Component>(everySlider), "evolve \"every\": audio steps between evolves");
}

void WorkbenchInspector::buildNodeRows(int node) {
    if (node < 0) return;
    const auto id = nodeIdOf(doc_, node);
    const auto kind = doc_.nodeKind(node);
    const auto& spec = nodeSpec(kind);
    addHeading(str(kNodeKindNames[int(kind)]) + (nodes_.size() > 1 ? " (+" + juce::String(int(nodes_.size()) - 1) + " more)" : ""));
    rows_.back().label->setTooltip(str(spec.doc));
    {
        auto docLabel = std::make_unique<juce::Label>("doc", str(spec.doc));
        docLabel->setFont(juce::Font(12.0f));
        docLabel->setColour(juce::Label::textColourId, colours::textDim);
        Row r;
        r.label = std::move(docLabel);
        r.height = 34;
        addAndMakeVisible(*r.label);
        rows_.push_back(std::move(r));
    }

    // The node id (renames every reference).
    auto holder = std::make_unique<Holder>();
    auto* idField = holder->own(makeTextField("node:id", str(id), [](const juce::String&) { return true; }));
    auto* idError = holder->own(std::make_unique<juce::Label>("node:idError", ""));
    idError->setComponentID("node:idError");
    idError->setColour(juce::Label::textColourId, kIssue);
    idError->setFont(juce::Font(12.0f));
    holder->layout = [idField, idError](Holder& h) {
        auto b = h.getLocalBounds();
        idField->setBounds(b.removeFromTop(24));
        idError->setBounds(b);
    };
    {
        auto commitId = [this, id, idField, idError] {
            const auto to = idField->getText().trim().toStdString();
            if (to == id) return;
            std::string error;
            if (doc_.renameNode(id, to, error)) {
                idError->setText({}, juce::dontSendNotification);
                nodes_[0] = to;
                if (onRenamed) onRenamed(id, to);
                edited();
            } else {
                idError->setText(str(error), juce::dontSendNotification);
                idField->setColour(juce::TextEditor::textColourId, kIssue);
                idField->applyColourToAllText(kIssue);
            }
        };
        idField->onReturnKey = commitId;
        idField->onFocusLost = commitId;
    }
    addRow("id", std::move(holder), "The node's id: wires and bindings name it (renaming updates them)", 42);

    // Synapses: shape, weight_init, tie.
    if (isSynapseKind(kind)) {
        const json* nj = nodeJson(doc_, node);
        const json params = member(nj, "params");
        const json shape = member(&params, "shape");
        int nIn = 1, nOut = 1;
        if (shape.is_array() && shape.size() == 2 && shape[0].is_number() && shape[1].is_number()) {
            nIn = shape[0].get<int>();
            nOut = shape[1].get<int>();
        }
        auto sh = std::make_unique<Holder>();
        auto* inS = sh->own(makeSlider("shape:in", 1, 4096, 1, nIn, true, {}, dragging_, {}));
        auto* outS = sh->own(makeSlider("shape:out", 1, 4096, 1, nOut, true, {}, dragging_, {}));
        for (auto* sl : {inS, outS}) sl->setTextBoxStyle(juce::Slider::TextBoxLeft, false, 52, 22);
        auto commitShape = [this, id, inS, outS] {
            doc_.setNodeParam(id, "shape", json::array({int(inS->getValue()), int(outS->getValue())}));
            edited();
        };
        inS->onValueChange = commitShape;
        outS->onValueChange = commitShape;
        sh->layout = [inS, outS](Holder& h) {
            auto b = h.getLocalBounds();
            inS->setBounds(b.removeFromLeft(b.getWidth() / 2 - 2));
            outS->setBounds(b.removeFromRight(b.getWidth() - 4));
        };
        addRow("shape", std::move(sh), "[n_in, n_out]: inputs has n_in units, outputs n_out");

        const json init = member(&params, "weight_init");
        const std::string dist = init.is_object() && init.contains("dist") && init["dist"].is_string()
                                     ? init["dist"].get<std::string>() : std::string();
        auto* distBox = new juce::ComboBox("winit:dist");
        distBox->setComponentID("winit:dist");
        distBox->addItem("(default)", 1);
        int sel = 1;
        for (int i = 0; i < int(std::size(kInitDists)); ++i) {
            distBox->addItem(kInitDists[i], i + 2);
            if (dist == kInitDists[i] || (dist == "normal" && std::string(kInitDists[i]) == "gaussian")) sel = i + 2;
        }
        distBox->setSelectedId(sel, juce::dontSendNotification);
        distBox->onChange = [this, id, distBox, init] {
            if (distBox->getSelectedId() <= 1) doc_.setNodeParam(id, "weight_init", json());
            else {
                json j = json::object();
                j["dist"] = distBox->getText().toStdString();
                for (const char* k : initKeys(j["dist"].get<std::string>()))
                    if (init.is_object() && init.contains(k)) j[k] = init[k];
                if (j["dist"] == "uniform" && !j.contains("amin")) {
                    j["amin"] = -0.1;
                    j["amax"] = 0.1;
                }
                doc_.setNodeParam(id, "weight_init", j);
            }
            edited();
        };
        addRow("weight_init", std::unique_ptr<juce::Component>(distBox),
               "The weights' initialiser (ngclearn's weight_init): constant, uniform (amin, amax), gaussian (mu, sigma), "
               "fan_in_*, hollow, eye");
        for (const char* k : initKeys(dist)) {
            const json v = member(&init, k);
            const std::string key = k;
            addRow(juce::String("  ") + k,
                   makeTextField("winit:" + juce::String(k), jsonText(v), [this, id, init, key](const juce::String& t) {
                       json j = init;
                       if (t.trim().isEmpty()) j.erase(key);
                       else if (auto n = parseNumber(t)) j[key] = *n;
                       else return false;
                       doc_.setNodeParam(id, "weight_init", j);
                       edited();
                       return true;
                   }),
                   "weight_init." + juce::String(k) + " (empty: ngclearn's default)");
        }
        const json tie = member(&params, "tie");
        auto* tieBox = new juce::ComboBox("tie");
        tieBox->setComponentID("tie");
        tieBox->addItem("(none)", 1);
        const auto ids = doc_.nodeIds();
        int tieSel = 1;
        for (int i = 0; i < int(ids.size()); ++i) {
            if (i == node || !isSynapseKind(doc_.nodeKind(i))) continue;
            tieBox->addItem(str(ids[size_t(i)]), i + 2);
            if (tie.is_string() && tie.get<std::string>() == ids[size_t(i)]) tieSel = i + 2;
        }
        tieBox->setSelectedId(tieSel, juce::dontSendNotification);
        tieBox->onChange = [this, id, tieBox] {
            doc_.setNodeParam(id, "tie", tieBox->getSelectedId() <= 1 ? json() : json(tieBox->getText().toStdString()));
            edited();
        };
        addRow("tie", std::unique_ptr<juce::Component>(tieBox),
               "Read the transpose of another synapse's weights live (ngclearn's tied feedback E = W^T)");
    }

    // The spec's fields.
    addHeading("Parameters");
    for (const auto& f : spec.fields) {
        if (f.name == "batch_size") continue;   // the engine's (one row per audio channel)
        const std::string field(f.name);
        const juce::String cid = "field:" + str(f.name);
        const json value = doc_.nodeParam(id, field);
        const juce::String tip = str(f.doc) + (f.doc.empty() ? "" : "\n") + "Range: " +
                                 (f.type == FieldType::choice ? juce::String("a choice") :
                                  f.type == FieldType::flag ? juce::String("on/off") : rangeText(f)) +
                                 (f.unit.empty() ? juce::String() : " " + str(f.unit)) + "; default " +
                                 (f.type == FieldType::choice && int(f.defaultValue) < f.choices.count
                                      ? str(f.choices.names[int(f.defaultValue)]) : formatNumber(f.defaultValue));
        auto commit = [this, id, field](const json& v) {
            doc_.setNodeParam(id, field, v);
            edited();
        };
        std::unique_ptr<juce::Component> c;
        const double num = value.is_number() ? value.get<double>() : value.is_boolean() ? (value.get<bool>() ? 1.0 : 0.0) : f.defaultValue;
        const bool finite = std::isfinite(f.min) && std::isfinite(f.max);
        switch (f.type) {
            case FieldType::flag: {
                auto t = std::make_unique<juce::ToggleButton>(f.unit.empty() ? juce::String("on") : str(f.unit));
                t->setComponentID(cid);
                t->setToggleState(num != 0.0, juce::dontSendNotification);
                auto* raw = t.get();
                t->onClick = [raw, commit] { commit(json(raw->getToggleState())); };
                c = std::move(t);
                break;
            }
            case FieldType::choice: {
                auto b = std::make_unique<juce::ComboBox>(cid);
                b->setComponentID(cid);
                int sel = 0;
                for (int k = 0; k < f.choices.count; ++k) {
                    b->addItem(str(f.choices.names[k]), k + 1);
                    if (value.is_string() && value.get<std::string>() == f.choices.names[k]) sel = k + 1;
                }
                if (sel == 0 && value.is_number()) sel = int(value.get<double>()) + 1;
                if (sel == 0 && value.is_string() && f.choices.find(value.get<std::string>()))
                    sel = *f.choices.find(value.get<std::string>()) + 1;
                b->setSelectedId(sel, juce::dontSendNotification);
                auto* raw = b.get();
                b->onChange = [raw, commit] { commit(json(raw->getText().toStdString())); };
                c = std::move(b);
                break;
            }
            case FieldType::integer:
                if (finite && f.max - f.min <= 1000)
                    c = makeSlider(cid, f.min, f.max, 1, num, false, str(f.unit), dragging_,
                                   [commit](double v) { commit(json(int(std::lround(v)))); });
                else
                    c = makeSlider(cid, std::isfinite(f.min) ? f.min : -1e9, std::isfinite(f.max) ? f.max : 1e9, 1, num,
                                   true, str(f.unit), dragging_, [commit](double v) { commit(json(int(std::lround(v)))); });
                break;
            case FieldType::number:
                if (finite) {
                    c = makeSlider(cid, f.min, f.max, 0, num, false, str(f.unit), dragging_,
                                   [commit](double v) { commit(json(v)); });
                    static_cast<juce::Slider*>(c.get())->setNumDecimalPlacesToDisplay(4);
                } else {
                    auto t = makeTextField(cid, value.is_number() ? formatNumber(num) : juce::String(),
                                           [commit, f](const juce::String& text) {
                                               if (text.trim().isEmpty()) {
                                                   commit(json());   // the spec's default
                                                   return true;
                                               }
                                               const auto v = parseNumber(text);
                                               if (!v) return false;
                                               commit(json(*v));
                                               return true;
                                           });
                    t->setInputRestrictions(0, "0123456789.-+eE");
                    if (!f.unit.empty()) t->setTextToShowWhenEmpty(formatNumber(f.defaultValue) + " " + str(f.unit), colours::textDim);
                    else t->setTextToShowWhenEmpty(formatNumber(f.defaultValue), colours::textDim);
                    c = std::move(t);
                }
                break;
        }
        juce::String label = str(f.name) + (f.unit.empty() || f.type != FieldType::number || finite ? "" : " (" + str(f.unit) + ")");
        addRow(label, std::move(c), tip);

        if (!f.bindable) continue;
        // Host parameter binding: which parameter, value = offset + scale * host.
        const int b = doc_.bindingOf(id, field);
        const json* bj = bindingJson(doc_, b);
        const json param = member(bj, "param");
        const HostParam bound = param.is_string() ? findHostParam(param.get<std::string>()) : HostParam::count;
        const json scaleJ = member(bj, "scale"), offsetJ = member(bj, "offset"), mapJ = member(bj, "map");
        const double scale = scaleJ.is_number() ? scaleJ.get<double>() : 1.0;
        const double offset = offsetJ.is_number() ? offsetJ.get<double>() : 0.0;
        const bool db = mapJ.is_string() && mapJ.get<std::string>() == "db";
        auto bh = std::make_unique<Holder>();
        auto* box = bh->own(std::make_unique<juce::ComboBox>("bind:" + str(f.name)));
        box->setComponentID("bind:" + str(f.name));
        box->addItem("(none)", 1);
        for (int p = 0; p < kNumHostParams; ++p) box->addItem(str(kHostParams[size_t(p)].name), p + 2);
        box->setSelectedId(bound == HostParam::count ? 1 : int(bound) + 2, juce::dontSendNotification);
        auto* scaleEd = bh->own(makeTextField("bindscale:" + str(f.name), formatNumber(scale), [](const juce::String&) { return true; }));
        auto* offsetEd = bh->own(makeTextField("bindoffset:" + str(f.name), formatNumber(offset), [](const juce::String&) { return true; }));
        scaleEd->setTooltip("scale: value = offset + scale * host");
        offsetEd->setTooltip("offset: value = offset + scale * host");
        scaleEd->setEnabled(bound != HostParam::count);
        offsetEd->setEnabled(bound != HostParam::count);
        auto* dbBox = bh->own(std::make_unique<juce::ToggleButton>("dB"));
        dbBox->setComponentID("binddb:" + str(f.name));
        dbBox->setToggleState(db, juce::dontSendNotification);
        dbBox->setTooltip("dB map: value = 10^((offset + scale * host) / 20) (e.g. a gain in dB driving a linear field)");
        dbBox->setEnabled(bound != HostParam::count);
        auto commitBind = [this, id, field, box, scaleEd, offsetEd, dbBox]() -> bool {
            const int sel = box->getSelectedId();
            if (sel <= 1) {
                const int idx = doc_.bindingOf(id, field);
                if (idx >= 0) doc_.unbind(idx);
            } else {
                const auto s = parseNumber(scaleEd->getText()), o = parseNumber(offsetEd->getText());
                if (!s || !o) return false;
                doc_.bind(HostParam(sel - 2), id, field, float(*s), float(*o), dbBox->getToggleState());
            }
            edited();
            return true;
        };
        box->onChange = [commitBind] { commitBind(); };
        dbBox->onClick = [commitBind] { commitBind(); };
        for (auto* ed : {scaleEd, offsetEd}) {
            auto act = [ed, commitBind] {
                if (!commitBind()) {
                    ed->setColour(juce::TextEditor::textColourId, kIssue);
                    ed->applyColourToAllText(kIssue);
                }
            };
            ed->onReturnKey = act;
            ed->onFocusLost = act;
        }
        auto* x = bh->own(std::make_unique<juce::Label>("x", "x"));
        auto* plus = bh->own(std::make_unique<juce::Label>("+", "+"));
        for (auto* l : {x, plus}) {
            l->setFont(juce::Font(13.0f));
            l->setBorderSize({0, 2, 0, 2});
            l->setJustificationType(juce::Justification::centred);
            l->setColour(juce::Label::textColourId, colours::textDim);
        }
        bh->layout = [box, scaleEd, offsetEd, x, plus, dbBox](Holder& h) {
            auto r = h.getLocalBounds();
            box->setBounds(r.removeFromLeft(r.getWidth() - 156));
            dbBox->setBounds(r.removeFromLeft(44));
            x->setBounds(r.removeFromLeft(16));
            scaleEd->setBounds(r.removeFromLeft(40));
            plus->setBounds(r.removeFromLeft(16));
            offsetEd->setBounds(r);
        };
        addRow("  bind", std::move(bh),
               "Drive " + str(f.name) + " from a host parameter: value = offset + scale * host" + (db ? " (dB map)" : ""));
    }
}

void WorkbenchInspector::buildWireRows(int wire) {
    const auto e = doc_.wireEnds(wire);
    addHeading("Wire " + juce::String(wire + 1));
    {
        Row r;
        r.label = std::make_unique<juce::Label>("ends", str(e.from + "." + e.fromComp + " -> " + e.to + "." + e.toComp));
        r.label->setFont(juce::Font(13.0f));
        r.label->setColour(juce::Label::textColourId, colours::text);
        addAndMakeVisible(*r.label);
        rows_.push_back(std::move(r));
    }
    const json* wj = wireJson(doc_, wire);
    auto field = [this, wire, wj](const char* key, const juce::String& tip,
                                  std::function<std::optional<json>(const juce::String&)> parse) {
        const std::string k = key;
        auto t = makeTextField("wire:" + juce::String(key), jsonText(member(wj, key)),
                                  [this, wire, k, parse](const juce::String& t) {
                                      json v;
                                      if (t.trim().isNotEmpty()) {
                                          const auto p = parse(t);
                                          if (!p) return false;
                                          v = *p;
                                      }
                                      doc_.setWireField(wire, k, v);
                                      edited();
                                      return true;
                                  });
        static const std::map<std::string, juce::String> placeholders{
            {"gain", "1"}, {"bias", "0"}, {"scale", "1"}, {"seed", "(none)"}, {"id", "(none)"}};
        if (auto it = placeholders.find(k); it != placeholders.end()) t->setTextToShowWhenEmpty(it->second, colours::textDim);
        addRow(key, std::move(t), tip);
    };
    auto number = [](const juce::String& t) -> std::optional<json> {
        if (auto v = parseNumber(t)) return json(*v);
        return std::nullopt;
    };
    field("gain", "Scalar gain (default 1); times the weights when there are weights", number);
    field("bias", "A number, or one value per 'to' unit (comma-separated)", [](const juce::String& t) -> std::optional<json> {
        const auto l = parseList(t);
        if (!l) return std::nullopt;
        if (l->size() == 1) return json(l->front());
        return json(*l);
    });
    auto delay = std::make_unique<juce::ToggleButton>("read the previous step's value");
    delay->setComponentID("wire:delay");
    const json d = member(wj, "delay");
    delay->setToggleState(d.is_boolean() && d.get<bool>(), juce::dontSendNotification);
    auto* draw = delay.get();
    delay->onClick = [this, wire, draw] {
        doc_.setWireField(wire, "delay", draw->getToggleState() ? json(true) : json());
        edited();
    };
    addRow("delay", std::move(delay), "Read the source as it was at the end of the previous step (breaks cycles)");

    auto init = std::make_unique<juce::ComboBox>("wire:init");
    init->setComponentID("wire:init");
    init->addItem("(none)", 1);
    const char* inits[] = {"identity", "ones", "uniform"};
    const json iv = member(wj, "init");
    int sel = 1;
    for (int i = 0; i < 3; ++i) {
        init->addItem(inits[i], i + 2);
        if (iv.is_string() && iv.get<std::string>() == inits[i]) sel = i + 2;
    }
    init->setSelectedId(sel, juce::dontSendNotification);
    auto* iraw = init.get();
    init->onChange = [this, wire, iraw] {
        doc_.setWireField(wire, "init", iraw->getSelectedId() <= 1 ? json() : json(iraw->getText().toStdString()));
        edited();
    };
    addRow("init", std::move(init), "Weights instead of a scalar: identity (equal sizes), ones, uniform (in +-scale, with seed)");
    field("scale", "init: the weights' scale (default 1)", number);
    field("seed", "init uniform: the seed", [](const juce::String& t) -> std::optional<json> {
        const auto v = parseNumber(t);
        if (!v || *v < 0 || *v != std::floor(*v)) return std::nullopt;
        return json(static_cast<long long>(*v));
    });
    // Explicit weights: rows separated by ';' or new lines, values by ','. A large matrix is not
    // turned into text (it would stall the editor): it is summarised, and can be cleared.
    const json w = member(wj, "weights");
    std::size_t values = 0;
    if (w.is_array())
        for (const auto& r : w) values += r.is_array() ? r.size() : 1;
    if (values > kMaxEditableWeights) {
        auto clear = std::make_unique<juce::TextButton>("Clear " + juce::String(int(w.size())) + " x "
                                                        + juce::String(int(values / std::max<std::size_t>(1, w.size())))
                                                        + " weights");
        clear->setComponentID("wire:weights");
        clear->setTooltip("More than " + juce::String(int(kMaxEditableWeights))
                          + " explicit weights: edit them in the patch file; clear them to use the gain (or an initialiser)");
        clear->onClick = [this, wire] {
            doc_.setWireField(wire, "weights", json());
            edited();
        };
        addRow("weights", std::move(clear), {}, 28);
    } else {
        addWeightsField(wire, w);
    }
    field("id", "A name for bindings (\"wire\": id)", [](const juce::String& t) -> std::optional<json> {
        return json(t.trim().toStdString());
    });
}

void WorkbenchInspector::addWeightsField(int wire, const json& w) {
    juce::String wt;
    if (w.is_array()) {
        juce::StringArray rows;
        for (const auto& r : w) rows.add(jsonText(r));
        wt = rows.joinIntoString(";\n");
    }
    auto weights = makeTextField("wire:weights", wt, [this, wire](const juce::String& t) {
        json v;
        if (t.trim().isNotEmpty()) {
            juce::StringArray rows;
            rows.addTokens(t.replaceCharacter('\n', ';'), ";", "");
            rows.removeEmptyStrings();
            v = json::array();
            for (const auto& r : rows) {
                const auto l = parseList(r);
                if (!l) return false;
                v.push_back(*l);
            }
        }
        doc_.setWireField(wire, "weights", v);
        edited();
        return true;
    });
    weights->setMultiLine(true, true);
    weights->setTextToShowWhenEmpty("(gain only)  e.g. 1, 0; 0, 1", colours::textDim);
    weights->setReturnKeyStartsNewLine(false);
    addRow("weights", std::move(weights), "An explicit [to units][from units] matrix: rows separated by ';', values by ','", 60);
}

// =============================================================================================
// WorkbenchPanel

WorkbenchPanel::WorkbenchPanel(PatchDocument& doc) : doc_(doc), canvas_(doc), inspector_(doc) {
    for (auto* b : {&newButton_, &addButton_, &undoButton_, &redoButton_, &copyButton_, &pasteButton_, &deleteButton_, &fitButton_}) {
        b->setComponentID(b->getButtonText());
        addAndMakeVisible(*b);
    }
    newButton_.setTooltip("Start a new patch from a template (undoable)");
    addButton_.setTooltip("Add a node in the middle of the view (or right-click the canvas)");
    undoButton_.setTooltip("Undo (Ctrl+Z)");
    redoButton_.setTooltip("Redo (Ctrl+Shift+Z or Ctrl+Y)");
    copyButton_.setTooltip("Copy the selected nodes with the wires among them (Ctrl+C)");
    pasteButton_.setTooltip("Paste (Ctrl+V)");
    deleteButton_.setTooltip("Delete the selected nodes or wire (Delete)");
    newButton_.onClick = [this] { showNewMenu(); };
    addButton_.onClick = [this] { showAddMenu(); };
    undoButton_.onClick = [this] {
        doc_.undo();
        documentChanged();
    };
    redoButton_.onClick = [this] {
        doc_.redo();
        documentChanged();
    };
    copyButton_.onClick = [this] { canvas_.copySelection(); };
    pasteButton_.onClick = [this] { canvas_.paste(); };
    deleteButton_.onClick = [this] { canvas_.deleteSelection(); };
    fitButton_.setTooltip("Zoom and pan so that every node is in view (Ctrl+wheel zooms, the wheel or Alt+drag pans)");
    fitButton_.onClick = [this] { canvas_.fitToView(); };

    addAndMakeVisible(canvas_);
    inspectorView_.setViewedComponent(&inspector_, false);
    inspectorView_.setScrollBarsShown(true, false);
    addAndMakeVisible(inspectorView_);
    issueLine_.setFont(juce::Font(14.0f));
    issueLine_.setComponentID("issueLine");
    addAndMakeVisible(issueLine_);

    canvas_.onSelectionChanged = [this] {
        inspector_.setSelection(canvas_.selectedNodes(), canvas_.selectedWire());
        deleteButton_.setEnabled(!canvas_.selectedNodes().empty() || canvas_.selectedWire() >= 0);
        copyButton_.setEnabled(!canvas_.selectedNodes().empty());
    };
    canvas_.onDocumentEdited = [this] { documentChanged(); };
    inspector_.onRenamed = [this](const std::string&, const std::string& to) { canvas_.selectNodes({to}); };
    documentChanged();
    canvas_.onSelectionChanged();
    setSize(1100, 700);
    startTimerHz(10);
}

WorkbenchPanel::~WorkbenchPanel() {
    stopTimer();
}

juce::Button* WorkbenchPanel::button(const juce::String& name) const {
    for (auto* b : {&newButton_, &addButton_, &undoButton_, &redoButton_, &copyButton_, &pasteButton_, &deleteButton_, &fitButton_})
        if (b->getButtonText() == name) return const_cast<juce::TextButton*>(b);
    return nullptr;
}

void WorkbenchPanel::documentChanged() {
    seenRevision_ = doc_.revision();
    canvas_.documentChanged();
    inspector_.setSelection(canvas_.selectedNodes(), canvas_.selectedWire());
    inspector_.refresh();
    undoButton_.setEnabled(doc_.canUndo());
    redoButton_.setEnabled(doc_.canRedo());
    pasteButton_.setEnabled(true);
    const auto& issues = doc_.issues();
    if (issues.empty()) {
        issueLine_.setText("Valid: playing", juce::dontSendNotification);
        issueLine_.setColour(juce::Label::textColourId, colours::meterOk);
    } else {
        const auto& first = issues.front();
        issueLine_.setText(juce::String(int(issues.size())) + (issues.size() == 1 ? " problem: " : " problems: ") +
                               (first.path.empty() ? juce::String() : str(first.path) + ": ") + str(first.message) +
                               juce::String::fromUTF8(" \xe2\x80\x94 the last valid patch keeps playing"),
                           juce::dontSendNotification);
        issueLine_.setColour(juce::Label::textColourId, kIssue);
    }
    juce::StringArray all;
    for (const auto& i : issues) all.add((i.path.empty() ? juce::String() : str(i.path) + ": ") + str(i.message));
    issueLine_.setTooltip(all.joinIntoString("\n"));
}

void WorkbenchPanel::timerCallback() {
    if (doc_.revision() != seenRevision_) documentChanged();
}

void WorkbenchPanel::paint(juce::Graphics& g) {
    g.fillAll(colours::panel);
    g.setColour(colours::panelEdge);
    g.drawRect(getLocalBounds(), 1);
}

void WorkbenchPanel::resized() {
    auto r = getLocalBounds().reduced(4);
    auto bar = r.removeFromTop(30);
    for (auto* b : {&newButton_, &addButton_, &undoButton_, &redoButton_, &copyButton_, &pasteButton_, &deleteButton_, &fitButton_}) {
        const int w = b == &addButton_ ? 92 : 64;
        b->setBounds(bar.removeFromLeft(w).reduced(2, 1));
        bar.removeFromLeft(2);
    }
    r.removeFromTop(4);
    issueLine_.setBounds(r.removeFromBottom(26));
    r.removeFromBottom(2);
    auto right = r.removeFromRight(std::min(320, r.getWidth() / 2));
    r.removeFromRight(4);
    canvas_.setBounds(r);
    if (!fitted_ && !r.isEmpty()) {   // once, when first laid out
        fitted_ = true;
        canvas_.fitToView(0.85f);   // legible; the rest is a pan away
    }
    inspectorView_.setBounds(right);
    const int w = right.getWidth() - inspectorView_.getScrollBarThickness();
    if (inspector_.getWidth() != w) inspector_.setSize(w, inspector_.getHeight());
}

void WorkbenchPanel::showNewMenu() {
    juce::PopupMenu menu;
    const auto names = PatchDocument::templateNames();
    for (int i = 0; i < names.size(); ++i) menu.addItem(i + 1, names[i]);
    juce::Component::SafePointer<WorkbenchPanel> safe(this);
    menu.showMenuAsync(juce::PopupMenu::Options().withTargetComponent(&newButton_), [safe](int result) {
        if (safe == nullptr || result <= 0) return;
        safe->doc_.newFromTemplate(PatchDocument::Template(result - 1));
        safe->canvas_.clearSelection();
        safe->documentChanged();
        safe->canvas_.fitToView(0.85f);
    });
}

void WorkbenchPanel::showAddMenu() {
    juce::PopupMenu menu;
    for (int k = 0; k < kNumNodeKinds; ++k) menu.addItem(k + 1, str(kNodeKindNames[k]));
    juce::Component::SafePointer<WorkbenchPanel> safe(this);
    menu.showMenuAsync(juce::PopupMenu::Options().withTargetComponent(&addButton_), [safe](int result) {
        if (safe == nullptr || result <= 0) return;
        const auto c = safe->canvas_.getLocalBounds().getCentre().toFloat();
        const int n = safe->doc_.numNodes();
        safe->canvas_.addNodeAt(NodeKind(result - 1), c.translated(-80.0f + float(n % 5) * 12.0f, -40.0f + float(n % 5) * 12.0f));
    });
}

} // namespace graded::gui
