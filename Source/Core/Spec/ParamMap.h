// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <map>
#include <string>

namespace graded {

/** A parameter value as ngclearn takes it: a number, a string, a bool, or a
    (string, number) pair such as prior=("gaussian", 0.3). */
struct ParamValue {
    enum class Type { number, string, boolean, pair };
    Type type = Type::number;
    double number = 0.0;
    std::string text;
    bool flag = false;

    static ParamValue num(double v) { ParamValue p; p.type = Type::number; p.number = v; return p; }
    static ParamValue str(std::string s) { ParamValue p; p.type = Type::string; p.text = std::move(s); return p; }
    static ParamValue boolean(bool b) { ParamValue p; p.type = Type::boolean; p.flag = b; return p; }
    static ParamValue pair(std::string s, double v) {
        ParamValue p; p.type = Type::pair; p.text = std::move(s); p.number = v; return p;
    }
};

using ParamMap = std::map<std::string, ParamValue>;

} // namespace graded
