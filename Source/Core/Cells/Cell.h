// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "../Kernels/HotKernels.h"
#include "../Kernels/Names.h"

#include <Eigen/Core>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <utility>
#include <optional>
#include <string_view>
#include <vector>

namespace graded {

/** The six graded cell kinds; names as ngclearn's class names. */
enum class CellKind { RateCell, GaussianErrorCell, LaplacianErrorCell, BernoulliErrorCell,
                      LeakyNoiseCell, RewardErrorCell };

inline constexpr std::string_view kCellKindNames[] = {
    "RateCell", "GaussianErrorCell", "LaplacianErrorCell", "BernoulliErrorCell",
    "LeakyNoiseCell", "RewardErrorCell"};
inline constexpr int kNumCellKinds = 6;

inline std::optional<CellKind> parseCellKind(std::string_view name) noexcept {
    return enumFromName<CellKind>(kCellKindNames, name);
}
inline std::string_view cellKindName(CellKind k) noexcept {
    return kCellKindNames[static_cast<int>(k)];
}

/** What a compartment is for, as in ngclearn's class docs. */
enum class CompartmentRole { input, state, output };

/** A named, fixed-size view of one compartment's storage: `rows x cols` values, row-major
    (`[batch][unit]` for most). `scalar` compartments (an error cell's L) hold one value and
    are recorded as plain numbers. Views stay valid for the cell's lifetime. */
template <typename T> struct Compartment {
    std::string_view name;
    CompartmentRole role;
    int rows;
    int cols;
    T* data;
    bool scalar = false;
    std::string_view units = "";
    int size() const noexcept { return rows * cols; }
};

/** Flat, contiguous, 16-byte aligned storage for compartments. */
template <typename T> using Buffer = Eigen::Array<T, Eigen::Dynamic, 1>;

/** The contract every cell keeps (see each cell's class comment for its ODE):
    - construction validates the parameters and sizes every buffer; it may throw;
    - advance(dt), evolve(dt), reset() never allocate, lock, log or throw;
    - inputs are written into input compartments before advance, outputs read after it;
      an input that is not written keeps its value. */
template <typename T> class Cell {
public:
    virtual ~Cell() = default;

    virtual CellKind kind() const noexcept = 0;
    /** One simulation step of dt milliseconds. */
    virtual void advance(T dt) noexcept = 0;
    /** The end of an episode; only RewardErrorCell does anything here. */
    virtual void evolve(T /*dt*/) noexcept {}
    /** Back to the resting state, as ngclearn's reset(). */
    virtual void reset() noexcept = 0;

    int batchSize() const noexcept { return batchSize_; }
    int nUnits() const noexcept { return nUnits_; }

    /** The instruction set this cell's advance runs on (chosen at construction: activeIsa()). */
    Isa isa() const noexcept { return hot_->isa; }
    /** Runs advance on `i` (or the widest set this CPU has below it) from now on; the results
        are those of the baseline up to the last bits of transcendental functions (see
        Tests/Core/IsaTests.cpp). Not for the audio thread's hot path, though it is only a
        pointer store. */
    void setIsa(Isa i) noexcept { hot_ = &hotKernels<T>(i); }

    /** Every compartment, in declaration order. */
    const std::vector<Compartment<T>>& compartments() const noexcept { return compartments_; }

    /** Looks a compartment up by its ngclearn name; nullptr if the cell has none of that
        name. For set-up code and tools, not the audio path. */
    const Compartment<T>* findCompartment(std::string_view name) const noexcept {
        for (const auto& c : compartments_)
            if (c.name == name) return &c;
        return nullptr;
    }

protected:
    Cell(int batchSize, int nUnits) : batchSize_(batchSize), nUnits_(nUnits) {}

    /** The hot loops, compiled for one instruction set (Kernels/HotKernels.h). */
    const HotKernels<T>* hot_ = &hotKernels<T>();

    /** Registers the compartments the kind's spec lists (the Cells/...Spec.cpp files: name, role, shape,
        units, scalar are written there and only there), in the spec's order, each backed by
        the buffer `buffers` names for it; every buffer must already have its final size.
        Adding a compartment to a kind is one entry in its spec plus its storage here.
        Throws std::logic_error when the two disagree (a programming error, caught by the
        first construction in any test). */
    template <typename Spec>
    void exposeAsSpecified(const Spec& spec, std::initializer_list<std::pair<std::string_view, Buffer<T>*>> buffers) {
        for (const auto& c : spec.compartments) {
            Buffer<T>* buf = nullptr;
            for (const auto& [name, b] : buffers)
                if (name == c.name) buf = b;
            const int rows = c.rows == decltype(c.rows)::perChannel ? batchSize_ : 1;
            const int cols = c.cols == decltype(c.cols)::units ? nUnits_ : 1;
            if (buf == nullptr || buf->size() != Eigen::Index(rows) * cols)
                throw std::logic_error("cell compartment '" + std::string(c.name) + "': no buffer of " + std::to_string(rows)
                                       + " x " + std::to_string(cols) + " for it");
            compartments_.push_back({c.name, c.role, rows, cols, buf->data(), c.scalar, c.units});
        }
        if (int(buffers.size()) != int(compartments_.size()))
            throw std::logic_error("a cell buffer is not a compartment of its spec");
    }

    /** Registers a compartment backed by `buf`, which must already have its final size. */
    void expose(std::string_view name, CompartmentRole role, Buffer<T>& buf, int rows, int cols,
                std::string_view units = "", bool scalar = false) {
        compartments_.push_back({name, role, rows, cols, buf.data(), scalar, units});
    }
    void exposeUnits(std::string_view name, CompartmentRole role, Buffer<T>& buf,
                     std::string_view units = "") {
        expose(name, role, buf, batchSize_, nUnits_, units);
    }

    Cell(const Cell&) = delete;
    Cell& operator=(const Cell&) = delete;

private:
    int batchSize_;
    int nUnits_;
    std::vector<Compartment<T>> compartments_;
};

} // namespace graded
