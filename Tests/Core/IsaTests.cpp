// SPDX-License-Identifier: GPL-3.0-or-later
// The hot kernels per instruction set (Kernels/HotKernels.h): the dispatch picks what the CPU
// has (GRADED_ISA caps it: ctest core_isa_forced), and every set gives the baseline's results
// (bit for bit where Kernels/Isa.h promises it, within a few float ulps elsewhere).
#include <catch2/catch.hpp>

#include "Cells/ErrorCells.h"
#include "Cells/LeakyNoiseCell.h"
#include "Cells/RateCell.h"
#include "Kernels/Reduce.h"
#include "Synapses/Synapse.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

using namespace graded;

namespace {

bool cpuHas(Isa i) {
    __builtin_cpu_init();
    switch (i) {
        case Isa::sse2: return true;
        case Isa::avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        case Isa::avx512:
            return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
    }
    return false;
}

std::vector<Isa> wideIsas() {
    std::vector<Isa> v;
    for (Isa i : {Isa::avx2, Isa::avx512})
        if (isaAvailable(i)) v.push_back(i);
    return v;
}

double wave(long i, int salt) { return 0.8 * std::sin(0.37 * double(i) + 1.3 * salt) + 0.1 * std::cos(2.1 * double(i * salt)); }

/** Largest |a - b| / max(1, |b|) and the number of values whose bits differ. */
struct Diff {
    double rel = 0;
    long bitsDiffer = 0;
    long values = 0;
    template <typename T> void add(const T* a, const T* b, long n) {
        for (long k = 0; k < n; ++k) {
            values++;
            if (std::memcmp(a + k, b + k, sizeof(T)) != 0) bitsDiffer++;
            rel = std::max(rel, std::fabs(double(a[k]) - double(b[k])) / std::max(1.0, std::fabs(double(b[k]))));
        }
    }
};

/** Runs `make()`'s cell on sse2 and on `isa` over `steps` steps of the same inputs. */
template <typename T> Diff compareCells(const std::function<std::unique_ptr<Cell<T>>()>& make, Isa isa, int steps) {
    auto base = make(), wide = make();
    base->setIsa(Isa::sse2);
    wide->setIsa(isa);
    REQUIRE(base->isa() == Isa::sse2);
    REQUIRE(wide->isa() == isa);
    Diff d;
    for (int s = 0; s < steps; ++s) {
        for (size_t c = 0; c < base->compartments().size(); ++c) {
            const auto& cb = base->compartments()[c];
            const auto& cw = wide->compartments()[c];
            if (cb.role != CompartmentRole::input || cb.name == "Sigma" || cb.name == "Scale") continue;
            for (int k = 0; k < cb.size(); ++k) {
                double v = wave(long(k) + 13L * s, int(c) + 1);
                if (cb.name == "mask") v = (k + s) % 5 == 0 ? 0 : 1;
                if (cb.name == "p" || cb.name == "modulator") v = 0.5 + 0.45 * v; // probabilities
                cb.data[k] = cw.data[k] = T(v);
            }
        }
        base->advance(T(0.5));
        wide->advance(T(0.5));
        for (size_t c = 0; c < base->compartments().size(); ++c)
            d.add(wide->compartments()[c].data, base->compartments()[c].data, base->compartments()[c].size());
    }
    return d;
}

template <typename T> void requireClose(const Diff& d, Isa isa, bool exactExpected, double tol, const std::string& what) {
    INFO(what << " on " << isaName(isa) << ": " << d.bitsDiffer << " of " << d.values
              << " values differ in bits, worst relative " << d.rel);
    if (exactExpected) CHECK(d.bitsDiffer == 0);
    CHECK(d.rel <= tol);
}

} // namespace

