// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// graded-cli weights: learned synapse weights as ngclearn's npz files.

#include <string>
#include <vector>

namespace graded {
class Engine;
struct Patch;
namespace plugin {
class GradedCellsProcessor;
}
} // namespace graded

namespace graded::cli {

/** `graded-cli weights export --patch FILE.json|NAME [--in IN.wav] --out DIR [--seconds S]
    [--set PARAM=VALUE]...`: runs the patch's engine over the input (or a built-in steady
    chord), then writes `<DIR>/<node id>.npz` for each untied synapse (ngclearn's save()). */
int runWeights(const std::vector<std::string>& args);
extern const char* const kWeightsHelp;

/** The hook for `graded-cli render ... --export-weights DIR`: after the render, writes the
    processor's learned weights (a consistent copy, LearnedWeights.cpp) as `<DIR>/<id>.npz`
    and prints one line per file to stderr. Throws std::runtime_error with the reason when
    the patch has no synapses or a file cannot be written. */
void exportWeightsAfterRender(plugin::GradedCellsProcessor& processor, const std::string& dir);

} // namespace graded::cli
