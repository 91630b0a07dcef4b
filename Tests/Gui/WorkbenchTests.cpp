// SPDX-License-Identifier: GPL-3.0-or-later
// The patch workbench driven like a user would: simulated mouse drags between ports, clicks,
// keys and the inspector's generated controls, checked against the PatchDocument (every edit
// is one undo step; undo goes back exactly to the empty template and redo forward again).
#include <catch2/catch.hpp>

#include "MouseTestUtil.h"
#include "Workbench.h"

#include <Graph/Patch.h>
#include <Limits.h>
#include <Patch/NodeSpecs.h>

#include <string>
#include <vector>

using graded::HostParam;
using graded::NodeKind;
using graded::gui::DocIssue;
using graded::gui::PatchDocument;
using graded::gui::WorkbenchCanvas;
using graded::gui::WorkbenchPanel;
using json = nlohmann::json;
using namespace graded::test;

namespace {

std::string allIssues(const PatchDocument& doc) {
    std::string s;
    for (const auto& i : doc.issues()) s += i.path + ": " + i.message + "\n";
    return s;
}

/** A document from a template and a panel on it. */
struct Bench {
    PatchDocument doc;
    std::unique_ptr<WorkbenchPanel> panel;
    explicit Bench(PatchDocument::Template t) {
        doc.newFromTemplate(t);
        panel = std::make_unique<WorkbenchPanel>(doc);
        panel->setSize(1200, 800);
    }
};

/** Writes `c` as a PNG next to the test executable (the build dir), to look at. */
juce::File snapshot(juce::Component& c, const char* name) {
    const auto file = juce::File::getSpecialLocation(juce::File::currentExecutableFile).getParentDirectory().getChildFile(name);
    REQUIRE(writeSnapshot(c, file));
    return file;
}

} // namespace

