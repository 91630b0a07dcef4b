// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "Names.h"

#include <Eigen/Core>
#include <cmath>
#include <optional>
#include <string_view>

namespace graded {

/** Element-wise nonlinearities f and their derivatives f', as ngclearn defines them
    (ngclearn.utils.model_utils.create_function). Names match ngclearn's strings. */
enum class Activation {
    identity, relu, lrelu, relu6, tanh, sigmoid, softplus, elu, silu, gelu, telu, sine,
    unit_threshold, heaviside
};
static_assert(int(Activation::heaviside) + 1 == kNumActivations, "kActivationNames (Names.h) lists every activation");


inline std::optional<Activation> parseActivation(std::string_view name) noexcept {
    return enumFromName<Activation>(kActivationNames, name);
}
inline std::string_view activationName(Activation a) noexcept {
    return kActivationNames[static_cast<int>(a)];
}

/** Default frequency of the sine activation (SIREN's omega_0), ngclearn's default too. */
inline constexpr double kDefaultOmega0 = 30.0;

namespace kernels {

/** The slope of lrelu's negative side. */
template <typename T> constexpr T lreluSlope() { return T(0.01); }

/** A constant array shaped like `x`: an allocation-free nullary expression. */
template <typename E> auto constLike(const E& x, typename E::Scalar v) {
    return E::PlainObject::Constant(x.rows(), x.cols(), v);
}

template <typename E> auto sigmoidExpr(const E& x) {
    using T = typename E::Scalar;
    return (T(1) + (-x).exp()).inverse();
}

/** out = f(x) over whole arrays. `out` may alias `x` (every expression is element-wise). */
template <typename T, typename InE, typename OutE>
void activate(Activation a, const InE& x, OutE&& out, T omega0 = T(kDefaultOmega0)) noexcept {
    switch (a) {
        case Activation::identity: out = x; break;
        case Activation::relu: out = x.max(T(0)); break;
        case Activation::lrelu: out = (x >= T(0)).select(x, x * lreluSlope<T>()); break;
        case Activation::relu6: out = x.max(T(0)).min(T(6)); break;
        case Activation::tanh: out = x.tanh(); break;
        case Activation::sigmoid: out = sigmoidExpr(x); break;
        // log(1 + e^x) = max(x, 0) + log1p(e^-|x|): never overflows.
        case Activation::softplus: out = x.max(T(0)) + (-x.abs()).exp().log1p(); break;
        case Activation::elu: out = (x >= T(0)).select(x, x.min(T(0)).expm1()); break;
        case Activation::silu: out = x * sigmoidExpr(x); break;
        case Activation::gelu: out = x * sigmoidExpr(x * T(1.702)); break;
        case Activation::telu: out = x * x.min(T(80)).exp().tanh(); break;
        case Activation::sine: out = (x * omega0).sin(); break;
        case Activation::unit_threshold: out = (x >= T(1)).template cast<T>(); break;
        case Activation::heaviside: out = (x >= T(0)).template cast<T>(); break;
    }
}

/** out = f'(x) over whole arrays. The threshold functions use a straight-through derivative
    of 1, as ngclearn does. `out` may alias `x`. */
template <typename T, typename InE, typename OutE>
void derivative(Activation a, const InE& x, OutE&& out, T omega0 = T(kDefaultOmega0)) noexcept {
    switch (a) {
        case Activation::identity: out.setConstant(T(1)); break;
        case Activation::relu: out = (x >= T(0)).template cast<T>(); break;
        case Activation::lrelu:
            out = (x >= T(0)).select(constLike(x, T(1)), constLike(x, lreluSlope<T>()));
            break;
        case Activation::relu6:
            out = ((x >= T(0)) && (x <= T(6))).template cast<T>();
            break;
        case Activation::tanh: out = T(1) - x.tanh().square(); break;
        case Activation::sigmoid: out = sigmoidExpr(x) * (T(1) - sigmoidExpr(x)); break;
        case Activation::softplus: out = sigmoidExpr(x); break;
        case Activation::elu: out = (x >= T(0)).select(T(1), x.min(T(0)).exp()); break;
        case Activation::silu:
            out = sigmoidExpr(x) + x * sigmoidExpr(x) * (T(1) - sigmoidExpr(x));
            break;
        case Activation::gelu:
            out = sigmoidExpr(x * T(1.702))
                + x * T(1.702) * sigmoidExpr(x * T(1.702)) * (T(1) - sigmoidExpr(x * T(1.702)));
            break;
        case Activation::telu:
            out = x.min(T(80)).exp().tanh()
                + x * (x.min(T(80)).exp() * (T(1) - x.min(T(80)).exp().tanh().square()));
            break;
        case Activation::sine: out = (x * omega0).cos() * omega0; break;
        case Activation::unit_threshold:
        case Activation::heaviside: out.setConstant(T(1)); break;
    }
}

/** Scalar forms, for tests and one-off use. */
template <typename T> T activate(Activation a, T x, T omega0 = T(kDefaultOmega0)) noexcept {
    Eigen::Array<T, 1, 1> in, out;
    in(0) = x;
    activate<T>(a, in, out, omega0);
    return out(0);
}
template <typename T> T derivative(Activation a, T x, T omega0 = T(kDefaultOmega0)) noexcept {
    Eigen::Array<T, 1, 1> in, out;
    in(0) = x;
    derivative<T>(a, in, out, omega0);
    return out(0);
}

} // namespace kernels
} // namespace graded
