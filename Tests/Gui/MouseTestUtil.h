// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Simulated mouse and keyboard input for editor and workbench tests: events are built as JUCE
// builds them and sent straight to a component's handlers.

#include "Workbench.h"

#include <catch2/catch.hpp>
#include <juce_gui_basics/juce_gui_basics.h>

#include <functional>

namespace juce {
bool dispatchNextMessageOnSystemQueue(bool returnIfNoPendingMessages); // juce_events (Linux)
}

namespace graded::test {

/** Runs the messages already posted (TextEditor's Return, async updates). */
inline void pump() {
    for (int i = 0; i < 500 && juce::dispatchNextMessageOnSystemQueue(true); ++i) {}
}

inline juce::MouseEvent mouseEvent(juce::Component& c, juce::Point<float> p, juce::ModifierKeys mods,
                                   juce::Point<float> down, bool dragged) {
    const auto now = juce::Time::getCurrentTime();
    return juce::MouseEvent(juce::Desktop::getInstance().getMainMouseSource(), p, mods,
                            juce::MouseInputSource::defaultPressure, 0.0f, 0.0f, 0.0f, 0.0f, &c, &c, now, down, now, 1,
                            dragged);
}

inline void click(juce::Component& c, juce::Point<float> p, juce::ModifierKeys extra = {}) {
    const auto mods = extra.withFlags(juce::ModifierKeys::leftButtonModifier);
    c.mouseDown(mouseEvent(c, p, mods, p, false));
    c.mouseUp(mouseEvent(c, p, extra, p, false));
}

/** Press at `from`, move in steps to `to`, release. `during` runs before the release. */
inline void drag(juce::Component& c, juce::Point<float> from, juce::Point<float> to, std::function<void()> during = {},
                 juce::ModifierKeys extra = {}) {
    const auto mods = extra.withFlags(juce::ModifierKeys::leftButtonModifier);
    c.mouseDown(mouseEvent(c, from, mods, from, false));
    for (int i = 1; i <= 4; ++i) c.mouseDrag(mouseEvent(c, from + (to - from) * (float(i) / 4.0f), mods, from, true));
    if (during) during();
    c.mouseUp(mouseEvent(c, to, extra, from, true));
}

inline bool key(juce::Component& c, int code, juce::ModifierKeys mods = {}) {
    return c.keyPressed(juce::KeyPress(code, mods, 0));
}

inline const juce::ModifierKeys cmd{juce::ModifierKeys::commandModifier};
inline const juce::ModifierKeys cmdShift{juce::ModifierKeys::commandModifier | juce::ModifierKeys::shiftModifier};

/** Writes a component's image as PNG to `file` (replacing it). */
inline bool writeSnapshot(juce::Component& c, const juce::File& file) {
    file.deleteFile();
    juce::FileOutputStream stream(file);
    juce::PNGImageFormat png;
    return stream.openedOk() && png.writeImageToStream(c.createComponentSnapshot(c.getLocalBounds(), true, 1.0f), stream);
}

/** Wires from.fromComp -> to.toComp on the workbench by dragging between the two ports (a few
    pixels off the input's dot, which still hits it); the new wire is selected. */
inline void wireByMouse(gui::PatchDocument& doc, gui::WorkbenchCanvas& canvas, const std::string& from,
                        const std::string& fromComp, const std::string& to, const std::string& toComp) {
    const auto p0 = canvas.portPosition(doc.nodeIndex(from), fromComp, true);
    const auto p1 = canvas.portPosition(doc.nodeIndex(to), toComp, false);
    INFO(from << "." << fromComp << " -> " << to << "." << toComp);
    REQUIRE(p0.x >= 0.0f);
    REQUIRE(p1.x >= 0.0f);
    const int before = doc.numWires();
    drag(canvas, p0, p1.translated(3.0f, 2.0f));
    REQUIRE(doc.numWires() == before + 1);
    const auto e = doc.wireEnds(before);
    CHECK(e.from == from);
    CHECK(e.fromComp == fromComp);
    CHECK(e.to == to);
    CHECK(e.toComp == toComp);
    CHECK(canvas.selectedWire() == before);
}

} // namespace graded::test
