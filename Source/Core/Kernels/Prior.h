// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "Names.h"

#include <cmath>
#include <optional>
#include <string_view>

namespace graded {

/** The centred scale-shift priors a RateCell can impose on its dynamics. phi(z) is the
    prior's "leak" term: the derivative of its negative log density, up to scale.
      gaussian:  phi(z) = z
      laplacian: phi(z) = sign(z)
      cauchy:    phi(z) = 2z / (1 + z^2)
      exp:       phi(z) = 2z exp(-z^2)                                                */
enum class Prior { gaussian, laplacian, cauchy, exp };
static_assert(int(Prior::exp) + 1 == kNumPriors, "kPriorNames (Names.h) lists every prior");


inline std::optional<Prior> parsePrior(std::string_view name) noexcept {
    return enumFromName<Prior>(kPriorNames, name);
}
inline std::string_view priorName(Prior p) noexcept { return kPriorNames[static_cast<int>(p)]; }

namespace kernels {

/** phi(z) as an Eigen expression (element-wise). The gaussian case returns a reference to
    z itself: returning the array by value would copy (and allocate) on every call. */
template <Prior P, typename E> decltype(auto) priorLeak(const E& z) {
    using T = typename E::Scalar;
    if constexpr (P == Prior::gaussian) return (z);
    else if constexpr (P == Prior::laplacian) return z.sign();
    else if constexpr (P == Prior::cauchy) return (z * T(2)) / (T(1) + z.square());
    else return (-z.square()).exp() * z * T(2);
}

/** Scalar phi(z), for tests. */
template <typename T> T priorLeak(Prior p, T z) noexcept {
    switch (p) {
        case Prior::gaussian: return z;
        case Prior::laplacian: return T((z > T(0)) - (z < T(0)));
        case Prior::cauchy: return (z * T(2)) / (T(1) + z * z);
        case Prior::exp: return std::exp(-z * z) * z * T(2);
    }
    return z;
}

} // namespace kernels
} // namespace graded
