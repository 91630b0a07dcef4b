// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// JSON -> ngclearn parameter value: shared by the patch reader and the golden-file reader.

#include "ParamMap.h"

#include <nlohmann/json.hpp>

#include <optional>

namespace graded {

/** A JSON value as a parameter: a boolean, a number, a string or a [name, number] pair;
    nothing for any other shape. (Finiteness is the caller's or the spec's to check.) */
inline std::optional<ParamValue> paramFromJson(const nlohmann::json& v) {
    if (v.is_boolean()) return ParamValue::boolean(v.get<bool>());
    if (v.is_number()) return ParamValue::num(v.get<double>());
    if (v.is_string()) return ParamValue::str(v.get<std::string>());
    if (v.is_array() && v.size() == 2 && v[0].is_string() && v[1].is_number())
        return ParamValue::pair(v[0].get<std::string>(), v[1].get<double>());
    return std::nullopt;
}

inline constexpr const char* kParamShapes = "a number, string, boolean or [name, number] pair";

} // namespace graded