TEST_CASE("Workbench: build a valid patch with the mouse, edit it, undo to the empty template and redo", "[workbench]") {
    PatchDocument doc;
    doc.newFromTemplate(PatchDocument::Template::empty);
    const json empty = doc.doc();
    WorkbenchPanel panel(doc);
    panel.setSize(1300, 800);
    auto& canvas = panel.canvas();
    std::vector<json> states{empty};   // the document after every edit
    auto edited = [&] {
        pump();
        panel.documentChanged();
        REQUIRE(doc.doc() != states.back());
        states.push_back(doc.doc());
    };
    CHECK(panel.issueLine().contains("problem"));

    // The "Add node" menu's action.
    canvas.addNodeAt(NodeKind::AudioIn, {20, 60});
    edited();
    canvas.addNodeAt(NodeKind::RateCell, {240, 60});
    edited();
    canvas.addNodeAt(NodeKind::GaussianErrorCell, {460, 60});
    edited();
    canvas.addNodeAt(NodeKind::AudioOut, {460, 300});
    edited();
    const auto ids = doc.nodeIds();
    REQUIRE(ids.size() == 4);
    const std::string in = ids[0], rate = ids[1], err = ids[2], out = ids[3];
    CHECK(doc.nodeKind(doc.nodeIndex(rate)) == NodeKind::RateCell);
    CHECK(canvas.selectedNodes() == std::vector<std::string>{out});   // a new node is selected
    CHECK(canvas.nodeBounds(doc.nodeIndex(rate)).getTopLeft() == juce::Point<float>(240, 60));

    // A drag from an output port released on empty space adds nothing.
    {
        const int rev = doc.revision();
        drag(canvas, canvas.portPosition(doc.nodeIndex(in), "level", true), {700, 600});
        CHECK(doc.numWires() == 0);
        CHECK(doc.revision() == rev);
    }
    // Wires by dragging from output ports to input ports.
    wireByMouse(doc, canvas, in, "level", rate, "j");
    edited();
    wireByMouse(doc, canvas, rate, "zF", err, "mu");
    edited();
    wireByMouse(doc, canvas, in, "level", err, "target");
    edited();
    wireByMouse(doc, canvas, rate, "zF", out, "gain");
    edited();
    INFO(allIssues(doc));
    REQUIRE(doc.valid());
    CHECK(panel.issueLine() == "Valid: playing");
    CHECK(panel.button("Undo")->isEnabled());
    CHECK_FALSE(panel.button("Redo")->isEnabled());

    // Move a node: painted at the dragged offset meanwhile, committed once on release.
    {
        const int node = doc.nodeIndex(err);
        const auto before = doc.nodePosition(node);
        const auto boxBefore = canvas.nodeBounds(node).getTopLeft();
        REQUIRE(canvas.scale() == 1.0f);   // an empty patch is not zoomed
        const auto centre = canvas.nodeBounds(node).getCentre().withY(canvas.nodeBounds(node).getY() + 10.0f);
        const int rev = doc.revision();
        drag(canvas, centre, centre.translated(60, 150), [&] {
            CHECK(doc.revision() == rev);   // nothing committed while dragging
            CHECK(canvas.nodeBounds(node).getTopLeft() == boxBefore + juce::Point<float>(60, 150));
        });
        CHECK(doc.nodePosition(node) == before + juce::Point<float>(60, 150));
        CHECK(doc.revision() > rev);
        edited();
    }

    // Select the rate cell with a click; the inspector shows its spec's fields.
    const auto rateTitle = canvas.nodeBounds(doc.nodeIndex(rate)).getTopLeft().translated(40, 10);
    click(canvas, rateTitle);
    CHECK(canvas.selectedNodes() == std::vector<std::string>{rate});
    pump();
    panel.inspector().refresh();
    auto* tau = dynamic_cast<juce::TextEditor*>(panel.inspector().control("field:tau_m"));
    REQUIRE(tau != nullptr);
    CHECK(tau->getTooltip().contains("membrane time constant"));
    tau->setText("25", juce::dontSendNotification);
    tau->keyPressed(juce::KeyPress(juce::KeyPress::returnKey));
    edited();
    CHECK(doc.nodeParam(rate, "tau_m") == json(25.0));
    // A refused text does not reach the document.
    {
        panel.inspector().refresh();
        auto* t = dynamic_cast<juce::TextEditor*>(panel.inspector().control("field:tau_m"));
        REQUIRE(t != nullptr);
        const int rev = doc.revision();
        t->setText("2x5", juce::dontSendNotification);
        t->keyPressed(juce::KeyPress(juce::KeyPress::returnKey));
        pump();
        CHECK(doc.revision() == rev);
    }
    // A choice through its ComboBox.
    panel.inspector().refresh();
    auto* act = dynamic_cast<juce::ComboBox*>(panel.inspector().control("field:act_fx"));
    REQUIRE(act != nullptr);
    const int tanhId = [&] {
        for (int i = 0; i < act->getNumItems(); ++i)
            if (act->getItemText(i) == "tanh") return act->getItemId(i);
        return -1;
    }();
    REQUIRE(tanhId > 0);
    act->setSelectedId(tanhId, juce::sendNotificationSync);
    edited();
    CHECK(doc.nodeParam(rate, "act_fx") == json("tanh"));
    // Bind the host's Tau to tau_m.
    panel.inspector().refresh();
    auto* bind = dynamic_cast<juce::ComboBox*>(panel.inspector().control("bind:tau_m"));
    REQUIRE(bind != nullptr);
    bind->setSelectedId(int(HostParam::tau) + 2, juce::sendNotificationSync);
    edited();
    REQUIRE(doc.bindingOf(rate, "tau_m") >= 0);
    CHECK(doc.doc()["bindings"][size_t(doc.bindingOf(rate, "tau_m"))]["param"] == "tau");
    CHECK(doc.valid());
    const json final = doc.doc();
    const size_t numEdits = states.size() - 1;
    CHECK(numEdits == 12);

    // Ctrl+Z walks back one edit at a time to the empty template (the selected node goes away
    // on the way: the selection is dropped).
    for (size_t k = numEdits; k-- > 0;) {
        CHECK(key(canvas, 'z', cmd));
        panel.documentChanged();
        INFO("undo to state " << k);
        REQUIRE(doc.doc() == states[k]);
    }
    CHECK(doc.doc() == empty);
    CHECK(canvas.selectedNodes().empty());
    CHECK(canvas.selectedWire() == -1);
    panel.inspector().refresh();
    CHECK(panel.inspector().control("field:tau_m") == nullptr);
    CHECK(panel.button("Redo")->isEnabled());
    // Ctrl+Shift+Z (and Ctrl+Y) forward again to the end.
    for (size_t k = 1; k <= numEdits; ++k) {
        CHECK(key(canvas, k % 2 ? 'z' : 'y', k % 2 ? cmdShift : cmd));
        panel.documentChanged();
        INFO("redo to state " << k);
        REQUIRE(doc.doc() == states[k]);
    }
    CHECK(doc.doc() == final);
    CHECK(doc.valid());
    graded::gui::GradedLookAndFeel laf;
    panel.setLookAndFeel(&laf);
    canvas.selectNodes({rate});
    pump();
    panel.inspector().refresh();
    snapshot(panel, "workbench-built.png");
    panel.setLookAndFeel(nullptr);
}

