// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Reading and writing an engine's learned synapse weights (the plugin's state, npz export and
// import, the editor's heat maps). No JUCE.
//
// Threads. readWeights / writeWeights / weightsLearned touch the engine's weights directly:
// call them only where no process() runs at the same time (an engine not yet handed to the
// audio thread, audio stopped, tools) or inside a consistency protocol such as the plugin's
// seqlock (GradedCellsProcessor::copyRunningWeights). fillHeatFrame is for the audio thread
// (no allocation, lock or throw); WeightHeatBuffer hands its frames to one reader.

#include "Engine.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace graded {

/** One synapse node's learned values. */
struct SynapseWeights {
    std::string id;                ///< the node's id
    bool hebbian = false;          ///< HebbianSynapse (learns) or DenseSynapse
    bool tied = false;             ///< reads another synapse's weights (its own are unused)
    int nIn = 0, nOut = 0;
    std::vector<float> weights;    ///< [nIn][nOut], row-major
    std::vector<float> biases;     ///< [nOut], or empty for a synapse without a bias
};
using WeightSet = std::vector<SynapseWeights>;

/** Every synapse node of the engine, in patch order, with copies of its weights and biases. */
WeightSet readWeights(Engine& engine);
/** Every synapse node's shape (weights and biases left empty). */
WeightSet weightLayout(Engine& engine);
/** weightLayout with the weights and biases sized (for copyWeights). */
WeightSet weightBuffers(Engine& engine);
/** Copies every synapse's weights and biases into `set` as weightBuffers sized it: no
    allocation, so the copy is quick (the plugin's seqlock reader). */
void copyWeights(Engine& engine, WeightSet& set) noexcept;
/** Why `set` cannot be written into `engine` ("" if it can): every entry must name a synapse
    node of the engine, with its shape and bias, and hold finite values only. */
std::string checkWeights(Engine& engine, const WeightSet& set);
/** checkWeights, then writes every entry (all or nothing); returns checkWeights' reason. */
std::string writeWeights(Engine& engine, const WeightSet& set);
/** The ids of the synapses whose weights or biases in `current` (a copy of the engine's, as
    readWeights gives) differ from their values at build: they learned, or weights were
    imported or restored. Reads only the engine's values at build, which never change. */
std::vector<std::string> learnedSynapses(Engine& engine, const WeightSet& current);

// ---- NumPy interop (ngclearn's component save() / load()) ---------------------------------
/** Writes `<dir>/<id>.npz` for every synapse of `set` that is not tied (a tied one's W is its
    forward synapse's transpose): members weights [n_in][n_out], biases [1][n_out] (a 0-d 0
    without a bias) and mask (the patch's), float32, as Synapses/Npz.h. Returns the paths
    written. Throws (npz::Error, ConfigError) when a file cannot be written. Not real-time. */
std::vector<std::string> exportWeightsNpz(const Patch& patch, const WeightSet& set, const std::string& dir);
/** Reads an npz written by ngclearn's save() (or exportWeightsNpz) for the patch's synapse
    node `id`: weights required, biases optional (absent: the patch's initial biases), shapes
    and finiteness checked (a mask in the file is ignored: the patch decides it). Throws
    npz::Error or std::runtime_error with the reason. Not real-time. */
SynapseWeights importWeightsNpz(const Patch& patch, const std::string& id, std::string_view bytes);

// ---- the saved block --------------------------------------------------------------------
// A versioned binary block (little-endian):
//   "GCWT"  u32 version (1)  u64 patchHash  u32 count
//   per synapse: u32 idLength, id bytes, u32 nIn, u32 nOut, u32 nBiases (0 or nOut),
//                f32 weights[nIn*nOut], f32 biases[nBiases]
//   u64 FNV-1a of every byte before it
// Weights are stored bit for bit (IEEE float32). Adam's moments are not stored: a restored
// Adam synapse restarts its optimiser (moments 0, step 0).
inline constexpr int kWeightBlockVersion = 1;
/** FNV-1a 64 of a patch's text: what ties a weight block to its patch. */
std::uint64_t patchContentHash(std::string_view patchText) noexcept;
/** The block's size for `set` (to check a cap before encoding). */
std::uint64_t weightBlockBytes(const WeightSet& set) noexcept;
std::string encodeWeightBlock(const WeightSet& set, std::uint64_t patchHash);
/** Decodes a block; on any problem (truncated, foreign, newer version, bad checksum, sizes
    beyond the limits or the data, non-finite values) returns false with `error` set, and
    never allocates more than the block's own size justifies. */
bool decodeWeightBlock(std::string_view bytes, WeightSet& set, std::uint64_t& patchHash, std::string& error);

// ---- heat maps for the editor -----------------------------------------------------------
inline constexpr int kHeatMaxSynapses = 8;
inline constexpr int kHeatMaxSide = 64;

/** Each untied synapse's W, downsampled (nearest) to at most kHeatMaxSide x kHeatMaxSide. */
struct WeightHeatFrame {
    struct Map {
        char id[32] = {};
        int nIn = 0, nOut = 0;     ///< the full shape
        int rows = 0, cols = 0;    ///< the shown shape (<= kHeatMaxSide)
        float lo = 0.f, hi = 0.f;  ///< range of the shown values
        std::array<float, kHeatMaxSide * kHeatMaxSide> v{};
    };
    int count = 0;
    std::uint64_t serial = 0;      ///< set by the writer: grows with every frame
    std::array<Map, kHeatMaxSynapses> maps;
};

/** Audio thread: fills `frame` from the engine's synapses (no allocation, lock or throw). */
void fillHeatFrame(Engine& engine, WeightHeatFrame& frame) noexcept;

/** A triple buffer: one writer (the audio thread) always has a slot to fill, one reader
    takes the newest complete frame; neither waits, locks or allocates. */
class WeightHeatBuffer {
public:
    /** Writer: the slot to fill, then publish(). */
    WeightHeatFrame& writeSlot() noexcept { return slots_[back_]; }
    void publish() noexcept {
        back_ = middle_.exchange(back_ | kFresh, std::memory_order_acq_rel) & kIndex;
    }
    /** Reader: the newest frame published since the last read; false if none. */
    bool read(WeightHeatFrame& out) noexcept {
        if ((middle_.load(std::memory_order_acquire) & kFresh) == 0) return false;
        front_ = middle_.exchange(front_, std::memory_order_acq_rel) & kIndex;
        out = slots_[front_];
        return true;
    }

private:
    static constexpr unsigned kFresh = 4u, kIndex = 3u;
    std::array<WeightHeatFrame, 3> slots_;
    unsigned back_ = 0, front_ = 1;
    std::atomic<unsigned> middle_{2u};
};

} // namespace graded
