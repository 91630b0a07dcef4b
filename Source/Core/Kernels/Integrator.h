// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "Names.h"

#include <optional>
#include <string_view>

namespace graded {

/** Explicit Runge-Kutta integrators for dx/dt = g(x), every input held fixed over the step.
      euler    (also "rk1"): x <- x + dt g(x)
      midpoint (also "rk2"): m = x + (dt/2) g(x);  x <- x + dt g(m)
      rk4:                   the classic four-stage step.
    Note: ngclearn's RateCell silently runs Euler for "rk4" (and RK4 for "heun"), and its
    LeakyNoiseCell raises for "rk4"; our "rk4" is a true fourth-order step, so rk4 runs do
    not match the reference. ngclearn's names "heun" and "ralston" are not accepted. */
enum class Integrator { euler, midpoint, rk4 };
static_assert(int(Integrator::rk4) + 1 == kNumIntegrators, "kIntegratorNames (Names.h) lists every integrator");

inline std::optional<Integrator> parseIntegrator(std::string_view name) noexcept {
    if (name == "euler" || name == "rk1") return Integrator::euler;
    if (name == "midpoint" || name == "rk2") return Integrator::midpoint;
    if (name == "rk4") return Integrator::rk4;
    return std::nullopt;
}
inline std::string_view integratorName(Integrator i) noexcept { return kIntegratorNames[static_cast<int>(i)]; }

namespace kernels {

/** One step of `I` for an element-wise ODE, on whole arrays.
    `g(s)` returns dx/dt at state `s` as an Eigen expression (element-wise, so it may be
    evaluated straight into x); `k1..k3` are caller-owned scratch arrays of x's size (euler
    uses none, midpoint k2 only). The operation order follows ngclearn's ode_utils
    (x + dx_dt * dt) so double runs agree with the reference to the last few bits.
    Never allocates. */
template <Integrator I, typename A, typename G>
void integrateStep(A& x, typename A::Scalar dt, G&& g, A& k1, A& k2, A& k3) noexcept {
    using T = typename A::Scalar;
    if constexpr (I == Integrator::euler) {
        x += g(x) * dt;
    } else if constexpr (I == Integrator::midpoint) {
        k2 = x + g(x) * (dt * T(0.5));
        x += g(k2) * dt;
    } else {
        // k1 accumulates f1 + 2 f2 + 2 f3 + f4; k2 holds the stage state, k3 the stage slope.
        k1 = g(x);
        k2 = x + k1 * (dt * T(0.5));
        k3 = g(k2);
        k1 += k3 * T(2);
        k2 = x + k3 * (dt * T(0.5));
        k3 = g(k2);
        k1 += k3 * T(2);
        k2 = x + k3 * dt;
        k1 += g(k2);
        x += (k1 / T(6)) * dt;
    }
}

} // namespace kernels
} // namespace graded
