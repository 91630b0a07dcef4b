// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The patch workbench: build a patch by hand. A canvas of node boxes with their ports and the
// wires between them (drag to move, drag from an output port to an input port to wire, right
// click for menus, the usual editing keys), an inspector generated from each node kind's spec,
// and a panel that holds both with a toolbar and the document's issue line. Everything edits a
// PatchDocument, so every change is one undo step and its issues show where they belong.

#include "PatchDocument.h"
#include "Theme.h"

#include <juce_gui_basics/juce_gui_basics.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace graded::gui {

/** A small modal dialog inside the editor (not a window of its own) asking for a name: a
    prompt, an optional problem line (why the last answer was refused), a text field with the
    keyboard focus and its text selected, OK and Cancel (Return / Escape). */
class NameDialog : public juce::Component {
public:
    NameDialog(const juce::String& prompt, const juce::String& problem, const juce::String& text,
               const juce::String& okText = "OK");
    juce::String text() const { return editor_.getText(); }
    void paint(juce::Graphics&) override;
    void resized() override;
    void parentHierarchyChanged() override;

    /** Shows one centred in `owner`'s top-level component, modal; `onOk` gets the text after OK
        (the dialog deletes itself when dismissed). */
    static NameDialog* showIn(juce::Component& owner, const juce::String& prompt, const juce::String& problem,
                              const juce::String& text, const juce::String& okText,
                              std::function<void(const juce::String&)> onOk);

private:
    juce::Label prompt_, problem_;
    juce::TextEditor editor_;
    juce::TextButton ok_{"OK"}, cancel_{"Cancel"};
};

/** The patch as editable boxes and wires. Coordinates: a node's document position plus the
    view offset (pan with the middle button or Alt+drag on empty space). */
class WorkbenchCanvas : public juce::Component, public juce::TooltipClient {
public:
    explicit WorkbenchCanvas(PatchDocument& doc);
    ~WorkbenchCanvas() override;

    // ---- selection ----
    std::vector<std::string> selectedNodes() const;
    int selectedWire() const;
    void selectNodes(const std::vector<std::string>& ids);
    void selectWire(int index);
    void clearSelection();
    std::function<void()> onSelectionChanged;
    /** Called after the canvas changed the document (the panel updates the rest). */
    std::function<void()> onDocumentEdited;

    // ---- geometry (local coordinates, tests and tooltips) ----
    juce::Rectangle<float> nodeBounds(int node) const;
    /** Centre of a port's dot; (-1, -1) when the node has no such port. */
    juce::Point<float> portPosition(int node, const std::string& comp, bool output) const;
    juce::Point<float> viewOffset() const noexcept { return offset_; }
    void setViewOffset(juce::Point<float> o);
    /** Zoom (0.3..2): local = document position * scale + view offset. Ctrl+wheel zooms,
        the wheel pans. */
    float scale() const noexcept { return scale_; }
    void setScale(float s);
    /** Zooms out (never in beyond 1, never below `minScale`) and pans so that every node is
        in view (when they fit at `minScale`; else from the leftmost node). */
    void fitToView(float minScale = 0.3f);
    /** The issue text drawn for node `node` (its first issue), empty when it has none. */
    juce::String issueTextOf(int node) const;
    juce::String wireIssueTextOf(int wire) const;
    /** What the tooltip shows at a local position (node, port or wire; issues in full). */
    juce::String tooltipAt(juce::Point<float> p) const;

    // ---- actions (the menus' and keys' commands) ----
    /** Adds a node of `kind` with its box's top-left at local position `p` and selects it. */
    void addNodeAt(NodeKind kind, juce::Point<float> p);
    void deleteSelection();
    void duplicateSelection();
    void copySelection();
    void paste();
    void selectAll();
    /** Asks for a new id (a modal dialog inside the top-level component, ID "rename", its
        field "rename:id") and renames the node; a refused id brings the dialog back with the
        reason (`problem`, shown in "rename:problem"). */
    void askRename(const std::string& id, const juce::String& problem = {});
    /** The text copy/paste uses when the system clipboard holds nothing pasteable. */
    const std::string& internalClipboard() const noexcept { return clipboard_; }

    /** Drops selected nodes / wires that no longer exist and repaints (the document changed). */
    void documentChanged();

    void paint(juce::Graphics&) override;
    void mouseDown(const juce::MouseEvent&) override;
    void mouseDrag(const juce::MouseEvent&) override;
    void mouseUp(const juce::MouseEvent&) override;
    void mouseWheelMove(const juce::MouseEvent&, const juce::MouseWheelDetails&) override;
    bool keyPressed(const juce::KeyPress&) override;
    juce::String getTooltip() override;

