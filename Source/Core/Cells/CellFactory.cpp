// SPDX-License-Identifier: GPL-3.0-or-later
#include "CellFactory.h"

#include "CellSpecs.h"

namespace graded {

const std::vector<std::string>& acceptedParams(CellKind kind) {
    static const auto all = [] {
        std::vector<std::vector<std::string>> v;
        for (int k = 0; k < kNumCellKinds; ++k) {
            const NodeSpec& spec = cellSpec(static_cast<CellKind>(k));
            std::vector<std::string> names;
            for (const auto& f : spec.fields) {
                if (!f.partOf.empty()) continue;
                names.emplace_back(f.name);
                if (!f.alias.empty()) names.emplace_back(f.alias);
            }
            for (const auto& key : spec.extraKeys) names.emplace_back(key);
            v.push_back(std::move(names));
        }
        return v;
    }();
    return all[size_t(kind)];
}

template <typename T> std::unique_ptr<Cell<T>> makeCell(CellKind kind, const ParamMap& m) {
    if constexpr (std::is_same_v<T, float>) return cellSpec(kind).cell.makeFloat(m);
    else return cellSpec(kind).cell.makeDouble(m);
}

template <typename T>
std::unique_ptr<Cell<T>> makeCell(const std::string& kindName, const ParamMap& m) {
    auto kind = parseCellKind(kindName);
    if (!kind) throw ConfigError("cell", "unknown cell kind '" + kindName + "'");
    return makeCell<T>(*kind, m);
}

template std::unique_ptr<Cell<float>> makeCell<float>(CellKind, const ParamMap&);
template std::unique_ptr<Cell<double>> makeCell<double>(CellKind, const ParamMap&);
template std::unique_ptr<Cell<float>> makeCell<float>(const std::string&, const ParamMap&);
template std::unique_ptr<Cell<double>> makeCell<double>(const std::string&, const ParamMap&);

} // namespace graded
