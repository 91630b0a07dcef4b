// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// ngclearn's DenseSynapse and HebbianSynapse (ngclearn 3.2.0 semantics, see
// ../../../Tests/Golden/README.md "Synapses" and the README's "Synapses" section).
//
// The contract is the cells' (Cells/Cell.h): the constructor validates the parameters and
// sizes every buffer (it may throw ConfigError naming the field); advance / evolve / reset
// never allocate, lock, log or throw. Compartments are graded::Compartment<T> views with
// ngclearn's names; arrays are row-major, batch = rows.

#include "../Cells/Cell.h"
#include "../Cells/NormalRng.h"
#include "../Kernels/HotKernels.h"
#include "../Kernels/Reduce.h"
#include "SynapseParams.h"

#include <Eigen/Core>
#include <cmath>
#include <string_view>
#include <vector>

namespace graded {

/** outputs = (inputs @ (weights * mask)) * gate * g_conduct_factor + biases.
    `weights` [n_in][n_out], `biases` [1][n_out] (or the scalar 0 without a bias initialiser),
    `gate` [batch][n_out] (1 after reset), `mask` [n_in][n_out] (ones unless given: ngclearn's
    1x1 default, expanded). After writing into `mask`, call refreshMask(). */
template <typename T> class DenseSynapse {
public:
    using Row = Eigen::Map<Eigen::Array<T, 1, Eigen::Dynamic>>;
    using ConstRow = Eigen::Map<const Eigen::Array<T, 1, Eigen::Dynamic>>;

    explicit DenseSynapse(const SynapseParams& p) : p_(p) {
        p_.validate();
        const int b = p_.batchSize, ni = p_.nIn, no = p_.nOut;
        inputs_.setZero(Eigen::Index(b) * ni);
        outputs_.setZero(Eigen::Index(b) * no);
        gate_.setOnes(Eigen::Index(b) * no);
        weights_.resize(Eigen::Index(ni) * no);
        mask_.setOnes(Eigen::Index(ni) * no);
        biases_.setZero(p_.hasBiases() ? no : 1);
        initialise();
        expose("inputs", CompartmentRole::input, inputs_, b, ni);
        expose("outputs", CompartmentRole::output, outputs_, b, no);
        expose("weights", CompartmentRole::state, weights_, ni, no);
        if (p_.hasBiases()) expose("biases", CompartmentRole::state, biases_, 1, no);
        else expose("biases", CompartmentRole::state, biases_, 1, 1, true);
        expose("gate", CompartmentRole::input, gate_, b, no);
        expose("mask", CompartmentRole::state, mask_, ni, no);
    }
    virtual ~DenseSynapse() = default;
    DenseSynapse(const DenseSynapse&) = delete;
    DenseSynapse& operator=(const DenseSynapse&) = delete;

    virtual SynapseKind kind() const noexcept { return SynapseKind::DenseSynapse; }
    const SynapseParams& params() const noexcept { return p_; }
    int nIn() const noexcept { return p_.nIn; }
    int nOut() const noexcept { return p_.nOut; }
    int batchSize() const noexcept { return p_.batchSize; }
    bool hasBiases() const noexcept { return p_.hasBiases(); }

    /** One step: outputs from inputs (dt is unused, as in ngclearn). */
    void advance(T /*dt*/ = T(1)) noexcept { hot_->denseAdvance(*this); }

    /** advance's body, instantiated per instruction set by Kernels/HotKernelsIsa.cpp (`Tag`
        names the set); call advance(). */
    template <class Tag> void advanceKernel() noexcept {
        if (tied_) advanceTied();
        else advanceOwn();
        const T g = T(p_.gConductFactor);
        for (int b = 0; b < p_.batchSize; ++b) {
            Row out = outRow(b);
            out = out * row(gate_, b, p_.nOut) * g;
            if (p_.hasBiases()) out += ConstRow(biases_.data(), p_.nOut);
            else out += biases_[0];
        }
    }
    /** DenseSynapse does not learn. */
    virtual void evolve(T /*dt*/ = T(1)) noexcept {}
    /** ngclearn's reset: inputs and outputs to 0, gate to 1; weights and biases stay. */
    virtual void reset() noexcept {
        inputs_.setZero();
        outputs_.setZero();
        gate_.setOnes();
    }

    /** Re-reads `mask` after it was written (whether any value differs from 1). */
    void refreshMask() noexcept { maskActive_ = !(mask_ == T(1)).all(); }

    /** Feedback tied to the transpose of `forward`'s weights (E = W^T, as ngclearn's
        predictive-coding circuits use): advance reads forward's weights, transposed, live;
        this synapse's own `weights` are then unused and evolve leaves every weight alone (the
        forward synapse owns them; biases still learn). `forward` must be [n_out][n_in] and
        outlive the tie. Throws ConfigError("shape") on a shape mismatch. */
    void tieTransposeOf(const DenseSynapse<T>& forward) {
        if (forward.nIn() != p_.nOut || forward.nOut() != p_.nIn)
            throw ConfigError("shape", "a tied synapse must be the transpose of the other: ["
                                           + std::to_string(p_.nIn) + ", " + std::to_string(p_.nOut)
                                           + "] vs [" + std::to_string(forward.nIn()) + ", "
                                           + std::to_string(forward.nOut()) + "]");
        if (&forward == this) throw ConfigError("shape", "a synapse cannot be tied to itself");
        tied_ = &forward;
    }
    void untie() noexcept { tied_ = nullptr; }
    bool isTied() const noexcept { return tied_ != nullptr; }

    /** The instruction set advance and evolve run on (chosen at construction: activeIsa()). */
    Isa isa() const noexcept { return hot_->isa; }
    /** Runs on `i` (or the widest set this CPU has below it) from now on. */
    void setIsa(Isa i) noexcept { hot_ = &hotKernels<T>(i); }

    const std::vector<Compartment<T>>& compartments() const noexcept { return compartments_; }
    const Compartment<T>* findCompartment(std::string_view name) const noexcept {
        for (const auto& c : compartments_)
            if (c.name == name) return &c;
        return nullptr;
    }

    const T* weightData() const noexcept { return weights_.data(); }
    T* weightData() noexcept { return weights_.data(); }
    const T* biasData() const noexcept { return biases_.data(); }
    T* biasData() noexcept { return biases_.data(); }

protected:
    static constexpr int kBlock = int(64 / sizeof(T)); // 16 floats or 8 doubles: 4 SSE packets
    static Row row(Buffer<T>& buf, int r, int cols) noexcept {
        return Row(buf.data() + Eigen::Index(r) * cols, cols);
    }
    Row outRow(int b) noexcept { return row(outputs_, b, p_.nOut); }

    void expose(std::string_view name, CompartmentRole role, Buffer<T>& buf, int rows, int cols,
                bool scalar = false) {
        compartments_.push_back({name, role, rows, cols, buf.data(), scalar, ""});
    }

    SynapseParams p_;
    Buffer<T> inputs_, outputs_, gate_, weights_, mask_, biases_;
    bool maskActive_ = false;
    const DenseSynapse<T>* tied_ = nullptr;
    const HotKernels<T>* hot_ = &hotKernels<T>(); // the hot loops for one instruction set

private:
    void initialise() {
        std::vector<double> w, m, b;
        if (!p_.weights.empty()) w = p_.weights;
        else initialiseWeights(p_.weightInit, p_.nIn, p_.nOut, p_.seed, w);
        if (!p_.mask.empty()) m = p_.mask;
        else m.assign(w.size(), 1.0);
        if (p_.pConn > 0 && p_.pConn < 1) {
            // ngclearn: weights * bernoulli(p_conn) at initialisation only
            NormalRng rng(p_.seed ^ 0x9e3779b97f4a7c15ULL);
            for (auto& v : w) {
                const bool keep = double(rng.next() >> 11) * (1.0 / 9007199254740992.0) < p_.pConn;
                if (!keep) v = 0;
            }
            if (p_.pConnMask)
                for (std::size_t k = 0; k < w.size(); ++k)
                    if (w[k] == 0) m[k] = 0;
        }
        for (std::size_t k = 0; k < w.size(); ++k) {
            weights_[Eigen::Index(k)] = T(w[k]);
            mask_[Eigen::Index(k)] = T(m[k]);
        }
        if (!p_.biases.empty()) b = p_.biases;
        else if (p_.biasInit) initialiseWeights(*p_.biasInit, 1, p_.nOut, p_.seed ^ 0xb5ad4eceda1ce2a9ULL, b);
        for (std::size_t k = 0; k < b.size(); ++k) biases_[Eigen::Index(k)] = T(b[k]);
        refreshMask();
    }

    // out_b = sum_i x_bi * (W_i * M_i). Without a mask, columns go in blocks of four SIMD
    // packets whose sums stay in registers across every row i (batch 1 and 2); the rest, and
    // a masked synapse, by row sweeps.
    void advanceOwn() noexcept {
        const int ni = p_.nIn, no = p_.nOut, nb = p_.batchSize;
        int j0 = 0;
        if (!maskActive_ && nb <= 2) {
            using Block = Eigen::Array<T, 1, kBlock>;
            using BlockMap = Eigen::Map<const Block>;
            const T* x0 = inputs_.data();
            const T* x1 = inputs_.data() + (nb == 2 ? ni : 0);
            for (; j0 + kBlock <= no; j0 += kBlock) {
                Block acc0 = Block::Zero(), acc1 = Block::Zero();
                const T* w = weights_.data() + j0;
                for (int i = 0; i < ni; ++i, w += no) {
                    const BlockMap wb(w);
                    acc0 += x0[i] * wb;
                    acc1 += x1[i] * wb;
                }
                Eigen::Map<Block>(outputs_.data() + j0) = acc0;
                if (nb == 2) Eigen::Map<Block>(outputs_.data() + no + j0) = acc1;
            }
            if (j0 == no) return;
        }
        const int rest = no - j0;
        for (int b = 0; b < nb; ++b) Row(outputs_.data() + Eigen::Index(b) * no + j0, rest).setZero();
        for (int i = 0; i < ni; ++i) {
            const ConstRow w(weights_.data() + Eigen::Index(i) * no + j0, rest);
            const ConstRow m(mask_.data() + Eigen::Index(i) * no + j0, rest);
            for (int b = 0; b < nb; ++b) {
                const T x = inputs_[Eigen::Index(b) * ni + i];
                Row out(outputs_.data() + Eigen::Index(b) * no + j0, rest);
                if (x == T(0)) continue;
                if (maskActive_) out += x * (w * m);
                else out += x * w;
            }
        }
    }
    // out_b[j] = sum_i x_bi * F[j][i] * M[i][j], F = the forward synapse's [n_out][n_in].
    void advanceTied() noexcept {
        const int ni = p_.nIn, no = p_.nOut, nb = p_.batchSize;
        const T* f = tied_->weights_.data();
        for (int j = 0; j < no; ++j) {
            const ConstRow fj(f + Eigen::Index(j) * ni, ni);
            for (int b = 0; b < nb; ++b) {
                const ConstRow x(inputs_.data() + Eigen::Index(b) * ni, ni);
                T s = 0;
                if (maskActive_)
                    for (int i = 0; i < ni; ++i) s += x[i] * (fj[i] * mask_[Eigen::Index(i) * no + j]);
                else
                    s = kernels::sumInBaselineOrder(x * fj); // the same bits on every instruction set
                outputs_[Eigen::Index(b) * no + j] = s;
            }
        }
    }

    std::vector<Compartment<T>> compartments_;
};

/** A DenseSynapse that learns by ngclearn's two-factor Hebbian rule (evolve):
        dW = (pre * pre_wght)^T @ (post * post_wght);  db = sum_batch (post * post_wght)
        if w_bound > 0: dW *= (w_bound - |W|);   dW += prior(W);   dW, db *= sign_value
        W, b = sgd or adam step (b only with a bias);  clip to [0 or -w_bound, w_bound]
        if w_bound > 0;  W *= mask.
    `pre` [batch][n_in], `post` [batch][n_out] (inputs of the rule); `dWeights` [n_in][n_out],
    `dBiases` [1][n_out] (the last update). */
template <typename T> class HebbianSynapse : public DenseSynapse<T> {
    using Base = DenseSynapse<T>;
    using typename Base::Row;
    using typename Base::ConstRow;

public:
    explicit HebbianSynapse(const SynapseParams& p) : Base(p) {
        const int b = p.batchSize, ni = p.nIn, no = p.nOut;
        pre_.setZero(Eigen::Index(b) * ni);
        post_.setZero(Eigen::Index(b) * no);
        postScaled_.setZero(Eigen::Index(b) * no);
        dWeights_.setZero(Eigen::Index(ni) * no);
        dBiases_.setZero(no);
        if (p.optim == SynapseOptim::adam) {
            mW_.setZero(Eigen::Index(ni) * no);
            vW_.setZero(Eigen::Index(ni) * no);
            mB_.setZero(no);
            vB_.setZero(no);
        }
        this->expose("pre", CompartmentRole::input, pre_, b, ni);
        this->expose("post", CompartmentRole::input, post_, b, no);
        this->expose("dWeights", CompartmentRole::state, dWeights_, ni, no);
        this->expose("dBiases", CompartmentRole::state, dBiases_, 1, no);
    }

    SynapseKind kind() const noexcept override { return SynapseKind::HebbianSynapse; }

    /** ngclearn's HebbianSynapse.reset: inputs, outputs, pre, post, dWeights, dBiases to 0;
        the gate, the weights, the biases and the optimiser's moments stay. */
    void reset() noexcept override {
        this->inputs_.setZero();
        this->outputs_.setZero();
        pre_.setZero();
        post_.setZero();
        dWeights_.setZero();
        dBiases_.setZero();
    }

    /** Restarts the optimiser (Adam's moments and step count); not part of ngclearn's reset. */
    void resetOptimiser() noexcept {
        mW_.setZero();
        vW_.setZero();
        mB_.setZero();
        vB_.setZero();
        step_ = 0;
    }

    void evolve(T /*dt*/ = T(1)) noexcept override { this->hot_->hebbianEvolve(*this); }

    /** evolve's body, instantiated per instruction set by Kernels/HotKernelsIsa.cpp (`Tag`
        names the set); call evolve(). */
    template <class Tag> void evolveKernel() noexcept {
        const SynapseParams& p = this->p_;
        const int ni = p.nIn, no = p.nOut, nb = p.batchSize;
        const T qw = T(p.postWght), sign = T(p.signValue), eta = T(p.eta);
        const T bound = T(p.wBound), lambda = T(p.priorLambda), l1 = T(p.l1Ratio);
        const bool adam = p.optim == SynapseOptim::adam;
        if (adam) step_ += 1;
        const T t = T(step_);
        const T c1 = T(1) - std::pow(kBeta1, t), c2 = T(1) - std::pow(kBeta2, t);

        postScaled_ = post_ * qw;
        Row db(dBiases_.data(), no);
        db.setZero();
        for (int b = 0; b < nb; ++b) db += ConstRow(postScaled_.data() + Eigen::Index(b) * no, no);
        db = db * sign;

        const T lo = p.isNonnegative ? T(0) : -bound;
        const bool fast = !adam && p.prior == SynapsePrior::constant && !this->tied_ && !this->maskActive_
                          && nb <= 2 && no % Base::kBlock == 0;
        for (int i = 0; fast && i < ni; ++i) sgdRowFused(i, bound, lo, sign, eta);
        for (int i = 0; !fast && i < ni; ++i) {
            Row d(dWeights_.data() + Eigen::Index(i) * no, no);
            hebbianRow(d, i);
            if (this->tied_) continue; // the forward synapse owns the weights
            Row w(this->weights_.data() + Eigen::Index(i) * no, no);
            // one fused pass per prior: dW = ((dW * (bound - |W|)) + reg(W)) * sign
            auto finish = [&](const auto& reg) {
                if (bound > T(0)) d = (d * (bound - w.abs()) + reg) * sign;
                else d = (d + reg) * sign;
            };
            switch (p.prior) {
                case SynapsePrior::constant:
                    if (bound > T(0)) d = d * (bound - w.abs()) * sign;
                    else d = d * sign;
                    break;
                case SynapsePrior::l2: finish(w * (-lambda)); break; // not -w: see GaussianErrorCell
                case SynapsePrior::l1: finish(w.sign() * (-lambda)); break;
                case SynapsePrior::l1l2: finish((w.sign() * (-l1) - w * (T(1) - l1) / T(2)) * lambda); break;
            }
            if (adam) {
                adamStep(w, d, Row(mW_.data() + Eigen::Index(i) * no, no),
                         Row(vW_.data() + Eigen::Index(i) * no, no), eta, c1, c2);
                if (bound > T(0)) w = w.max(lo).min(bound);
            } else if (bound > T(0)) {
                w = (w - d * eta).max(lo).min(bound);
            } else {
                w = w - d * eta;
            }
            if (this->maskActive_) w = w * ConstRow(this->mask_.data() + Eigen::Index(i) * no, no);
        }
        if (p.hasBiases()) {
            Row b(this->biases_.data(), no);
            if (adam) adamStep(b, db, Row(mB_.data(), no), Row(vB_.data(), no), eta, c1, c2);
            else b = b - db * eta;
        }
    }

    /** Sets the learning rate (the engine's learn-rate scale); used from the next evolve. */
    void setEta(double eta) noexcept { this->p_.eta = eta; }

    /** Adam's step count (0 before the first evolve). */
    long long optimiserStep() const noexcept { return step_; }

private:
    // The common case in one pass per row, in registers (sgd, no prior, no mask, batch 1 or
    // 2): the same operations in the same order as the general path.
    void sgdRowFused(int i, T bound, T lo, T sign, T eta) noexcept {
        using Block = Eigen::Array<T, 1, Base::kBlock>;
        using CMap = Eigen::Map<const Block>;
        using MMap = Eigen::Map<Block>;
        const int ni = this->p_.nIn, no = this->p_.nOut, nb = this->p_.batchSize;
        const T pw = T(this->p_.preWght);
        const T a0 = pre_[i] * pw, a1 = nb == 2 ? pre_[Eigen::Index(ni) + i] * pw : T(0);
        T* w = this->weights_.data() + Eigen::Index(i) * no;
        T* d = dWeights_.data() + Eigen::Index(i) * no;
        const T* q0 = postScaled_.data();
        const T* q1 = postScaled_.data() + (nb == 2 ? no : 0);
        for (int j = 0; j < no; j += Base::kBlock) {
            const Block h = nb == 2 ? Block(a0 * CMap(q0 + j) + a1 * CMap(q1 + j)) : Block(a0 * CMap(q0 + j));
            const Block wv = CMap(w + j);
            if (bound > T(0)) {
                const Block dv = h * (bound - wv.abs()) * sign;
                MMap(d + j) = dv;
                MMap(w + j) = (wv - dv * eta).max(lo).min(bound);
            } else {
                const Block dv = h * sign;
                MMap(d + j) = dv;
                MMap(w + j) = wv - dv * eta;
            }
        }
    }

    // d = sum_b (pre_bi * pre_wght) * (post_b * post_wght), batch rows fused for 1 and 2.
    void hebbianRow(Row d, int i) noexcept {
        const int ni = this->p_.nIn, no = this->p_.nOut, nb = this->p_.batchSize;
        const T pw = T(this->p_.preWght);
        auto a = [&](int b) { return pre_[Eigen::Index(b) * ni + i] * pw; };
        auto q = [&](int b) { return ConstRow(postScaled_.data() + Eigen::Index(b) * no, no); };
        if (nb == 1) {
            d = a(0) * q(0);
        } else if (nb == 2) {
            d = a(0) * q(0) + a(1) * q(1);
        } else {
            d = a(0) * q(0) + a(1) * q(1);
            for (int b = 2; b < nb; ++b) d += a(b) * q(b);
        }
    }

    static constexpr T kBeta1 = T(0.9), kBeta2 = T(0.999), kEps = T(1e-8);

    // ngclearn utils/optim/adam.py step_update, in its order of operations.
    static void adamStep(Row theta, const Row& u, Row m, Row v, T eta, T c1, T c2) noexcept {
        m = kBeta1 * m + (T(1) - kBeta1) * u;
        v = kBeta2 * v + (T(1) - kBeta2) * u.square();
        theta = theta - eta * (m / c1) / ((v / c2).sqrt() + kEps);
    }

    Buffer<T> pre_, post_, postScaled_, dWeights_, dBiases_;
    Buffer<T> mW_, vW_, mB_, vB_;
    long long step_ = 0;
};

} // namespace graded