TEST_CASE("Workbench: selection, delete, copy, paste, duplicate and select all by keys", "[workbench]") {
    Bench bench(PatchDocument::Template::passThrough);
    auto& doc = bench.doc;
    auto& panel = *bench.panel;
    auto& canvas = panel.canvas();
    canvas.addNodeAt(NodeKind::RateCell, {300, 300});
    canvas.addNodeAt(NodeKind::RateCell, {600, 450});
    auto ids = doc.nodeIds();
    const size_t n0 = ids.size();
    const std::string a = ids[n0 - 2], b = ids[n0 - 1];
    wireByMouse(doc, canvas, a, "zF", b, "j");
    const int wires = doc.numWires();

    // Click empty space clears; click a node selects; shift-click adds.
    click(canvas, {3000, 3000});
    CHECK(canvas.selectedNodes().empty());
    CHECK(canvas.selectedWire() == -1);
    click(canvas, canvas.nodeBounds(doc.nodeIndex(a)).getTopLeft().translated(30, 8));
    click(canvas, canvas.nodeBounds(doc.nodeIndex(b)).getTopLeft().translated(30, 8), juce::ModifierKeys::shiftModifier);
    CHECK(canvas.selectedNodes() == std::vector<std::string>{a, b});
    // Shift-click a selected node removes it from the selection.
    click(canvas, canvas.nodeBounds(doc.nodeIndex(b)).getTopLeft().translated(30, 8), juce::ModifierKeys::shiftModifier);
    CHECK(canvas.selectedNodes() == std::vector<std::string>{a});

    // Dragging one of two selected nodes moves both, as one undo step.
    {
        click(canvas, canvas.nodeBounds(doc.nodeIndex(b)).getTopLeft().translated(30, 8), juce::ModifierKeys::shiftModifier);
        REQUIRE(canvas.selectedNodes().size() == 2);
        const auto pa = doc.nodePosition(doc.nodeIndex(a)), pb = doc.nodePosition(doc.nodeIndex(b));
        const auto grab = canvas.nodeBounds(doc.nodeIndex(a)).getTopLeft().translated(30, 8);
        drag(canvas, grab, grab.translated(-40, 25));
        const auto d = juce::Point<float>(-40, 25) / canvas.scale();
        CHECK(doc.nodePosition(doc.nodeIndex(a)) == pa + d);
        CHECK(doc.nodePosition(doc.nodeIndex(b)) == pb + d);
        CHECK(key(canvas, 'z', cmd));
        CHECK(doc.nodePosition(doc.nodeIndex(a)) == pa);
        CHECK(doc.nodePosition(doc.nodeIndex(b)) == pb);
        click(canvas, canvas.nodeBounds(doc.nodeIndex(b)).getTopLeft().translated(30, 8), juce::ModifierKeys::shiftModifier);
        CHECK(canvas.selectedNodes() == std::vector<std::string>{a});
    }

    // Click on a wire selects it; Delete removes it.
    {
        const auto p0 = canvas.portPosition(doc.nodeIndex(a), "zF", true);
        const auto p1 = canvas.portPosition(doc.nodeIndex(b), "j", false);
        juce::Path path;
        const float dx = std::max(40.0f, std::abs(p1.x - p0.x) * 0.5f);
        path.startNewSubPath(p0);
        path.cubicTo(p0.translated(dx, 0), p1.translated(-dx, 0), p1);
        const auto mid = path.getPointAlongPath(path.getLength() * 0.5f);
        click(canvas, mid);
        CHECK(canvas.selectedNodes().empty());
        REQUIRE(canvas.selectedWire() == wires - 1);
        CHECK(key(canvas, juce::KeyPress::deleteKey));
        CHECK(doc.numWires() == wires - 1);
        CHECK(canvas.selectedWire() == -1);
        CHECK(key(canvas, 'z', cmd));
        CHECK(doc.numWires() == wires);
    }

    // Ctrl+A, Ctrl+C, Ctrl+V: a second copy of everything, offset by (30, 30), selected.
    CHECK(key(canvas, 'a', cmd));
    CHECK(canvas.selectedNodes().size() == n0);
    CHECK(key(canvas, 'c', cmd));
    CHECK_FALSE(canvas.internalClipboard().empty());
    CHECK(key(canvas, 'v', cmd));
    CHECK(doc.nodeIds().size() == 2 * n0);
    CHECK(doc.numWires() == 2 * wires);
    REQUIRE(canvas.selectedNodes().size() == n0);
    const auto pasted = canvas.selectedNodes();
    CHECK(doc.nodePosition(doc.nodeIndex(pasted.back())) ==
          doc.nodePosition(doc.nodeIndex(b)) + juce::Point<float>(30, 30));
    // Delete removes the pasted nodes (and their wires); Ctrl+D duplicates one node.
    CHECK(key(canvas, juce::KeyPress::backspaceKey));
    CHECK(doc.nodeIds().size() == n0);
    CHECK(doc.numWires() == wires);
    CHECK(canvas.selectedNodes().empty());
    click(canvas, canvas.nodeBounds(doc.nodeIndex(a)).getTopLeft().translated(30, 8));
    CHECK(key(canvas, 'd', cmd));
    CHECK(doc.nodeIds().size() == n0 + 1);
    REQUIRE(canvas.selectedNodes().size() == 1);
    CHECK(canvas.selectedNodes()[0] != a);
    CHECK(doc.nodeKind(doc.nodeIndex(canvas.selectedNodes()[0])) == NodeKind::RateCell);

    // Undo that removes the selected node drops it from the selection (and the inspector).
    CHECK(key(canvas, 'z', cmd));
    panel.documentChanged();
    CHECK(doc.nodeIds().size() == n0);
    CHECK(canvas.selectedNodes().empty());
    pump();

    // Panning: Alt+drag on empty space moves the view, not the document.
    {
        const int rev = doc.revision();
        const auto before = canvas.nodeBounds(doc.nodeIndex(a)).getTopLeft();
        drag(canvas, {3000, 3000}, {2900, 2980}, {}, juce::ModifierKeys::altModifier);
        CHECK(canvas.nodeBounds(doc.nodeIndex(a)).getTopLeft() == before + juce::Point<float>(-100, -20));
        CHECK(doc.revision() == rev);
    }
}

