// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The compiled graph: the patch's cells, the audio I/O nodes' compartments and the wires
// between them, run one simulation step at a time in schedule order.

#include "../Patch/NodeSpecs.h"

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
    };

    /** Builds every cell (batch = channels) and wire; throws ConfigError or PatchError. */
    void build(const Patch& patch, int channels);

    /** A node's compartment by name; data == nullptr if it has none. */
    CompartmentView compartment(int node, std::string_view name) noexcept;

    /** One step of every node but AudioIn, in schedule order: each node's inputs are summed
        from its wires, then the cell advances by dt ms; a cell that diverged restarts from rest.
        `reward` fills the reward of RewardErrorCells no wire drives. */
    void step(float dt, float reward) noexcept;
    /** Delayed wires take their sources' values for the next step. */
    void latchDelays() noexcept;
    /** Cells and delayed wires back to rest. */
    void resetCells() noexcept;
    void evolveCells(float dt) noexcept;

    std::vector<Node> nodes;
    std::vector<Wire> wires;
    std::vector<int> order;           // nodes, topological
    int channels = 1;

private:
    std::vector<std::unique_ptr<Cell<float>>> cells_;
};

} // namespace graded
