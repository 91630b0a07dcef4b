// SPDX-License-Identifier: GPL-3.0-or-later
// Real-time safety of the cells: advance / evolve / reset make no heap allocation and take
// no lock, for every cell kind, in float and double, across activations and integrators.
#include <catch2/catch.hpp>

#include "RtCheck.h"
#include "Cells/CellFactory.h"
#include "Cells/LeakyNoiseCell.h"
#include "Cells/RateCell.h"

#include <memory>
#include <vector>

using namespace graded;

namespace {
template <typename T> rt::Counts exercise(Cell<T>& cell) {
    rt::Scope scope;
    for (int step = 0; step < 20; ++step) {
        for (const auto& c : cell.compartments())
            if (c.role == CompartmentRole::input && c.name != "Sigma" && c.name != "Scale")
                for (int i = 0; i < c.size(); ++i) c.data[i] = T(0.1 * (i + step));
        cell.advance(T(1));
        if (step % 7 == 6) cell.evolve(T(1));
        if (step == 15) cell.reset();
    }
    return scope.counts();
}
} // namespace

TEST_CASE("the interposer really counts", "[rt]") {
    rt::Scope scope;
    auto v = std::make_unique<std::vector<int>>(100);
    CHECK(scope.counts().allocations >= 2);
}

TEMPLATE_TEST_CASE("advance, evolve and reset never allocate or lock", "[rt]", float, double) {
    using T = TestType;
    for (int k = 0; k < kNumCellKinds; ++k) {
        ParamMap m{{"n_units", ParamValue::num(257)}, {"batch_size", ParamValue::num(2)}};
        if (k == 0) m["tau_m"] = ParamValue::num(10);
        if (k == 4) {
            m["tau_x"] = ParamValue::num(10);
            m["sigma_rec"] = ParamValue::num(0.3);
        }
        auto cell = makeCell<T>(static_cast<CellKind>(k), m);
        const auto counts = exercise(*cell);
        INFO(cellKindName(cell->kind()));
        CHECK(counts.allocations == 0);
        CHECK(counts.locks == 0);
    }
    for (int a = 0; a < kNumActivations; ++a)
        for (auto integ : {Integrator::euler, Integrator::midpoint, Integrator::rk4}) {
            RateCellParams p;
            p.nUnits = 33;
            p.batchSize = 2;
            p.act = static_cast<Activation>(a);
            p.integrator = integ;
            p.prior = static_cast<Prior>(a % kNumPriors);
            p.priorGamma = 0.2;
            p.threshold = static_cast<Threshold>(a % 3);
            RateCell<T> rate(p);
            LeakyNoiseCellParams lp;
            lp.nUnits = 33;
            lp.act = p.act;
            lp.integrator = integ;
            LeakyNoiseCell<T> leaky(lp);
            INFO(activationName(p.act) << " / " << integratorName(integ));
            CHECK(exercise(rate).allocations == 0);
            CHECK(exercise(leaky).allocations == 0);
            // live retuning is allocation-free too
            rt::Scope scope;
            p.tauM = 3;
            rate.setParams(p);
            leaky.setParams(lp);
            CHECK(scope.counts().allocations == 0);
        }
}
