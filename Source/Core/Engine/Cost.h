// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Checks before an engine is built: the configuration and the resource budget.

#include "Engine.h"

namespace graded {

/** Throws ConfigError for a sample rate or channel count the engine cannot run, PatchError
    for a patch without its AudioIn and AudioOut. */
void checkConfig(const Patch& p, const EngineConfig& c);
/** Throws PatchError when running `p` at steps of `S` is over the memory or real-time budget. */
void checkBudget(const Patch& p, const EngineConfig& c, int S);
std::string formatNumber(double v);

} // namespace graded