TEST_CASE("Workbench: an invalid value shows on its node, in the tooltip, the inspector and the issue line", "[workbench]") {
    Bench bench(PatchDocument::Template::passThrough);
    auto& doc = bench.doc;
    auto& panel = *bench.panel;
    auto& canvas = panel.canvas();
    canvas.addNodeAt(NodeKind::GaussianErrorCell, {300, 300});
    const std::string id = canvas.selectedNodes().at(0);
    const int node = doc.nodeIndex(id);
    panel.documentChanged();
    CHECK(canvas.issueTextOf(node).isEmpty());
    doc.setNodeParam(id, "sigma", -1.0);
    panel.documentChanged();
    INFO(allIssues(doc));
    REQUIRE_FALSE(doc.issuesOf(DocIssue::Target::node, node).empty());
    CHECK(canvas.issueTextOf(node).isNotEmpty());
    CHECK(canvas.tooltipAt(canvas.nodeBounds(node).getCentre()).contains(canvas.issueTextOf(node)));
    CHECK(panel.issueLine().contains("the last valid patch keeps playing"));
    pump();
    panel.inspector().refresh();
    CHECK(panel.inspector().issueText().contains(canvas.issueTextOf(node)));
    doc.setNodeParam(id, "sigma", json());
    panel.documentChanged();
    CHECK(canvas.issueTextOf(node).isEmpty());
    // A binding that drives sigma out of its range: listed with the node's problems.
    const int b = doc.bind(HostParam::sigma, id, "sigma", 1.0f, -100.0f);
    panel.documentChanged();
    pump();
    panel.inspector().refresh();
    INFO(allIssues(doc));
    REQUIRE_FALSE(doc.issuesOf(DocIssue::Target::binding, b).empty());
    CHECK(panel.inspector().issueText().contains("/bindings/"));
}

TEST_CASE("Workbench: screenshot of the two-layer template", "[workbench]") {
    PatchDocument doc;
    doc.newFromTemplate(PatchDocument::Template::twoLayerPC);
    graded::gui::GradedLookAndFeel laf;
    WorkbenchPanel panel(doc);
    panel.setLookAndFeel(&laf);
    panel.setSize(1400, 820);
    panel.documentChanged();
    const auto ids = doc.nodeIds();
    REQUIRE(ids.size() >= 4);
    // Select a synapse if there is one (the inspector shows shape and weight_init), else the first cell.
    std::string pick = ids[1];
    for (const auto& id : ids)
        if (graded::isSynapseKind(doc.nodeKind(doc.nodeIndex(id)))) {
            pick = id;
            break;
        }
    panel.canvas().selectNodes({pick});
    pump();
    panel.inspector().refresh();
    const auto file = snapshot(panel, "workbench.png");
    CHECK(file.getSize() > 10000);

    // The same with a problem: an error cell's sigma out of range, selected (the inspector lists it).
    std::string errorCell;
    for (const auto& id : ids)
        if (doc.nodeKind(doc.nodeIndex(id)) == NodeKind::GaussianErrorCell) {
            errorCell = id;
            break;
        }
    REQUIRE_FALSE(errorCell.empty());
    doc.setNodeParam(errorCell, "sigma", -1.0);
    panel.documentChanged();
    panel.canvas().selectNodes({errorCell});
    pump();
    panel.inspector().refresh();
    CHECK(panel.canvas().issueTextOf(doc.nodeIndex(errorCell)).isNotEmpty());
    snapshot(panel, "workbench-issue.png");
    // A wire selected (its inspector) while a new wire is being dragged (the rubber band).
    doc.setNodeParam(errorCell, "sigma", json());
    panel.documentChanged();
    REQUIRE(doc.numWires() > 0);
    panel.canvas().selectWire(0);
    pump();
    panel.inspector().refresh();
    auto& canvas = panel.canvas();
    const auto from = canvas.portPosition(0, doc.ports(0).back().name, true);
    const auto now = juce::Time::getCurrentTime();
    auto ev = [&](juce::Point<float> p, bool dragged) {
        return juce::MouseEvent(juce::Desktop::getInstance().getMainMouseSource(), p,
                                juce::ModifierKeys(juce::ModifierKeys::leftButtonModifier),
                                juce::MouseInputSource::defaultPressure, 0.0f, 0.0f, 0.0f, 0.0f, &canvas, &canvas, now,
                                from, now, 1, dragged);
    };
    canvas.mouseDown(ev(from, false));
    canvas.mouseDrag(ev(from + juce::Point<float>(120, 300), true));
    snapshot(panel, "workbench-wire.png");
    const int wires = doc.numWires();
    canvas.mouseUp(ev(from + juce::Point<float>(120, 300), true));
    CHECK(doc.numWires() == wires);   // released on empty space
    panel.setLookAndFeel(nullptr);
}

