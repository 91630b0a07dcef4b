// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

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

inline std::optional<Integrator> parseIntegrator(std::string_view name) noexcept {
    if (name == "euler" || name == "rk1") return Integrator::euler;
    if (name == "midpoint" || name == "rk2") return Integrator::midpoint;
    if (name == "rk4") return Integrator::rk4;
    return std::nullopt;
}
inline std::string_view integratorName(Integrator i) noexcept {
    switch (i) {
        case Integrator::euler: return "euler";
        case Integrator::midpoint: return "midpoint";
        case Integrator::rk4: return "rk4";
    }
    return "euler";
}

namespace kernels {

/** One step of `I` for an element-wise ODE, on whole arrays.
    `g(src, dst)` writes dx/dt evaluated at state `src` into `dst` (both arrays of x's size);
    `k1..k3` are caller-owned scratch arrays of x's size (k2, k3 unused by euler/midpoint).
    The operation order follows ngclearn's ode_utils (x + dx_dt * dt) so double runs agree
    with the reference to the last few bits. Never allocates. */
template <Integrator I, typename A, typename G>
void integrateStep(A& x, typename A::Scalar dt, G&& g, A& k1, A& k2, A& k3) noexcept {
    using T = typename A::Scalar;
    if constexpr (I == Integrator::euler) {
        g(x, k1);
        x += k1 * dt;
    } else if constexpr (I == Integrator::midpoint) {
        g(x, k1);
        k2 = x + k1 * (dt * T(0.5));
        g(k2, k1);
        x += k1 * dt;
    } else {
        // k1 holds the running weighted sum; k2 the stage state; k3 the stage slope.
        g(x, k3);
        k1 = k3;
        k2 = x + k3 * (dt * T(0.5));
        g(k2, k3);
        k1 += k3 * T(2);
        k2 = x + k3 * (dt * T(0.5));
        g(k2, k3);
        k1 += k3 * T(2);
        k2 = x + k3 * dt;
        g(k2, k3);
        k1 += k3;
        x += (k1 / T(6)) * dt;
    }
}

} // namespace kernels
} // namespace graded
