// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <Eigen/Core>

namespace graded {
namespace kernels {

/** sum(x) of an element-wise array expression, added in the order Eigen 3.4's .sum() takes in
    the portable SSE2 build (two accumulators of one 16-byte packet each over pairs of packets,
    then one more packet, the packet's lanes as (l0 + l2) + (l1 + l3), then the rest one by
    one), whatever instruction set this is compiled for: Eigen's own order follows its packet
    width, so an AVX2 or AVX-512 .sum() would change the last bits of every error cell's L.
    With 16-byte aligned operands (Eigen's allocations are) this is bit for bit the baseline's
    .sum(). x must not be empty. */
template <typename E> typename E::Scalar sumInBaselineOrder(const E& x) noexcept {
    using T = typename E::Scalar;
    constexpr int P = int(16 / sizeof(T)); // SSE2 lanes
    static_assert(P == 4 || P == 2, "float or double");
    using Pair = Eigen::Array<T, 2 * P, 1>;
    using Packet = Eigen::Array<T, P, 1>;
    const Eigen::Index n = x.size();
    const Eigen::Index n1 = n / P * P, n2 = n / (2 * P) * (2 * P);
    T r;
    if (n1 == 0) {
        r = x.coeff(0);
        for (Eigen::Index i = 1; i < n; ++i) r += x.coeff(i);
        return r;
    }
    Packet p;
    if (n1 > P) {
        Pair acc = x.template segment<2 * P>(0);
        for (Eigen::Index i = 2 * P; i < n2; i += 2 * P) acc += x.template segment<2 * P>(i);
        p = acc.template head<P>() + acc.template tail<P>();
        if (n1 > n2) p += x.template segment<P>(n2);
    } else {
        p = x.template segment<P>(0);
    }
    if constexpr (P == 4) r = (p[0] + p[2]) + (p[1] + p[3]);
    else r = p[0] + p[1];
    for (Eigen::Index i = n1; i < n; ++i) r += x.coeff(i);
    return r;
}

} // namespace kernels
} // namespace graded
