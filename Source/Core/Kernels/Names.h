// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace graded {

// The names of each kernel's variants, in the declaration order of its enum (Activation.h,
// Prior.h, Integrator.h, Threshold.h): ngclearn's strings. They are the choice labels
// everywhere (node specs, host parameters) and need no Eigen.
inline constexpr std::string_view kActivationNames[] = {
    "identity", "relu", "lrelu", "relu6", "tanh", "sigmoid", "softplus", "elu", "silu", "gelu",
    "telu", "sine", "unit_threshold", "heaviside"};
inline constexpr int kNumActivations = 14;
inline constexpr std::string_view kPriorNames[] = {"gaussian", "laplacian", "cauchy", "exp"};
inline constexpr int kNumPriors = 4;
inline constexpr std::string_view kIntegratorNames[] = {"euler", "midpoint", "rk4"};
inline constexpr int kNumIntegrators = 3;
inline constexpr std::string_view kThresholdNames[] = {"none", "soft_threshold", "cauchy_threshold"};
inline constexpr int kNumThresholds = 3;

/** The enum value whose name (in declaration order) is `name`; nullopt if none. */
template <typename E, std::size_t N>
std::optional<E> enumFromName(const std::string_view (&names)[N], std::string_view name) noexcept {
    for (std::size_t i = 0; i < N; ++i)
        if (names[i] == name) return static_cast<E>(i);
    return std::nullopt;
}

} // namespace graded
