// SPDX-License-Identifier: GPL-3.0-or-later
// Kernels on their own: activations and derivatives against the table in
// shared/reference/graded-cells.md, priors, thresholds, and integrator convergence orders.
#include <catch2/catch.hpp>

#include "Kernels/Activation.h"
#include "Kernels/Integrator.h"
#include "Kernels/Prior.h"
#include "Kernels/Threshold.h"

#include <cmath>
#include <vector>

using namespace graded;

namespace {

const std::vector<double> kPoints{-7.5, -3.0, -1.0, -0.6, -0.01, 0.0, 0.01, 0.3, 0.999, 1.0,
                                  1.5, 5.9, 6.0, 6.1, 12.0};

double sig(double x) { return 1.0 / (1.0 + std::exp(-x)); }

/** The table, written independently of the kernels (scalar std:: math). */
double refF(Activation a, double x) {
    const double w = 30.0;
    switch (a) {
        case Activation::identity: return x;
        case Activation::relu: return std::max(x, 0.0);
        case Activation::lrelu: return x >= 0 ? x : 0.01 * x;
        case Activation::relu6: return std::min(std::max(x, 0.0), 6.0);
        case Activation::tanh: return std::tanh(x);
        case Activation::sigmoid: return sig(x);
        case Activation::softplus: return std::log1p(std::exp(x));
        case Activation::elu: return x >= 0 ? x : std::exp(x) - 1;
        case Activation::silu: return x * sig(x);
        case Activation::gelu: return x * sig(1.702 * x);
        case Activation::telu: return x * std::tanh(std::exp(x));
        case Activation::sine: return std::sin(w * x);
        case Activation::unit_threshold: return x >= 1 ? 1 : 0;
        case Activation::heaviside: return x >= 0 ? 1 : 0;
    }
    return NAN;
}

double refDf(Activation a, double x) {
    const double w = 30.0;
    switch (a) {
        case Activation::identity: return 1;
        case Activation::relu: return x >= 0 ? 1 : 0;
        case Activation::lrelu: return x >= 0 ? 1 : 0.01;
        case Activation::relu6: return (x >= 0 && x <= 6) ? 1 : 0;
        case Activation::tanh: return 1 - std::tanh(x) * std::tanh(x);
        case Activation::sigmoid: return sig(x) * (1 - sig(x));
        case Activation::softplus: return sig(x);
        case Activation::elu: return x >= 0 ? 1 : std::exp(x);
        case Activation::silu: return sig(x) + x * sig(x) * (1 - sig(x));
        case Activation::gelu: return sig(1.702 * x) + 1.702 * x * sig(1.702 * x) * (1 - sig(1.702 * x));
        case Activation::telu: {
            const double t = std::tanh(std::exp(x));
            return t + x * std::exp(x) * (1 - t * t);
        }
        case Activation::sine: return w * std::cos(w * x);
        case Activation::unit_threshold:
        case Activation::heaviside: return 1;
    }
    return NAN;
}

bool smooth(Activation a) {
    return a != Activation::unit_threshold && a != Activation::heaviside;
}

} // namespace

TEMPLATE_TEST_CASE("each activation and derivative matches the reference table", "[kernel][activation]",
                   float, double) {
    using T = TestType;
    const double tol = std::is_same_v<T, float> ? 2e-6 : 1e-13;
    for (int i = 0; i < kNumActivations; ++i) {
        const auto a = static_cast<Activation>(i);
        for (double x : kPoints) {
            const T xt = T(x);
            const double xr = double(xt); // compare at the representable input
            INFO(activationName(a) << " at x=" << x);
            const double scaleF = a == Activation::sine ? 30.0 : 1.0;
            CHECK(double(kernels::activate<T>(a, xt)) == Approx(refF(a, xr)).margin(tol * scaleF).epsilon(tol * 4));
            const double scaleD = a == Activation::sine ? 900.0 : 1.0;
            CHECK(double(kernels::derivative<T>(a, xt)) == Approx(refDf(a, xr)).margin(tol * scaleD).epsilon(tol * 4));
        }
    }
}

