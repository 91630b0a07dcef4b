// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The patch being built in the editor's workbench: its JSON (Graph/PatchFormat.md, each node
// with its position under "at": [x, y]), edited only through the methods below. Every edit is
// one undoable action of a juce::UndoManager (the whole document before and after), so undo and
// redo restore exactly what was there. After every change the document is checked by the patch
// loader (loadPatch) and every problem is attached to the node, wire or binding it concerns.

#include <Graph/HostParams.h>
#include <Graph/Patch.h>

#include <juce_data_structures/juce_data_structures.h>
#include <juce_graphics/juce_graphics.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace graded::gui {

/** One problem of the document, from the loader (or from running it): what it concerns. */
struct DocIssue {
    enum class Target { patch, node, wire, binding };
    Target target = Target::patch;
    int index = -1;            ///< node / wire / binding index in the document (-1: the patch)
    std::string path;          ///< JSON pointer as the loader gives it ("/nodes/2/params/tau_m")
    std::string message;       ///< the loader's message
};

/** A port of a node: one of its wireable compartments (from the node kind's spec). */
struct DocPort {
    std::string name;          ///< compartment name ("z", "mu", "bandGains")
    bool output = false;       ///< true: a wire may start here; false: a wire may end here
    std::string doc;           ///< the spec's description (tooltips)
};

class PatchDocument {
public:
    using json = nlohmann::json;
    enum class Template {
        empty,                 ///< no nodes at all (invalid until it has an AudioIn and an AudioOut)
        passThrough,           ///< AudioIn and AudioOut, nothing between them
        twoLayerPC             ///< a two-layer predictive-coding circuit that learns (see PatchDocument.cpp)
    };
    static juce::StringArray templateNames();   ///< in Template order, for menus

    PatchDocument();
    ~PatchDocument();

    // ---- whole documents ----
    /** Replaces the document by a template (undoable: "New patch"), named `name` (empty: an
        empty graph is "Untitled", a template has its own name). */
    void newFromTemplate(Template t, const std::string& name = {});
    /** Replaces the document by `text` (a patch file's JSON). Nodes without "at" get positions
        from a layered layout (inputs left, outputs right). `undoable` false: the undo history
        is cleared (opening the workbench on the running patch). False (document unchanged,
        `error` set) when `text` is not a JSON object. Invalid patches load (and show their issues). */
    bool loadJson(const std::string& text, bool undoable, std::string& error);
    /** The document as JSON text (indented, positions included): what "Save as" writes. */
    std::string text() const;
    /** The same without positions: what the engine runs. Two documents that differ only in
        their layout give the same engine text. */
    std::string engineText() const;
    const json& doc() const noexcept { return doc_; }

    // ---- nodes ----
    /** (Adding nodes or wires beyond a patch's limits, Limits.h, is refused: "" / -1; so is a
        paste that would.) */
    /** Adds a node of `kind` at (x, y) with a fresh id ("rate1", "error1", "in", "out", "W1")
        and the parameters a new node needs (n_units 1, a synapse's shape from its context);
        returns its id. */
    std::string addNode(NodeKind kind, float x, float y);
    /** Deletes nodes with every wire and binding that touches them (and "tie"s naming them). */
    bool deleteNodes(const std::vector<std::string>& ids);
    /** Renames a node and every reference to it (wires, bindings, ties); false and `error`
        when `to` is empty, contains '.', or is taken. */
    bool renameNode(const std::string& from, const std::string& to, std::string& error);
    bool moveNode(const std::string& id, float x, float y);
    /** Several nodes by (dx, dy) at once: one undo step (a dragged selection). */
    bool moveNodes(const std::vector<std::string>& ids, float dx, float dy);
    /** Sets a parameter by its spec field name (fields that are the number of a pair, like
        "prior_gamma", write their pair key ["gaussian", 0.1]); choice fields take the name or
        the index; null removes it (the spec's default applies). Also non-field keys of synapses
        ("shape", "weight_init", "tie", ...) by key. False when the node does not exist. */
    bool setNodeParam(const std::string& id, const std::string& field, const json& value);
    /** The value a field has: written in the document, else the spec's default (choices as
        their name, flags as bool). Null for an unknown node or field. */
    json nodeParam(const std::string& id, const std::string& field) const;
    bool setNodeComment(const std::string& id, const std::string& comment);
    int nodeIndex(const std::string& id) const;   ///< -1 when absent
    std::string nodeId(int index) const;          ///< "" when absent (or not a string)
    std::vector<std::string> nodeIds() const;
    int numNodes() const noexcept { return doc_.is_object() && doc_.contains("nodes") && doc_["nodes"].is_array() ? int(doc_["nodes"].size()) : 0; }
    NodeKind nodeKind(int index) const;
    juce::Point<float> nodePosition(int index) const;
    /** The ports of node `index`: its spec's wireable compartments (inputs, then outputs). */
    const std::vector<DocPort>& ports(int index) const;

