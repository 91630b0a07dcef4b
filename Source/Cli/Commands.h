// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <string>
#include <vector>

namespace graded::cli {

/** Each subcommand takes its own arguments (without the subcommand's name) and returns the
    process exit status: 0 success, 1 a failed check, 2 bad usage or bad input. */
int runReplay(const std::vector<std::string>& args);
extern const char* const kReplayHelp;

/** Renders audio through the plugin's AudioProcessor (only in the plugin build). */
int runRender(const std::vector<std::string>& args);
extern const char* const kRenderHelp;

/** Soaks the plugin's AudioProcessor with random automation, MIDI, patch switches and
    hostile input (only in the plugin build). */
int runSoak(const std::vector<std::string>& args);
extern const char* const kSoakHelp;

} // namespace graded::cli