TEST_CASE("Workbench: the inspector edits a selected wire and renames a node", "[workbench]") {
    Bench bench(PatchDocument::Template::passThrough);
    auto& doc = bench.doc;
    auto& panel = *bench.panel;
    auto& canvas = panel.canvas();
    auto& inspector = panel.inspector();
    canvas.addNodeAt(NodeKind::RateCell, {300, 300});
    canvas.addNodeAt(NodeKind::RateCell, {600, 450});
    const auto ids = doc.nodeIds();
    const std::string a = ids[ids.size() - 2], b = ids[ids.size() - 1];
    wireByMouse(doc, canvas, a, "zF", b, "j");
    const int w = canvas.selectedWire();
    REQUIRE(w >= 0);
    auto wire = [&] { return doc.doc()["wires"][size_t(w)]; };
    auto enter = [&](const char* id, const char* text) {
        pump();
        inspector.refresh();
        auto* t = dynamic_cast<juce::TextEditor*>(inspector.control(id));
        REQUIRE(t != nullptr);
        t->setText(text, juce::dontSendNotification);
        t->keyPressed(juce::KeyPress(juce::KeyPress::returnKey));
        pump();
        panel.documentChanged();
    };
    enter("wire:gain", "0.5");
    CHECK(wire()["gain"] == json(0.5));
    CHECK(canvas.selectedWire() == w);   // still selected after the edit
    {
        const int rev = doc.revision();
        enter("wire:bias", "0.1, x");
        CHECK(doc.revision() == rev);    // refused: not numbers
    }
    enter("wire:bias", "0.25");
    CHECK(wire()["bias"] == json(0.25));
    enter("wire:weights", "2");
    CHECK(wire()["weights"] == json::array({json::array({2.0})}));
    pump();
    inspector.refresh();
    auto* delay = dynamic_cast<juce::ToggleButton*>(inspector.control("wire:delay"));
    REQUIRE(delay != nullptr);
    delay->triggerClick();   // posted like a real click
    pump();
    CHECK(wire()["delay"] == json(true));
    CHECK(canvas.tooltipAt(canvas.portPosition(doc.nodeIndex(b), "j", false)).contains("input"));

    // Rename a node through the id field: wires follow, it stays selected; a taken id is refused.
    click(canvas, canvas.nodeBounds(doc.nodeIndex(a)).getTopLeft().translated(30, 8));
    REQUIRE(canvas.selectedNodes() == std::vector<std::string>{a});
    enter("node:id", "hidden");
    REQUIRE(doc.nodeIndex("hidden") >= 0);
    CHECK(doc.nodeIndex(a) < 0);
    CHECK(doc.wireEnds(w).from == "hidden");
    pump();
    CHECK(canvas.selectedNodes() == std::vector<std::string>{"hidden"});
    {
        const int rev = doc.revision();
        enter("node:id", b.c_str());
        CHECK(doc.revision() == rev);
        auto* error = dynamic_cast<juce::Label*>(inspector.control("node:idError"));
        REQUIRE(error != nullptr);
        CHECK(error->getText().isNotEmpty());
    }
}

TEST_CASE("Workbench: the patch's own fields, and edits while the owner refreshes from onChange", "[workbench]") {
    Bench bench(PatchDocument::Template::passThrough);
    auto& doc = bench.doc;
    auto& panel = *bench.panel;
    // The owner updates the panel synchronously on every change: a control's own callback then
    // rebuilds the inspector (the old rows must outlive their callback).
    doc.onChange = [&] { panel.documentChanged(); };
    auto& canvas = panel.canvas();
    auto& inspector = panel.inspector();
    canvas.clearSelection();
    pump();
    inspector.refresh();
    auto* name = dynamic_cast<juce::TextEditor*>(inspector.control("patch:name"));
    REQUIRE(name != nullptr);
    name->setText("My patch", juce::dontSendNotification);
    name->keyPressed(juce::KeyPress(juce::KeyPress::returnKey));
    pump();
    CHECK(doc.name() == "My patch");
    auto* settle = dynamic_cast<juce::Slider*>(inspector.control("learning:settle"));
    REQUIRE(settle != nullptr);
    settle->setValue(4, juce::sendNotificationSync);
    CHECK(doc.doc()["learning"]["settle"] == 4);
    pump();
    auto* evolve = dynamic_cast<juce::ComboBox*>(inspector.control("learning:evolve"));
    REQUIRE(evolve != nullptr);
    evolve->setSelectedId(3, juce::sendNotificationSync);   // "episode"
    CHECK(doc.doc()["learning"]["evolve"] == "episode");
    pump();

    canvas.addNodeAt(NodeKind::RateCell, {300, 300});
    const auto id = canvas.selectedNodes().at(0);
    pump();
    inspector.refresh();
    auto* act = dynamic_cast<juce::ComboBox*>(inspector.control("field:act_fx"));
    REQUIRE(act != nullptr);
    act->setSelectedId(2, juce::sendNotificationSync);
    CHECK(doc.nodeParam(id, "act_fx") == json(act->getItemText(1).toStdString()));
    CHECK(inspector.control("field:act_fx") != act);   // rebuilt; the old box is deleted later
    pump();
    auto* bind = dynamic_cast<juce::ComboBox*>(inspector.control("bind:tau_m"));
    REQUIRE(bind != nullptr);
    bind->setSelectedId(int(HostParam::tau) + 2, juce::sendNotificationSync);
    REQUIRE(doc.bindingOf(id, "tau_m") >= 0);
    pump();
    bind = dynamic_cast<juce::ComboBox*>(inspector.control("bind:tau_m"));
    REQUIRE(bind != nullptr);
    CHECK(bind->getSelectedId() == int(HostParam::tau) + 2);
    bind->setSelectedId(1, juce::sendNotificationSync);   // (none)
    CHECK(doc.bindingOf(id, "tau_m") == -1);
    doc.onChange = nullptr;
}

