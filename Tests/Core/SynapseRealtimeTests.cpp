// SPDX-License-Identifier: GPL-3.0-or-later
// Real-time safety of the synapses: advance / evolve / reset make no heap allocation and take
// no lock, for DenseSynapse and HebbianSynapse, sgd and adam, every prior, with and without
// biases, mask and soft bound, tied or not, in float and double; sizes past Eigen's
// stack-allocation limits (a 300 x 700 synapse, batch 3).
#include <catch2/catch.hpp>

#include "RtCheck.h"
#include "Synapses/Synapse.h"

#include <memory>

using namespace graded;

namespace {
/** Twelve steps of writing pre / post / inputs / gate, advance and evolve, with a reset and a
    mask refresh in between; counts what the interposer saw meanwhile. */
template <typename T> rt::Counts drive(DenseSynapse<T>& s) {
    const char* const written[] = {"inputs", "gate", "pre", "post"};
    rt::Scope scope;
    int step = 0;
    while (step < 12) {
        for (const char* name : written) {
            const Compartment<T>* c = s.findCompartment(name);
            const int n = c ? c->size() : 0;
            for (int i = 0; i < n; ++i) c->data[i] = T(0.01 * ((i * 7 + step) % 13) - 0.05);
        }
        s.advance(T(1));
        s.evolve(T(1));
        if (step == 8) s.reset();
        if (step == 9) s.refreshMask();
        ++step;
    }
    return scope.counts();
}
} // namespace

TEMPLATE_TEST_CASE("synapse advance, evolve and reset never allocate or lock", "[rt][synapse]", float, double) {
    using T = TestType;
    for (int kind = 0; kind < 2; ++kind)
        for (int optim = 0; optim < 2; ++optim)
            for (int prior = 0; prior < 4; ++prior)
                for (int variant = 0; variant < 3; ++variant) {
                    if (kind == 0 && (optim > 0 || prior > 0)) continue; // DenseSynapse does not learn
                    SynapseParams p;
                    p.kind = static_cast<SynapseKind>(kind);
                    p.nIn = 300;
                    p.nOut = 700;
                    p.batchSize = 3;
                    p.weightInit = WeightInit::uniform(-0.1, 0.1);
                    if (kind == 1) {
                        p.eta = 0.01;
                        p.optim = static_cast<SynapseOptim>(optim);
                        p.prior = static_cast<SynapsePrior>(prior);
                        p.priorLambda = 0.05;
                        p.l1Ratio = 0.3;
                        p.wBound = variant == 0 ? 1.0 : 0.0;
                        p.isNonnegative = variant == 2;
                    }
                    if (variant >= 1) p.biasInit = WeightInit::uniform(0, 0.1);
                    if (variant == 2) {
                        p.pConn = 0.5;
                        p.pConnMask = true;
                    }
                    std::unique_ptr<DenseSynapse<T>> s;
                    if (kind == 1) s = std::make_unique<HebbianSynapse<T>>(p);
                    else s = std::make_unique<DenseSynapse<T>>(p);
                    INFO(synapseKindName(s->kind()) << " optim " << optim << " prior " << prior << " variant " << variant);
                    const auto counts = drive(*s);
                    CHECK(counts.allocations == 0);
                    CHECK(counts.locks == 0);
                    if (kind == 1 && variant == 1) { // tied to the transpose of another
                        SynapseParams q = p;
                        std::swap(q.nIn, q.nOut);
                        HebbianSynapse<T> forward(q);
                        s->tieTransposeOf(forward);
                        const auto tied = drive(*s);
                        CHECK(tied.allocations == 0);
                        CHECK(tied.locks == 0);
                    }
                }
}