TEST_CASE("smooth derivatives agree with central differences", "[kernel][activation]") {
    for (int i = 0; i < kNumActivations; ++i) {
        const auto a = static_cast<Activation>(i);
        if (!smooth(a)) continue;
        for (double x : {-2.3, -0.7, 0.4, 1.3, 4.2}) {
            const double h = 1e-6;
            const double fd = (kernels::activate<double>(a, x + h) - kernels::activate<double>(a, x - h)) / (2 * h);
            INFO(activationName(a) << " at x=" << x);
            CHECK(kernels::derivative<double>(a, x) == Approx(fd).epsilon(1e-6).margin(1e-6));
        }
    }
}

TEST_CASE("activations stay finite for extreme inputs", "[kernel][activation]") {
    for (int i = 0; i < kNumActivations; ++i) {
        const auto a = static_cast<Activation>(i);
        for (float x : {-1e30f, -500.f, -90.f, 90.f, 500.f, 1e30f}) {
            INFO(activationName(a) << " at x=" << x);
            if (a != Activation::identity && a != Activation::relu && a != Activation::lrelu
                && a != Activation::elu && a != Activation::silu && a != Activation::gelu
                && a != Activation::telu && a != Activation::softplus && a != Activation::sine) {
                CHECK(std::isfinite(kernels::activate<float>(a, x)));
            }
            CHECK(std::isfinite(kernels::derivative<float>(a, x)));
        }
        // softplus never overflows
        CHECK(kernels::activate<double>(Activation::softplus, 1000.0) == Approx(1000.0));
        CHECK(kernels::activate<double>(Activation::softplus, -1000.0) == Approx(0.0).margin(1e-300));
    }
}

TEST_CASE("names parse both ways; unknown names are rejected", "[kernel]") {
    for (int i = 0; i < kNumActivations; ++i) {
        const auto a = static_cast<Activation>(i);
        CHECK(parseActivation(activationName(a)) == a);
    }
    CHECK_FALSE(parseActivation("swish").has_value());
    CHECK(parsePrior("cauchy") == Prior::cauchy);
    CHECK_FALSE(parsePrior("student_t").has_value());
    CHECK(parseIntegrator("rk1") == Integrator::euler);
    CHECK(parseIntegrator("rk2") == Integrator::midpoint);
    CHECK(parseIntegrator("rk4") == Integrator::rk4);
    CHECK_FALSE(parseIntegrator("heun").has_value());
    CHECK(parseThreshold("soft_threshold") == Threshold::soft_threshold);
    CHECK_FALSE(parseThreshold("hard").has_value());
}

TEST_CASE("prior leak terms match their definitions", "[kernel][prior]") {
    for (double z : {-2.0, -0.5, 0.0, 0.25, 1.0, 3.0}) {
        CHECK(kernels::priorLeak(Prior::gaussian, z) == z);
        CHECK(kernels::priorLeak(Prior::laplacian, z) == (z > 0 ? 1.0 : z < 0 ? -1.0 : 0.0));
        CHECK(kernels::priorLeak(Prior::cauchy, z) == Approx(2 * z / (1 + z * z)));
        CHECK(kernels::priorLeak(Prior::exp, z) == Approx(2 * z * std::exp(-z * z)));
        // the array form agrees with the scalar form
        Eigen::ArrayXd a(1);
        a(0) = z;
        Eigen::ArrayXd out = kernels::priorLeak<Prior::cauchy>(a);
        CHECK(out(0) == Approx(kernels::priorLeak(Prior::cauchy, z)));
        out = kernels::priorLeak<Prior::exp>(a);
        CHECK(out(0) == Approx(kernels::priorLeak(Prior::exp, z)));
        out = kernels::priorLeak<Prior::laplacian>(a);
        CHECK(out(0) == kernels::priorLeak(Prior::laplacian, z));
    }
}

