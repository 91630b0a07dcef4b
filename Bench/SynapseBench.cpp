// SPDX-License-Identifier: GPL-3.0-or-later
// graded-bench: one learning step of ngclearn's HebbianSynapse, N x N, batch 2 (one advance
// plus one evolve: sgd, soft bound and clip at w_bound 1, sign_value -1), against
// ScalarHebbianLoop, the same work as a plain scalar double loop. HebbianSynapseStep<T>/N/I
// runs on instruction set I (0 sse2, 1 avx2, 2 avx512: Kernels/Isa.h), each set this CPU has.
#include "Synapses/Synapse.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

using namespace graded;

namespace {

constexpr int kBatch = 2;

double wave(int i, int salt) { return 0.5 * std::sin(0.37 * double(i + salt)); }

void countItems(benchmark::State& state) {
    const double n = double(state.range(0));
    state.SetItemsProcessed(state.iterations() * std::int64_t(n * n));
    state.counters["weights"] = n * n;
}

SynapseParams benchParams(int n) {
    SynapseParams p;
    p.kind = SynapseKind::HebbianSynapse;
    p.nIn = p.nOut = n;
    p.batchSize = kBatch;
    p.weightInit = WeightInit::uniform(-0.1, 0.1);
    p.eta = 1e-4;
    p.signValue = -1;
    return p;
}

/** `what`: 3 = advance + evolve (the step), 1 = advance only, 2 = evolve only. */
template <typename T, int what> void runSynapse(benchmark::State& state) {
    const int n = int(state.range(0));
    HebbianSynapse<T> s(benchParams(n));
    if (state.range(1) >= 0) s.setIsa(Isa(state.range(1)));
    const char* const written[] = {"inputs", "pre", "post"};
    for (const char* name : written) {
        const auto* c = s.findCompartment(name);
        for (int i = 0; i < c->size(); ++i) c->data[i] = T(wave(i, int(name[1])));
    }
    const T* out = s.findCompartment("outputs")->data;
    for (auto _ : state) {
        if (what & 1) s.advance(T(1));
        if (what & 2) s.evolve(T(1));
        benchmark::DoNotOptimize(out);
        benchmark::ClobberMemory();
    }
    countItems(state);
    state.SetLabel(std::string(isaName(s.isa())));
}
template <typename T> void HebbianSynapseStep(benchmark::State& state) { runSynapse<T, 3>(state); }
template <typename T> void HebbianSynapseAdvanceOnly(benchmark::State& state) { runSynapse<T, 1>(state); }
template <typename T> void HebbianSynapseEvolveOnly(benchmark::State& state) { runSynapse<T, 2>(state); }

/** The same step written plainly: double, scalar, row-major, no library. */
void ScalarHebbianLoop(benchmark::State& state) {
    const int n = int(state.range(0));
    std::vector<double> w(std::size_t(n) * n), dw(w.size()), x(kBatch * n), pre(kBatch * n),
        post(kBatch * n), gate(kBatch * n, 1.0), out(kBatch * n);
    for (std::size_t k = 0; k < w.size(); ++k) w[k] = 0.2 * (double((k * 2654435761u) % 1000) / 1000.0) - 0.1;
    for (int i = 0; i < kBatch * n; ++i) {
        x[i] = wave(i, 'n');
        pre[i] = wave(i, 'r');
        post[i] = wave(i, 'o');
    }
    const double eta = 1e-4, sign = -1, bound = 1, g = 1, bias = 0;
    for (auto _ : state) {
        for (int b = 0; b < kBatch; ++b)
            for (int j = 0; j < n; ++j) {
                double acc = 0;
                for (int i = 0; i < n; ++i) acc += x[b * n + i] * w[std::size_t(i) * n + j];
                out[b * n + j] = acc * gate[b * n + j] * g + bias;
            }
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j) {
                const std::size_t k = std::size_t(i) * n + j;
                double d = 0;
                for (int b = 0; b < kBatch; ++b) d += pre[b * n + i] * post[b * n + j];
                d = d * (bound - std::fabs(w[k])) * sign;
                dw[k] = d;
                w[k] = std::min(bound, std::max(-bound, w[k] - eta * d));
            }
        benchmark::DoNotOptimize(out.data());
        benchmark::DoNotOptimize(w.data());
        benchmark::ClobberMemory();
    }
    countItems(state);
}

} // namespace

namespace {
void registerSynapses() {
    for (int isa = 0; isa < kNumIsas; ++isa) {
        if (!isaAvailable(Isa(isa))) continue;
        for (int n : {64, 256, 1024})
            benchmark::RegisterBenchmark("HebbianSynapseStep<float>", HebbianSynapseStep<float>)->Args({n, isa});
    }
    for (int isa = 0; isa < kNumIsas; ++isa) {
        if (!isaAvailable(Isa(isa))) continue;
        for (int n : {64, 256, 1024})
            benchmark::RegisterBenchmark("HebbianSynapseStep<double>", HebbianSynapseStep<double>)->Args({n, isa});
    }
    for (int n : {64, 256, 1024}) benchmark::RegisterBenchmark("ScalarHebbianLoop", ScalarHebbianLoop)->Arg(n);
    // the active set (the widest this CPU has, or GRADED_ISA's)
    benchmark::RegisterBenchmark("HebbianSynapseAdvanceOnly<float>", HebbianSynapseAdvanceOnly<float>)->Args({256, -1});
    benchmark::RegisterBenchmark("HebbianSynapseEvolveOnly<float>", HebbianSynapseEvolveOnly<float>)->Args({256, -1});
}
const int synapsesRegistered = (registerSynapses(), 0);
} // namespace
