// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace graded {

/** The enum value whose name (in declaration order) is `name`; nullopt if none. */
template <typename E, std::size_t N>
std::optional<E> enumFromName(const std::string_view (&names)[N], std::string_view name) noexcept {
    for (std::size_t i = 0; i < N; ++i)
        if (names[i] == name) return static_cast<E>(i);
    return std::nullopt;
}

} // namespace graded