    // ---- wires ----
    /** Adds a wire "from.fromComp -> to.toComp" (gain 1); returns its index, or -1 and
        `error` when a node or compartment does not exist. (An invalid wire, e.g. shapes that
        do not match, is added and shows its issue.) */
    int addWire(const std::string& from, const std::string& fromComp, const std::string& to,
                const std::string& toComp, std::string& error);
    bool deleteWires(std::vector<int> indices);
    /** Sets "gain", "bias", "delay", "weights", "init", "scale", "seed", "id" or "comment"
        of wire `index` (null removes the key). */
    bool setWireField(int index, const std::string& key, const json& value);
    int numWires() const;
    /** Wire `index` as from node id, from compartment, to node id, to compartment. */
    struct WireEnds { std::string from, fromComp, to, toComp; };
    WireEnds wireEnds(int index) const;

    // ---- bindings (host parameters driving node fields) ----
    /** Binds `param` to a node field (replacing any binding of that field); returns its index. */
    int bind(HostParam param, const std::string& node, const std::string& field, float scale = 1.f,
             float offset = 0.f, bool db = false);
    bool unbind(int index);
    /** The binding of a node field, or -1. */
    int bindingOf(const std::string& node, const std::string& field) const;
    int numBindings() const;

    // ---- the patch's own fields ----
    bool setName(const std::string& name);
    std::string name() const;
    bool setDescription(const std::string& text);
    /** The "learning" object ({"settle": 2, "evolve": "step"}; null removes it). */
    bool setLearning(const json& learning);

    // ---- copy and paste ----
    /** The nodes `ids` with the wires and bindings among them, as clipboard text. */
    std::string copyNodes(const std::vector<std::string>& ids) const;
    /** Adds what `copyNodes` gave, offset by (dx, dy), with fresh ids where taken (wires,
        bindings and ties among them follow); returns the new ids (empty: not clipboard text). */
    std::vector<std::string> paste(const std::string& clipboard, float dx, float dy);

    // ---- validation ----
    /** The loader's issues for the current document (empty: valid). */
    const std::vector<DocIssue>& issues() const noexcept { return issues_; }
    bool valid() const noexcept { return issues_.empty(); }
    /** The issues that concern node / wire `index`. */
    std::vector<DocIssue> issuesOf(DocIssue::Target target, int index) const;
    /** Extra issues from running the patch (a build error's "/path: message" lines, e.g. the
        real-time budget); they stay until the next change. */
    void addRunIssues(const std::string& describedError);

    // ---- undo ----
    /** The undo history keeps at most about 64 MiB of patch text (at least 8 steps): a few
        thousand edits of a small patch, fewer of one with large explicit weights. */
    static constexpr int kUndoBudgetKiB = 64 * 1024, kUndoMinSteps = 8;
    juce::UndoManager& undoManager() noexcept { return undo_; }
    bool undo();
    bool redo();
    bool canUndo() const;
    bool canRedo() const;
    /** Grows with every change of the document (edits, undo, redo, loads). */
    int revision() const noexcept { return revision_; }
    /** Called after every change (on the message thread). */
    std::function<void()> onChange;

private:
    class Edit;
    /** Replaces the document with `after` as one undoable action named `what`. */
    bool commit(json after, const juce::String& what);
    void set(const json& document);   ///< no undo: used by Edit and loads
    void validate();
    void reindex();                   ///< index_ from doc_


    json doc_;
    std::vector<DocIssue> issues_;
    std::unordered_map<std::string, int> index_;   ///< node id -> index (the first of a duplicate id)
    juce::UndoManager undo_{kUndoBudgetKiB, kUndoMinSteps};
    int revision_ = 0;
};

} // namespace graded::gui
