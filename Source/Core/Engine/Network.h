// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The compiled graph: the patch's cells, the audio I/O nodes' compartments and the wires
// between them, run one simulation step at a time in schedule order.

#include "../Patch/NodeSpecs.h"
#include "../Synapses/Synapse.h"

#include <memory>
#include <string_view>
#include <vector>

namespace graded {

/** A compartment's storage: rows x cols floats, row-major. */
struct CompartmentView {
    float* data = nullptr;
    int rows = 0, cols = 0;
};

class Network {
public:
    struct Wire {
        const float* src = nullptr;   // live source
        int srcRows = 1, srcCols = 1;
        float* dst = nullptr;
        int dstRows = 1, dstCols = 1;
        float gain = 1.f;
        std::vector<float> W;         // [dstCols][srcCols] or empty
        std::vector<float> bias;      // dstCols or empty
        bool delay = false;
        std::vector<float> delayed;   // delay: the source at the end of the last step
    };
    struct Node {
        NodeKind kind;
        std::string id;
        const NodeSpec* spec = nullptr;
        Cell<float>* cell = nullptr;                  // cells only
        std::vector<std::vector<float>> io;           // AudioIn/AudioOut: per spec compartment, [C][cols]
        std::vector<int> wires;                       // incoming wire indices
        std::vector<CompartmentView> driven;          // input compartments driven by wires (zeroed each step)
        float* hostReward = nullptr;                  // RewardErrorCell whose reward no wire drives
        DenseSynapse<float>* synapse = nullptr;       // synapses only
        HebbianSynapse<float>* hebbian = nullptr;     // HebbianSynapse only (== synapse)
        CompartmentView synapseOut;                   // its outputs (the finiteness check)
        std::vector<int> learnWires;                  // wires into pre/post, gathered before evolve
        std::vector<CompartmentView> learnDriven;
    };

    /** Builds every cell and synapse (batch = channels) and wire; throws ConfigError or
        PatchError. */
    void build(const Patch& patch, int channels);

    /** A node's compartment by name; data == nullptr if it has none. */
    CompartmentView compartment(int node, std::string_view name) noexcept;

    /** One step of every node but AudioIn, in schedule order: each node's inputs are summed
        from its wires, then the cell advances by dt ms; a cell that diverged restarts from rest.
        `reward` fills the reward of RewardErrorCells no wire drives. */
    void step(float dt, float reward) noexcept;
    /** Delayed wires take their sources' values for the next step. */
    void latchDelays() noexcept;
    /** One audio step of the graph: the patch's `settle` steps (delays latched after each),
        then, when learning is on and the patch's schedule says so ("step", every N), every
        HebbianSynapse evolves from its pre/post wires. With settle 1 and no synapse this is
        exactly step() then latchDelays(). */
    void settle(float dt, float reward) noexcept;
    /** Cells, synapses' activity and delayed wires back to rest (weights stay). */
    void resetCells() noexcept;
    /** The endEpisode event: every cell evolves; synapses too when the patch evolves them on
        episodes (and learning is on). */
    void evolveCells(float dt) noexcept;

    // ---- learning controls (audio thread; never allocate) ----
    /** Off: no synapse evolves (weights frozen bit for bit). */
    void setLearning(bool on) noexcept { learning_ = on; }
    bool learning() const noexcept { return learning_; }
    /** Scales every HebbianSynapse's eta from the next step (non-finite ignored; clamped to
        0..kMaxLearnRateScale). */
    void setLearnRateScale(float scale) noexcept;
    static constexpr float kMaxLearnRateScale = 100.f;
    /** Every synapse's weights and biases back to their values at build (the initialiser's,
        from its seed), Adam's moments cleared. */
    void resetWeights() noexcept;
    /** Evolves every HebbianSynapse now (pre/post gathered first); a synapse whose weights
        became non-finite gets its initial weights back. */
    void evolveSynapses(float dt) noexcept;
    /** Synapse `k` (in node order)'s weights and biases at build (what resetWeights restores). */
    const std::vector<float>& initialWeights(size_t k) const { return initialWeights_.at(k); }
    const std::vector<float>& initialBiases(size_t k) const { return initialBiases_.at(k); }

    std::vector<Node> nodes;
    std::vector<Wire> wires;
    std::vector<int> order;           // nodes, topological
    int channels = 1;

private:
    void gather(const std::vector<int>& wireList, const std::vector<CompartmentView>& driven) noexcept;
    void restoreWeights(size_t synapse) noexcept;

    std::vector<std::unique_ptr<Cell<float>>> cells_;
    std::vector<std::unique_ptr<DenseSynapse<float>>> synapses_;
    std::vector<std::vector<float>> initialWeights_, initialBiases_;  // per synapse, at build
    std::vector<double> baseEta_;                                       // per synapse (0 for dense)
    PatchLearning schedule_;
    bool learning_ = true;
    float learnRateScale_ = 1.f, appliedLearnRateScale_ = 1.f;
    int stepsSinceEvolve_ = 0;
};

} // namespace graded