TEST_CASE("Workbench: Rename... asks for the id in a dialog (inside the panel); a taken id asks again", "[workbench]") {
    Bench bench(PatchDocument::Template::passThrough);
    auto& doc = bench.doc;
    auto& panel = *bench.panel;
    auto& canvas = panel.canvas();
    canvas.addNodeAt(NodeKind::LeakyNoiseCell, {300, 300});
    const auto id = canvas.selectedNodes().at(0);
    auto dialogField = [] {
        auto* dialog = juce::Component::getCurrentlyModalComponent();
        REQUIRE(dialog != nullptr);
        CHECK(dialog->getComponentID() == "rename");
        auto* field = dynamic_cast<juce::TextEditor*>(dialog->findChildWithID("rename:id"));
        REQUIRE(field != nullptr);
        return field;
    };
    canvas.askRename(id);
    pump();
    auto* field = dialogField();
    CHECK(juce::Component::getCurrentlyModalComponent()->getParentComponent() == &panel);
    CHECK(field->getText() == juce::String(id));
    field->setText("noise", juce::dontSendNotification);
    field->keyPressed(juce::KeyPress(juce::KeyPress::returnKey));   // Return renames
    pump();
    CHECK(doc.nodeIndex("noise") >= 0);
    CHECK(doc.nodeIndex(id) < 0);
    CHECK(canvas.selectedNodes() == std::vector<std::string>{"noise"});
    CHECK(juce::Component::getCurrentlyModalComponent() == nullptr);

    // A taken id: nothing changes, the dialog comes back saying why; Cancel closes it.
    const int rev = doc.revision();
    const auto taken = doc.nodeIds().front();
    canvas.askRename("noise");
    pump();
    dialogField()->setText(juce::String(taken), juce::dontSendNotification);
    juce::Component::getCurrentlyModalComponent()->exitModalState(1);
    pump();
    CHECK(doc.revision() == rev);
    field = dialogField();
    auto* problem = dynamic_cast<juce::Label*>(juce::Component::getCurrentlyModalComponent()->findChildWithID("rename:problem"));
    REQUIRE(problem != nullptr);
    CHECK(problem->getText().isNotEmpty());
    juce::Component::getCurrentlyModalComponent()->exitModalState(0);
    pump();
    CHECK(juce::Component::getCurrentlyModalComponent() == nullptr);
    CHECK(doc.nodeIndex("noise") >= 0);

    // The panel closes (the editor goes away) with the dialog open: it is no longer modal.
    canvas.askRename("noise");
    pump();
    REQUIRE(juce::Component::getCurrentlyModalComponent() != nullptr);
    bench.panel.reset();
    pump();
    CHECK(juce::Component::getCurrentlyModalComponent() == nullptr);
}

TEST_CASE("Workbench: a wire with a large explicit matrix is summarised (clearable), not turned into text", "[workbench]") {
    Bench b(PatchDocument::Template::passThrough);
    auto& doc = b.doc;
    const auto rate = [&] {
        b.panel->canvas().addNodeAt(NodeKind::RateCell, {300, 200});
        return b.panel->canvas().selectedNodes().front();
    }();
    REQUIRE(doc.setNodeParam(rate, "n_units", 100));
    std::string error;
    const int w = doc.addWire("in", "bands", rate, "j", error);
    REQUIRE(w >= 0);
    REQUIRE(doc.setNodeParam("in", "bands", 64));
    json weights = json::array();
    for (int r = 0; r < 100; ++r) weights.push_back(std::vector<double>(64, 0.01 * r));
    REQUIRE(doc.setWireField(w, "weights", weights));
    INFO(allIssues(doc));
    CHECK(doc.valid());
    b.panel->canvas().selectWire(w);
    b.panel->documentChanged();
    pump();
    b.panel->inspector().refresh();
    auto* clear = dynamic_cast<juce::TextButton*>(b.panel->inspector().control("wire:weights"));
    REQUIRE(clear != nullptr);
    CHECK(clear->getButtonText() == "Clear 100 x 64 weights");
    clear->triggerClick();
    pump();
    CHECK(doc.doc()["wires"][size_t(w)].count("weights") == 0);
    b.panel->inspector().refresh();
    CHECK(dynamic_cast<juce::TextEditor*>(b.panel->inspector().control("wire:weights")) != nullptr);
    REQUIRE(key(b.panel->canvas(), 'z', cmd));
    CHECK(doc.doc()["wires"][size_t(w)]["weights"] == weights);
}

namespace {
/** A random JSON value of any type (small). */
json randomValue(juce::Random& rng, int depth = 0) {
    switch (rng.nextInt(depth > 2 ? 6 : 8)) {
        case 0: return nullptr;
        case 1: return rng.nextBool();
        case 2: return rng.nextInt(2000000) - 1000000;
        case 3: return (rng.nextDouble() - 0.5) * std::pow(10.0, rng.nextInt(40) - 20);
        case 4: return std::string(size_t(rng.nextInt(5)), char('a' + rng.nextInt(26)));
        case 5: return "in.bands";
        case 6: {
            json a = json::array();
            for (int i = rng.nextInt(4); i-- > 0;) a.push_back(randomValue(rng, depth + 1));
            return a;
        }
        default: {
            json o = json::object();
            for (const char* k : {"id", "kind", "params", "at", "from", "to", "n_units", "shape"})
                if (rng.nextBool()) o[k] = randomValue(rng, depth + 1);
            return o;
        }
    }
}

/** Replaces one random value somewhere in `j` by a random one. */
void mutate(json& j, juce::Random& rng) {
    json* at = &j;
    for (int d = 0; d < 6; ++d) {
        if (at->is_object() && !at->empty()) {
            auto it = at->begin();
            std::advance(it, rng.nextInt(int(at->size())));
            if (rng.nextInt(3) == 0) { *it = randomValue(rng); return; }
            at = &*it;
        } else if (at->is_array() && !at->empty()) {
            auto& next = (*at)[size_t(rng.nextInt(int(at->size())))];
            if (rng.nextInt(3) == 0) { next = randomValue(rng); return; }
            at = &next;
        } else {
            *at = randomValue(rng);
            return;
        }
    }
    *at = randomValue(rng);
}
} // namespace