    static constexpr float kNodeWidth = 150.0f;
    static constexpr float kTitleHeight = 32.0f;
    static constexpr float kPortRow = 15.0f;

private:
    struct PortHit {
        int node = -1;
        std::string comp;
        bool output = false;
    };
    int nodeAt(juce::Point<float> p) const;
    PortHit portAt(juce::Point<float> p, float radius) const;
    int wireAt(juce::Point<float> p) const;
    juce::Path wirePath(int wire) const;        ///< local coordinates (hit tests)
    juce::Path modelWirePath(int wire) const;   ///< document coordinates (painting)
    juce::AffineTransform viewTransform() const;
    juce::Point<float> toModel(juce::Point<float> local) const;
    juce::Rectangle<float> modelBounds(int node) const;
    juce::Point<float> modelPort(int node, const std::string& comp, bool output) const;
    bool isSelected(const std::string& id) const;
    void notifySelection();
    void showCanvasMenu(juce::Point<float> p);
    void showNodeMenu(int node);
    juce::Point<float> dragDelta(const std::string& id) const;
    void edited();

    PatchDocument& doc_;
    std::vector<std::string> selected_;
    int selectedWire_ = -1;
    PatchDocument::WireEnds selectedWireEnds_;
    juce::Point<float> offset_{0, 0};
    float scale_ = 1.0f;
    std::string clipboard_;

    enum class Drag { none, nodes, wire, pan };
    Drag drag_ = Drag::none;
    juce::Point<float> dragMove_{0, 0};   ///< nodes being dragged: the offset so far
    juce::Point<float> panStart_{0, 0};
    PortHit wireFrom_;
    juce::Point<float> rubberEnd_{0, 0};
    juce::Component::SafePointer<juce::Component> renameDialog_;
    std::string shiftToggle_;             ///< shift-clicked selected node: deselected on mouseUp unless dragged
};

/** The selection's properties, generated from the node kind's spec (or a wire's keys, or the
    patch's name, description and learning with nothing selected). Every committed change is
    one PatchDocument edit. */
class WorkbenchInspector : public juce::Component, private juce::AsyncUpdater {
public:
    explicit WorkbenchInspector(PatchDocument& doc);
    ~WorkbenchInspector() override;

    /** What to show: nodes (the first is edited) or a wire (index) or, both empty, the patch. */
    void setSelection(const std::vector<std::string>& nodes, int wire);
    /** Rebuilds the rows when the document or the selection changed (not while a slider is
        being dragged). Safe to call any time, also from PatchDocument::onChange while one
        of the inspector's controls is committing (replaced rows are deleted asynchronously). */
    void refresh();
    /** A generated control by its component ID ("field:tau_m", "bind:tau_m", "wire:gain", ...). */
    juce::Component* control(const juce::String& componentID) const;
    /** After the node id field renamed a node (the canvas keeps it selected). */
    std::function<void(const std::string& from, const std::string& to)> onRenamed;
    /** The issue lines shown at the top. */
    juce::String issueText() const;

    void paint(juce::Graphics&) override;
    void resized() override;

private:
    void handleAsyncUpdate() override;
    void rebuild();
    void buildPatchRows();
    void buildNodeRows(int node);
    void buildWireRows(int wire);
    /** The editable text of a wire's explicit weights (small matrices). */
    void addWeightsField(int wire, const nlohmann::json& weights);
    /** Adds a row: a label and a control taking the rest of the width. */
    void addRow(const juce::String& label, std::unique_ptr<juce::Component> c, const juce::String& tip = {},
                int height = 24);
    void addHeading(const juce::String& text);
    /** After an edit from a control: rebuild later (not inside the control's callback). */
    void edited() { triggerAsyncUpdate(); }

    PatchDocument& doc_;
    std::vector<std::string> nodes_;
    int wire_ = -1;
    int builtRevision_ = -1;
    std::vector<std::string> builtNodes_;
    int builtWire_ = -2;
    int dragging_ = 0;
    juce::Label issues_;
    struct Row {
        std::unique_ptr<juce::Label> label;
        std::unique_ptr<juce::Component> control;
        int height = 24;
    };
    std::vector<Row> rows_;
    std::vector<Row> retired_;   ///< replaced rows, deleted asynchronously
};

/** Toolbar, canvas, inspector and issue line: the whole workbench on one document. */
class WorkbenchPanel : public juce::Component, private juce::Timer {
public:
    explicit WorkbenchPanel(PatchDocument& doc);
    ~WorkbenchPanel() override;

    WorkbenchCanvas& canvas() noexcept { return canvas_; }
    WorkbenchInspector& inspector() noexcept { return inspector_; }
    /** Brings canvas, inspector, buttons and the issue line up to date with the document
        (also done by a 10 Hz timer; call it from PatchDocument::onChange for no delay). */
    void documentChanged();
    juce::String issueLine() const { return issueLine_.getText(); }
    juce::Button* button(const juce::String& name) const;

    void paint(juce::Graphics&) override;
    void resized() override;

private:
    void timerCallback() override;
    void showNewMenu();
    void showAddMenu();

    PatchDocument& doc_;
    WorkbenchCanvas canvas_;
    WorkbenchInspector inspector_;
    juce::Viewport inspectorView_;
    juce::TextButton newButton_{"New"}, addButton_{"Add node"}, undoButton_{"Undo"}, redoButton_{"Redo"},
        copyButton_{"Copy"}, pasteButton_{"Paste"}, deleteButton_{"Delete"}, fitButton_{"Fit"};
    juce::Label issueLine_;
    int seenRevision_ = -1;
    bool fitted_ = false;
};

} // namespace graded::gui
