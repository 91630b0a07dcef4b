// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "Theme.h"

#include <Engine/WeightAccess.h>

#include <memory>

namespace graded::gui {

/** The live weights of a patch's synapses: one heat map of W per untied synapse
    ([n_in] rows x [n_out] columns, downsampled to at most 64 x 64 by the audio thread),
    amber for positive and blue for negative weights, brightness for |w| relative to the
    map's largest; each map is labelled with its id, shape and range. Frames come from the
    processor's lock-free triple buffer (GradedCellsProcessor::popWeightHeat), a few a
    second. Export / import buttons call back into the editor. */
class WeightsView : public juce::Component {
public:
    WeightsView();
    void update(const WeightHeatFrame& frame);
    void paint(juce::Graphics&) override;
    void resized() override;
    int framesSeen() const noexcept { return frames_; }
    int mapsShown() const noexcept { return have_ ? last_->count : 0; }

    juce::TextButton exportButton{"Export weights..."};
    juce::TextButton importButton{"Import weights..."};

private:
    std::unique_ptr<WeightHeatFrame> last_;  ///< ~130 KB: on the heap
    bool have_ = false;
    int frames_ = 0;
};

} // namespace graded::gui