TEST_CASE("thresholds", "[kernel][threshold]") {
    Eigen::ArrayXd z(7);
    z << -2.0, -0.5, -0.05, 0.0, 0.05, 0.5, 2.0;
    SECTION("soft threshold shrinks towards zero by lambda") {
        Eigen::ArrayXd s = z;
        kernels::applyThreshold(Threshold::soft_threshold, 0.1, s);
        const double expect[] = {-1.9, -0.4, 0.0, 0.0, 0.0, 0.4, 1.9};
        for (int i = 0; i < 7; ++i) CHECK(s(i) == Approx(expect[i]).margin(1e-15));
    }
    SECTION("cauchy threshold") {
        Eigen::ArrayXd s = z;
        const double lambda = 0.2;
        kernels::applyThreshold(Threshold::cauchy_threshold, lambda, s);
        for (int i = 0; i < 7; ++i) {
            const double v = z(i);
            double e = 0;
            if (v >= lambda) e = 0.5 * (v + std::sqrt(std::max(v * v - lambda, 0.0)));
            else if (v <= -lambda) e = 0.5 * (v - std::sqrt(std::max(v * v - lambda, 0.0)));
            CHECK(s(i) == Approx(e).margin(1e-15));
        }
    }
    SECTION("none leaves z alone") {
        Eigen::ArrayXd s = z;
        kernels::applyThreshold(Threshold::none, 0.3, s);
        CHECK((s == z).all());
    }
}

namespace {
/** Global error at t = 1 of dz/dt = -z, z(0) = 1, with n steps of integrator I. */
template <Integrator I> double decayError(int n) {
    Eigen::ArrayXd z = Eigen::ArrayXd::Ones(1), k1(1), k2(1), k3(1);
    const double dt = 1.0 / n;
    auto g = [](const Eigen::ArrayXd& s) { return -s; };
    for (int i = 0; i < n; ++i) kernels::integrateStep<I>(z, dt, g, k1, k2, k3);
    return std::fabs(z(0) - std::exp(-1.0));
}
double order(double coarse, double fine) { return std::log2(coarse / fine); }
} // namespace

TEST_CASE("integrators converge at their order on dz/dt = -z", "[kernel][integrator]") {
    const double eu = order(decayError<Integrator::euler>(64), decayError<Integrator::euler>(128));
    const double mp = order(decayError<Integrator::midpoint>(64), decayError<Integrator::midpoint>(128));
    const double r4 = order(decayError<Integrator::rk4>(16), decayError<Integrator::rk4>(32));
    INFO("euler order " << eu << ", midpoint order " << mp << ", rk4 order " << r4);
    CHECK(eu == Approx(1.0).margin(0.05));
    CHECK(mp == Approx(2.0).margin(0.05));
    CHECK(r4 == Approx(4.0).margin(0.1));
    // and the one-step forms are the textbook ones
    Eigen::ArrayXd z = Eigen::ArrayXd::Ones(1), k1(1), k2(1), k3(1);
    auto g = [](const Eigen::ArrayXd& s) { return -s; };
    kernels::integrateStep<Integrator::euler>(z, 0.5, g, k1, k2, k3);
    CHECK(z(0) == Approx(0.5)); // 1 - h
    z.setOnes();
    kernels::integrateStep<Integrator::midpoint>(z, 0.5, g, k1, k2, k3);
    CHECK(z(0) == Approx(1 - 0.5 + 0.125)); // 1 - h + h^2/2
    z.setOnes();
    kernels::integrateStep<Integrator::rk4>(z, 0.5, g, k1, k2, k3);
    const double h = 0.5;
    CHECK(z(0) == Approx(1 - h + h * h / 2 - h * h * h / 6 + h * h * h * h / 24));
}
