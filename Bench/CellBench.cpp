// SPDX-License-Identifier: GPL-3.0-or-later
// graded-bench: per-step cost of each cell kind at 16, 256 and 4096 units in float and double,
// and of the reference workload RateGaussianPair: one RateCell (tanh, gaussian prior, euler)
// followed by one GaussianErrorCell, against ScalarDoubleLoop, the same workload written as a
// plain scalar double loop. RateGaussianPair<T>/N/I runs on instruction set I (0 sse2, 1 avx2,
// 2 avx512: Kernels/Isa.h), each set this CPU has.
#include "Cells/CellFactory.h"
#include "Cells/ErrorCells.h"
#include "Cells/LeakyNoiseCell.h"
#include "Cells/RateCell.h"
#include "Cells/RewardErrorCell.h"

#include <benchmark/benchmark.h>

#include <cmath>
#include <string>
#include <vector>

using namespace graded;

namespace {

void fillInputs(Buffer<float>& b, int salt) {
    for (Eigen::Index i = 0; i < b.size(); ++i) b[i] = 0.5f * std::sin(0.37f * float(i + salt));
}
void fillInputs(Buffer<double>& b, int salt) {
    for (Eigen::Index i = 0; i < b.size(); ++i) b[i] = 0.5 * std::sin(0.37 * double(i + salt));
}

template <typename T> void setCounters(benchmark::State& state) {
    state.SetItemsProcessed(state.iterations() * state.range(0));
    state.counters["units"] = double(state.range(0));
}

template <typename T> void RateGaussianPair(benchmark::State& state) {
    const int n = int(state.range(0));
    RateCellParams rp;
    rp.nUnits = n;
    rp.tauM = 10;
    rp.act = Activation::tanh;
    rp.prior = Prior::gaussian;
    rp.priorGamma = 0.1;
    rp.integrator = Integrator::euler;
    RateCell<T> rate(rp);
    GaussianErrorCellParams gp;
    gp.nUnits = n;
    GaussianErrorCell<T> err(gp);
    const Isa isa = Isa(state.range(1));
    rate.setIsa(isa);
    err.setIsa(isa);
    Buffer<T> input(n), target(n);
    fillInputs(input, 1);
    fillInputs(target, 7);
    for (auto _ : state) {
        rate.j = input;
        rate.advance(T(1));
        err.mu = rate.zF;
        err.target = target;
        err.advance(T(1));
        benchmark::DoNotOptimize(err.L.data());
        benchmark::ClobberMemory();
    }
    setCounters<T>(state);
    state.SetLabel(std::string(isaName(rate.isa())));
}

/** The same workload as RateGaussianPair, as a plain scalar double loop (the baseline the
    issue's 5x target is measured against). */
void ScalarDoubleLoop(benchmark::State& state) {
    const int n = int(state.range(0));
    std::vector<double> j(n), z(n, 0.0), zF(n, 0.0), input(n), target(n), dmu(n), dtarget(n);
    std::vector<double> modulator(n, 1.0), mask(n, 1.0);
    for (int i = 0; i < n; ++i) {
        input[i] = 0.5 * std::sin(0.37 * (i + 1));
        target[i] = 0.5 * std::sin(0.37 * (i + 7));
    }
    const double dt = 1, tau = 10, gamma = 0.1, sigma = 1;
    double L = 0;
    for (auto _ : state) {
        for (int i = 0; i < n; ++i) {
            const double t = std::tanh(z[i]);
            j[i] = input[i] * (1 - t * t);
            z[i] = z[i] + dt * (-gamma * z[i] + j[i]) / tau;
            zF[i] = std::tanh(z[i]);
        }
        L = 0;
        for (int i = 0; i < n; ++i) {
            const double e = target[i] - zF[i];
            dmu[i] = e / sigma;
            dtarget[i] = -dmu[i];
            L += e * e;
            dmu[i] *= modulator[i] * mask[i];
            dtarget[i] *= modulator[i] * mask[i];
            mask[i] = 1;
        }
        L = -0.5 * L / sigma;
        benchmark::DoNotOptimize(L);
        benchmark::DoNotOptimize(dmu.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * n);
}

template <typename T> void driveCell(benchmark::State& state, Cell<T>& cell) {
    std::vector<std::pair<T*, Buffer<T>>> inputs;
    for (const auto& c : cell.compartments())
        if (c.role == CompartmentRole::input && c.name != "Sigma" && c.name != "Scale"
            && c.name != "mask" && c.name != "modulator") {
            Buffer<T> b(c.size());
            fillInputs(b, int(inputs.size()));
            inputs.emplace_back(c.data, std::move(b));
        }
    for (auto _ : state) {
        for (auto& [dst, src] : inputs) std::copy(src.data(), src.data() + src.size(), dst);
        cell.advance(T(1));
        benchmark::ClobberMemory();
    }
    setCounters<T>(state);
}

template <typename T> void RateCellStep(benchmark::State& state) {
    RateCellParams p;
    p.nUnits = int(state.range(0));
    p.tauM = 10;
    p.act = Activation::tanh;
    p.priorGamma = 0.1;
    RateCell<T> cell(p);
    driveCell(state, cell);
}
template <typename T> void RateCellMidpointCauchy(benchmark::State& state) {
    RateCellParams p;
    p.nUnits = int(state.range(0));
    p.tauM = 10;
    p.act = Activation::sigmoid;
    p.prior = Prior::cauchy;
    p.priorGamma = 0.1;
    p.integrator = Integrator::midpoint;
    RateCell<T> cell(p);
    driveCell(state, cell);
}
template <typename T> void GaussianErrorCellStep(benchmark::State& state) {
    GaussianErrorCellParams p;
    p.nUnits = int(state.range(0));
    GaussianErrorCell<T> cell(p);
    driveCell(state, cell);
}
template <typename T> void LaplacianErrorCellStep(benchmark::State& state) {
    LaplacianErrorCellParams p;
    p.nUnits = int(state.range(0));
    LaplacianErrorCell<T> cell(p);
    driveCell(state, cell);
}
template <typename T> void BernoulliErrorCellStep(benchmark::State& state) {
    BernoulliErrorCellParams p;
    p.nUnits = int(state.range(0));
    p.inputLogits = true;
    BernoulliErrorCell<T> cell(p);
    driveCell(state, cell);
}
template <typename T> void LeakyNoiseCellStep(benchmark::State& state) {
    LeakyNoiseCellParams p;
    p.nUnits = int(state.range(0));
    p.tauX = 20;
    p.sigmaRec = 0.2;
    LeakyNoiseCell<T> cell(p);
    driveCell(state, cell);
}
template <typename T> void RewardErrorCellStep(benchmark::State& state) {
    RewardErrorCellParams p;
    p.nUnits = int(state.range(0));
    RewardErrorCell<T> cell(p);
    driveCell(state, cell);
}

} // namespace

#define GRADED_SIZES ->Arg(16)->Arg(256)->Arg(4096)
namespace {
void registerPairs() {
    for (int isa = 0; isa < kNumIsas; ++isa) {
        if (!isaAvailable(Isa(isa))) continue;
        for (int n : {16, 256, 4096}) benchmark::RegisterBenchmark("RateGaussianPair<float>", RateGaussianPair<float>)->Args({n, isa});
    }
    for (int isa = 0; isa < kNumIsas; ++isa) {
        if (!isaAvailable(Isa(isa))) continue;
        for (int n : {16, 256, 4096}) benchmark::RegisterBenchmark("RateGaussianPair<double>", RateGaussianPair<double>)->Args({n, isa});
    }
}
const int pairsRegistered = (registerPairs(), 0);
} // namespace
BENCHMARK(ScalarDoubleLoop) GRADED_SIZES;
BENCHMARK_TEMPLATE(RateCellStep, float) GRADED_SIZES;
BENCHMARK_TEMPLATE(RateCellStep, double) GRADED_SIZES;
BENCHMARK_TEMPLATE(RateCellMidpointCauchy, float) GRADED_SIZES;
BENCHMARK_TEMPLATE(RateCellMidpointCauchy, double) GRADED_SIZES;
BENCHMARK_TEMPLATE(GaussianErrorCellStep, float) GRADED_SIZES;
BENCHMARK_TEMPLATE(GaussianErrorCellStep, double) GRADED_SIZES;
BENCHMARK_TEMPLATE(LaplacianErrorCellStep, float) GRADED_SIZES;
BENCHMARK_TEMPLATE(LaplacianErrorCellStep, double) GRADED_SIZES;
BENCHMARK_TEMPLATE(BernoulliErrorCellStep, float) GRADED_SIZES;
BENCHMARK_TEMPLATE(BernoulliErrorCellStep, double) GRADED_SIZES;
BENCHMARK_TEMPLATE(LeakyNoiseCellStep, float) GRADED_SIZES;
BENCHMARK_TEMPLATE(LeakyNoiseCellStep, double) GRADED_SIZES;
BENCHMARK_TEMPLATE(RewardErrorCellStep, float) GRADED_SIZES;
BENCHMARK_TEMPLATE(RewardErrorCellStep, double) GRADED_SIZES;

BENCHMARK_MAIN();
