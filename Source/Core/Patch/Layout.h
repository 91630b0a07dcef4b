// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The editor's layout in a patch: each node's optional "at": [x, y] (PatchFormat.md), which the
// engine ignores. Two patches that differ only there run the same engine.

#include <nlohmann/json.hpp>

namespace graded {

/** `patch` without its nodes' "at" (anything that is not an object is returned as it is). */
inline nlohmann::json withoutLayout(nlohmann::json patch) {
    if (patch.is_object() && patch.contains("nodes") && patch["nodes"].is_array())
        for (auto& n : patch["nodes"])
            if (n.is_object()) n.erase("at");
    return patch;
}

} // namespace graded