TEST_CASE("Workbench: hostile documents and clipboards are shown with their issues, never a crash", "[workbench][hostile]") {
    Bench b(PatchDocument::Template::twoLayerPC);
    auto& doc = b.doc;
    auto& canvas = b.panel->canvas();
    const json base = doc.doc();
    juce::Random rng(20261127);
    auto exercise = [&] {
        b.panel->documentChanged();
        const auto ids = doc.nodeIds();
        for (int i = 0; i < int(ids.size()); ++i) {
            (void)doc.nodeKind(i);
            (void)doc.nodePosition(i);
            (void)doc.ports(i);
            (void)canvas.nodeBounds(i);
            (void)canvas.issueTextOf(i);
        }
        for (int w = 0; w < doc.numWires(); ++w) {
            (void)doc.wireEnds(w);
            (void)canvas.wireIssueTextOf(w);
        }
        if (!ids.empty()) canvas.selectNodes({ids.front()});
        else if (doc.numWires() > 0) canvas.selectWire(0);
        b.panel->inspector().refresh();
        (void)canvas.tooltipAt({100, 100});
        (void)b.panel->createComponentSnapshot(b.panel->getLocalBounds(), true, 0.25f);
        canvas.selectAll();
        (void)doc.copyNodes(canvas.selectedNodes());
    };
    const char* hostile[] = {
        R"({"format": 1, "name": "x", "nodes": "nope", "wires": {"a": 1}, "bindings": 7})",
        R"({"nodes": [1, "two", null, [], {"id": 5, "kind": ["RateCell"]}, {"id": "a", "kind": "Nope", "at": ["x", 1]}]})",
        R"({"nodes": [{"id": "a", "kind": "RateCell", "params": {"n_units": -1, "shape": "x"}, "at": [1e308, -1e308]}],
            "wires": [{"from": "a", "to": "a"}, {"from": 5}, "w", {"from": "a.zF", "to": "a.j", "weights": [[1, "x"]]}]})",
        R"({"nodes": [{"id": "", "kind": "HebbianSynapse", "params": {"shape": [0, -5], "tie": "nobody"}},
                      {"id": "", "kind": "HebbianSynapse", "params": {"shape": [100000, 100000]}}]})",
        R"({})",
    };
    for (const char* h : hostile) {
        INFO(h);
        std::string error;
        REQUIRE(doc.loadJson(h, true, error));
        CHECK_FALSE(doc.valid());
        exercise();
    }
    // random mutations of a valid patch
    for (int round = 0; round < 300; ++round) {
        json j = base;
        for (int m = 1 + rng.nextInt(3); m-- > 0;) mutate(j, rng);
        std::string error;
        INFO(j.dump());
        if (!doc.loadJson(j.dump(), true, error)) continue; // not an object: refused, unchanged
        exercise();
    }
    // hostile clipboards: refused or pasted, never a crash
    doc.newFromTemplate(PatchDocument::Template::passThrough);
    for (const char* clip : {"", "{", "[]", R"({"gradedcells": "nodes"})", R"({"gradedcells": "nodes", "nodes": 5})",
                             R"({"gradedcells": "nodes", "nodes": [5, {"id": 7}, {"id": "in", "kind": "AudioIn"}], "wires": [3]})",
                             R"({"gradedcells": "nodes", "nodes": [{"id": "a.b", "kind": "RateCell"}], "bindings": [{"node": 1}]})"}) {
        INFO(clip);
        (void)doc.paste(clip, 10, 10);
        exercise();
    }
    const json clip0 = json::parse(doc.copyNodes(doc.nodeIds()));
    for (int round = 0; round < 100; ++round) {
        json clip = clip0;
        mutate(clip, rng);
        (void)doc.paste(clip.dump(), 5, 5);
        exercise();
    }
    // a patch's limits hold: pasting or adding past 256 nodes is refused
    CHECK(int(doc.nodeIds().size()) <= graded::limits::kMaxNodes);
    while (int(doc.nodeIds().size()) < graded::limits::kMaxNodes) REQUIRE_FALSE(doc.addNode(NodeKind::RateCell, 0, 0).empty());
    CHECK(doc.addNode(NodeKind::RateCell, 0, 0).empty());
    CHECK(doc.paste(doc.copyNodes({doc.nodeIds().front()}), 1, 1).empty());
    exercise();
    // and undo all of it
    while (doc.canUndo()) REQUIRE(doc.undo());
    exercise();
}