TEST_CASE("the dispatch picks the widest exact set the CPU has, GRADED_ISA chooses", "[isa]") {
    CHECK(isaAvailable(Isa::sse2));
#if defined(__x86_64__)
    for (Isa i : {Isa::avx2, Isa::avx512}) {
        INFO(isaName(i));
        CHECK(isaCompiled(i));
        CHECK(isaAvailable(i) == cpuHas(i));
    }
#endif
    // the widest set giving the baseline's bits, unless the build asked for fused multiply-adds
    Isa widest = Isa::sse2;
    for (Isa i : {Isa::avx2, Isa::avx512})
        if (isaAvailable(i) && (!isaFusesMultiplyAdd(i) || isaFusesMultiplyAdd(Isa::avx2))) widest = i;
    CHECK(isaFusesMultiplyAdd(Isa::avx512));
    CHECK_FALSE(isaFusesMultiplyAdd(Isa::sse2));
    const char* env = std::getenv("GRADED_ISA");
    const auto forced = env ? parseIsa(env) : std::nullopt;
    INFO("GRADED_ISA=" << (env ? env : "(unset)") << ", best " << isaName(bestIsa()));
    if (forced) CHECK(bestIsa() == availableIsaAtMost(*forced));
    else CHECK(bestIsa() == widest);
    CHECK(activeIsa() == bestIsa());
    // what is built now runs on the active set
    CHECK(RateCell<float>(RateCellParams{}).isa() == activeIsa());
    CHECK(GaussianErrorCell<double>(GaussianErrorCellParams{}).isa() == activeIsa());
    SynapseParams sp;
    sp.nIn = sp.nOut = 4;
    CHECK(HebbianSynapse<float>(sp).isa() == activeIsa());
    // asking for a set the CPU lacks falls back
    for (Isa i : {Isa::sse2, Isa::avx2, Isa::avx512}) {
        const Isa got = availableIsaAtMost(i);
        CHECK(int(got) <= int(i));
        CHECK(isaAvailable(got));
        RateCell<double> c{RateCellParams{}};
        c.setIsa(i);
        CHECK(c.isa() == got);
        CHECK(setActiveIsa(i) == got);
        CHECK(RateCell<float>(RateCellParams{}).isa() == got);
    }
    setActiveIsa(bestIsa());
    CHECK(activeIsa() == bestIsa());
}

TEMPLATE_TEST_CASE("sumInBaselineOrder is Eigen's SSE2 .sum(), bit for bit", "[isa]", float, double) {
    using T = TestType;
    for (int n = 1; n <= 70; ++n) {
        Buffer<T> a(n), b(n);
        for (int k = 0; k < n; ++k) {
            a[k] = T(wave(k, 1) * 1e3);
            b[k] = T(wave(k, 2) * 1e-3);
        }
        const T mine = kernels::sumInBaselineOrder((a - b).square());
        T eigen = (a - b).square().sum();
#if defined(__AVX__)
        eigen = mine; // this test's own file is not the SSE2 baseline (-DGRADED_ARCH build)
#endif
        INFO("n = " << n);
        CHECK(std::memcmp(&mine, &eigen, sizeof(T)) == 0);
    }
}

TEMPLATE_TEST_CASE("every instruction set gives the baseline's cell results", "[isa]", float, double) {
    using T = TestType;
    const auto isas = wideIsas();
    if (isas.empty()) WARN("this CPU has no AVX2: only the baseline runs here");
    const double tol = std::is_same<T, float>::value ? 2e-5 : 1e-12;
    for (Isa isa : isas)
        for (int units : {16, 48, 7, 33}) {
            const int batch = 2;
            // exact: no fused multiply-adds, and every loop's length a multiple of 16
            const bool exact = !isaFusesMultiplyAdd(isa) && (units * batch) % 16 == 0;
            for (int a = 0; a < kNumActivations; ++a) {
                if (Activation(a) == Activation::sine) continue; // amplifies last bits (README)
                for (int pr = 0; pr < kNumPriors; ++pr)
                    for (int in = 0; in < kNumIntegrators; ++in) {
                        RateCellParams p;
                        p.nUnits = units;
                        p.batchSize = batch;
                        p.act = Activation(a);
                        p.prior = Prior(pr);
                        p.priorGamma = 0.3;
                        p.integrator = Integrator(in);
                        p.threshold = Threshold((a + pr) % kNumThresholds);
                        p.thresholdLambda = 0.01;
                        const Diff d = compareCells<T>([&] { return std::make_unique<RateCell<T>>(p); }, isa, 6);
                        requireClose<T>(d, isa, exact, tol,
                                        "RateCell " + std::string(activationName(p.act)) + " " + std::string(priorName(p.prior))
                                            + " " + std::string(integratorName(p.integrator)) + " x" + std::to_string(units));
                    }
            }
            GaussianErrorCellParams g;
            g.nUnits = units;
            g.batchSize = batch;
            g.sigma = 0.7;
            requireClose<T>(compareCells<T>([&] { return std::make_unique<GaussianErrorCell<T>>(g); }, isa, 6), isa, exact, tol,
                            "GaussianErrorCell x" + std::to_string(units));
            LaplacianErrorCellParams l;
            l.nUnits = units;
            l.batchSize = batch;
            requireClose<T>(compareCells<T>([&] { return std::make_unique<LaplacianErrorCell<T>>(l); }, isa, 6), isa, exact, tol,
                            "LaplacianErrorCell x" + std::to_string(units));
            for (bool logits : {false, true}) {
                BernoulliErrorCellParams b;
                b.nUnits = units;
                b.batchSize = batch;
                b.inputLogits = logits;
                requireClose<T>(compareCells<T>([&] { return std::make_unique<BernoulliErrorCell<T>>(b); }, isa, 6), isa, exact,
                                tol, "BernoulliErrorCell x" + std::to_string(units));
            }
            for (int a : {int(Activation::relu), int(Activation::tanh), int(Activation::sigmoid)}) {
                LeakyNoiseCellParams n;
                n.nUnits = units;
                n.batchSize = batch;
                n.act = Activation(a);
                n.sigmaRec = 0.2;
                n.sigmaPost = 0.05;
                n.integrator = Integrator::midpoint;
                requireClose<T>(compareCells<T>([&] { return std::make_unique<LeakyNoiseCell<T>>(n); }, isa, 6), isa, exact, tol,
                                "LeakyNoiseCell x" + std::to_string(units));
            }
        }
}

