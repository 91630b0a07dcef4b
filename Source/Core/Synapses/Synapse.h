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
    void advance(T /*dt*/ = T(1)) noexcept {
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

    // out_b = sum_i x_bi * (W_i * M_i): one pass over the weights, every batch row at once.
    void advanceOwn() noexcept {
        const int ni = p_.nIn, no = p_.nOut, nb = p_.batchSize;
        outputs_.setZero();
        for (int i = 0; i < ni; ++i) {
            const ConstRow w(weights_.data() + Eigen::Index(i) * no, no);
            if (maskActive_) {
                const ConstRow m(mask_.data() + Eigen::Index(i) * no, no);
                for (int b = 0; b < nb; ++b) {
                    const T x = inputs_[Eigen::Index(b) * ni + i];
                    if (x != T(0)) outRow(b) += x * (w * m);
                }
            } else {
                for (int b = 0; b < nb; ++b) {
                    const T x = inputs_[Eigen::Index(b) * ni + i];
                    if (x != T(0)) outRow(b) += x * w;
                }
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
                    s = (x * fj).sum();
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

    void evolve(T /*dt*/ = T(1)) noexcept override {
        const SynapseParams& p = this->p_;
        const int ni = p.nIn, no = p.nOut, nb = p.batchSize;
        const T pw = T(p.preWght), qw = T(p.postWght), sign = T(p.signValue), eta = T(p.eta);
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

        for (int i = 0; i < ni; ++i) {
            Row d(dWeights_.data() + Eigen::Index(i) * no, no);
            d.setZero();
            for (int b = 0; b < nb; ++b) {
                const T a = pre_[Eigen::Index(b) * ni + i] * pw;
                d += a * ConstRow(postScaled_.data() + Eigen::Index(b) * no, no);
            }
            if (this->tied_) continue; // the forward synapse owns the weights
            Row w(this->weights_.data() + Eigen::Index(i) * no, no);
            if (bound > T(0)) d = d * (bound - w.abs());
            switch (p.prior) {
                case SynapsePrior::constant: break;
                case SynapsePrior::l2: d = d + (-w * lambda); break;
                case SynapsePrior::l1: d = d + (-w.sign() * lambda); break;
                case SynapsePrior::l1l2:
                    d = d + (-w.sign() * l1 - w * (T(1) - l1) / T(2)) * lambda;
                    break;
            }
            d = d * sign;
            if (adam) adamStep(w, d, Row(mW_.data() + Eigen::Index(i) * no, no),
                               Row(vW_.data() + Eigen::Index(i) * no, no), eta, c1, c2);
            else w = w - d * eta;
            if (bound > T(0)) w = w.max(p.isNonnegative ? T(0) : -bound).min(bound);
            if (this->maskActive_) w = w * ConstRow(this->mask_.data() + Eigen::Index(i) * no, no);
        }
        if (p.hasBiases()) {
            Row b(this->biases_.data(), no);
            if (adam) adamStep(b, db, Row(mB_.data(), no), Row(vB_.data(), no), eta, c1, c2);
            else b = b - db * eta;
        }
    }

    /** Adam's step count (0 before the first evolve). */
    long long optimiserStep() const noexcept { return step_; }

private:
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