// Hidden ([.perf]): how long the workbench takes to paint a patch at a patch's limits
// (256 nodes, 4096 wires); prints the figure (run it by its tag).
TEST_CASE("Workbench: paint time at a patch's limits", "[.perf][workbench]") {
    Bench b(PatchDocument::Template::passThrough);
    auto& doc = b.doc;
    json j = doc.doc();
    juce::Random rng(3);
    for (int i = 0; j["nodes"].size() < size_t(graded::limits::kMaxNodes); ++i)
        j["nodes"].push_back({{"id", "r" + std::to_string(i)}, {"kind", "RateCell"}, {"params", {{"n_units", 1}}},
                              {"at", {(i % 16) * 200, (i / 16) * 120}}});
    for (int w = 0; j["wires"].size() < size_t(graded::limits::kMaxWires); ++w)
        j["wires"].push_back({{"from", "r" + std::to_string(rng.nextInt(254)) + ".zF"},
                              {"to", "r" + std::to_string(rng.nextInt(254)) + ".j"}, {"delay", true}});
    std::string error;
    REQUIRE(doc.loadJson(j.dump(), false, error));
    b.panel->documentChanged();
    b.panel->canvas().fitToView(0.05f);
    const int paints = 5;
    const auto t0 = juce::Time::getMillisecondCounterHiRes();
    for (int i = 0; i < paints; ++i) (void)b.panel->canvas().createComponentSnapshot(b.panel->canvas().getLocalBounds(), true, 1.0f);
    const auto ms = (juce::Time::getMillisecondCounterHiRes() - t0) / paints;
    const auto v0 = juce::Time::getMillisecondCounterHiRes();
    doc.setNodeParam("r0", "tau_m", 12.0);   // one edit: validation of the whole patch
    const auto validateMs = juce::Time::getMillisecondCounterHiRes() - v0;
    std::printf("workbench at the limits: %zu nodes, %d wires: paint %.1f ms, an edit (commit + validate) %.1f ms, %d issues\n",
                doc.nodeIds().size(), doc.numWires(), ms, validateMs, int(doc.issues().size()));
    CHECK(doc.numWires() == graded::limits::kMaxWires);
    // and a factory patch (Timbre Learner, the largest)
    REQUIRE(doc.loadJson(graded::factoryPatches().back().json, false, error));
    b.panel->documentChanged();
    b.panel->canvas().fitToView();
    const auto f0 = juce::Time::getMillisecondCounterHiRes();
    for (int i = 0; i < 20; ++i) (void)b.panel->canvas().createComponentSnapshot(b.panel->canvas().getLocalBounds(), true, 1.0f);
    std::printf("workbench, %s (%d nodes, %d wires): paint %.2f ms\n", doc.name().c_str(), doc.numNodes(), doc.numWires(),
                (juce::Time::getMillisecondCounterHiRes() - f0) / 20);
}

TEST_CASE("Workbench: a wire can also be drawn backwards, from an input port to an output port", "[workbench]") {
    Bench b(PatchDocument::Template::passThrough);
    auto& doc = b.doc;
    auto& canvas = b.panel->canvas();
    canvas.addNodeAt(NodeKind::RateCell, {400, 300});
    const auto rate = canvas.selectedNodes().front();
    const auto in = canvas.portPosition(doc.nodeIndex(rate), "j", false);
    const auto out = canvas.portPosition(doc.nodeIndex("in"), "level", true);
    REQUIRE(in.x >= 0.f);
    REQUIRE(out.x >= 0.f);
    drag(canvas, in, out.translated(2, 1));
    REQUIRE(doc.numWires() == 1);
    const auto e = doc.wireEnds(0);
    CHECK(e.from == "in");
    CHECK(e.fromComp == "level");
    CHECK(e.to == rate);
    CHECK(e.toComp == "j");
    // input to input (or output to output) adds nothing
    drag(canvas, in, canvas.portPosition(doc.nodeIndex("out"), "gain", false));
    drag(canvas, out, canvas.portPosition(doc.nodeIndex(rate), "zF", true));
    CHECK(doc.numWires() == 1);
}

TEST_CASE("Workbench: a binding's dB map is set in the inspector", "[workbench]") {
    Bench b(PatchDocument::Template::passThrough);
    auto& doc = b.doc;
    b.panel->canvas().addNodeAt(NodeKind::RateCell, {400, 300});
    const auto rate = b.panel->canvas().selectedNodes().front();
    b.panel->documentChanged();
    pump();
    b.panel->inspector().refresh();
    auto* bind = dynamic_cast<juce::ComboBox*>(b.panel->inspector().control("bind:tau_m"));
    REQUIRE(bind != nullptr);
    bind->setSelectedId(int(HostParam::outputGain) + 2, juce::sendNotificationSync);
    pump();
    REQUIRE(doc.bindingOf(rate, "tau_m") >= 0);
    CHECK_FALSE(doc.doc()["bindings"][0].contains("map"));
    b.panel->inspector().refresh();
    auto* db = dynamic_cast<juce::Button*>(b.panel->inspector().control("binddb:tau_m"));
    REQUIRE(db != nullptr);
    CHECK(db->isEnabled());
    db->setToggleState(true, juce::sendNotificationSync);
    pump();
    CHECK(doc.doc()["bindings"][0]["map"] == "db");
    CHECK(doc.doc()["bindings"][0]["param"] == "outputGain");
}