TEMPLATE_TEST_CASE("every instruction set gives the baseline's synapse results", "[isa]", float, double) {
    using T = TestType;
    const double tol = std::is_same<T, float>::value ? 2e-5 : 1e-12;
    for (Isa isa : wideIsas())
        for (int n : {16, 64, 20})
            for (int batch : {1, 2, 3})
                for (int variant = 0; variant < 4; ++variant) {
                    SynapseParams p;
                    p.kind = SynapseKind::HebbianSynapse;
                    p.nIn = n;
                    p.nOut = n + (variant == 3 ? 5 : 0);
                    p.batchSize = batch;
                    p.weightInit = WeightInit::uniform(-0.3, 0.3);
                    p.eta = 0.05;
                    p.signValue = -1;
                    if (variant == 1) p.optim = SynapseOptim::adam;
                    if (variant == 2) {
                        p.prior = SynapsePrior::l1l2;
                        p.priorLambda = 0.01;
                        p.l1Ratio = 0.3;
                        p.wBound = 0;
                    }
                    if (variant == 3) {
                        WeightInit b;
                        b.dist = WeightInit::Dist::constant;
                        b.value = 0.1;
                        p.biasInit = b;
                    }
                    HebbianSynapse<T> base(p), wide(p);
                    base.setIsa(Isa::sse2);
                    wide.setIsa(isa);
                    Diff d;
                    for (int s = 0; s < 8; ++s) {
                        for (const char* name : {"inputs", "pre", "post"}) {
                            const auto* cb = base.findCompartment(name);
                            const auto* cw = wide.findCompartment(name);
                            for (int k = 0; k < cb->size(); ++k) cb->data[k] = cw->data[k] = T(wave(k + 7L * s, name[1]));
                        }
                        base.advance();
                        wide.advance();
                        base.evolve();
                        wide.evolve();
                        for (size_t c = 0; c < base.compartments().size(); ++c)
                            d.add(wide.compartments()[c].data, base.compartments()[c].data, base.compartments()[c].size());
                    }
                    requireClose<T>(d, isa, !isaFusesMultiplyAdd(isa) && p.nOut % 16 == 0, tol,
                                    "HebbianSynapse " + std::to_string(n) + " batch " + std::to_string(batch) + " variant "
                                        + std::to_string(variant));
                }
}

TEMPLATE_TEST_CASE("a tied synapse gives the baseline's bits on every instruction set", "[isa]", float, double) {
    using T = TestType;
    for (Isa isa : wideIsas())
        for (int n : {8, 20, 37})
            for (int batch : {1, 2}) {
                SynapseParams fp;
                fp.nIn = 8;
                fp.nOut = n;
                fp.weightInit = WeightInit::uniform(-0.5, 0.5);
                DenseSynapse<T> forward(fp);
                SynapseParams tp;
                tp.nIn = n;
                tp.nOut = 8;
                tp.batchSize = batch;
                DenseSynapse<T> base(tp), wide(tp);
                base.tieTransposeOf(forward);
                wide.tieTransposeOf(forward);
                base.setIsa(Isa::sse2);
                wide.setIsa(isa);
                Diff d;
                for (int s = 0; s < 4; ++s) {
                    const auto* cb = base.findCompartment("inputs");
                    const auto* cw = wide.findCompartment("inputs");
                    for (int k = 0; k < cb->size(); ++k) cb->data[k] = cw->data[k] = T(wave(k + 5L * s, 3));
                    base.advance();
                    wide.advance();
                    d.add(wide.findCompartment("outputs")->data, base.findCompartment("outputs")->data, 8L * batch);
                }
                requireClose<T>(d, isa, !isaFusesMultiplyAdd(isa), std::is_same<T, float>::value ? 2e-5 : 1e-12,
                                "tied DenseSynapse " + std::to_string(n) + " batch " + std::to_string(batch));
            }
}
