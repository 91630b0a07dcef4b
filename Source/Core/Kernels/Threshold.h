// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "Names.h"

#include <optional>
#include <string_view>

namespace graded {

/** Optional sub-dynamics a RateCell applies to z after each integration step.
      soft_threshold:   z <- max(z - lambda, 0) - max(-z - lambda, 0)
      cauchy_threshold: z <- 0.5 (z + sqrt(max(z^2 - lambda, 0)))  where z >=  lambda
                             0.5 (z - sqrt(max(z^2 - lambda, 0)))  where z <= -lambda
                             0                                      elsewhere
    (ngclearn 3.2.0 crashes on cauchy_threshold; this is the intended formula.) */
enum class Threshold { none, soft_threshold, cauchy_threshold };
static_assert(int(Threshold::cauchy_threshold) + 1 == kNumThresholds, "kThresholdNames (Names.h) lists every threshold");

inline std::optional<Threshold> parseThreshold(std::string_view name) noexcept {
    return enumFromName<Threshold>(kThresholdNames, name);
}
inline std::string_view thresholdName(Threshold t) noexcept { return kThresholdNames[static_cast<int>(t)]; }

namespace kernels {

template <typename A> void applyThreshold(Threshold t, typename A::Scalar lambda, A& z) noexcept {
    using T = typename A::Scalar;
    switch (t) {
        case Threshold::none: break;
        case Threshold::soft_threshold:
            z = (z - lambda).max(T(0)) - (-z - lambda).max(T(0));
            break;
        case Threshold::cauchy_threshold:
            z = (z >= lambda)
                    .select((z + (z.square() - lambda).max(T(0)).sqrt()) * T(0.5),
                            (z <= -lambda)
                                .select((z - (z.square() - lambda).max(T(0)).sqrt()) * T(0.5),
                                        T(0)));
            break;
    }
}

} // namespace kernels
} // namespace graded
