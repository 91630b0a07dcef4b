// SPDX-License-Identifier: GPL-3.0-or-later
// DenseSynapse's and HebbianSynapse's parameters and compartments as patch nodes (the classes:
// Synapse.h; the parameters are parsed by parseSynapseParams, SynapseParams.cpp).
//
// Compartment sizes: a synapse node's NodeSizes (Patch/NodeSpecs.cpp nodeSizes) carry n_in as
// `units` and n_out as `bands`, so CompCols::units is n_in and CompCols::bands is n_out here.
// The matrices (weights, mask, dWeights) and the bias rows are the synapse's state: the patch
// reader refuses wires to or from them (their shapes are listed as one value for that reason).
#include "../Patch/NodeSpecs.h"

namespace graded {
namespace {

constexpr CompartmentSpec perChannel(std::string_view name, CompartmentRole role, CompCols cols, std::string_view doc,
                                     CompShow show = CompShow::none) {
    return {name, role, CompRows::perChannel, cols, "", false, show, doc};
}
constexpr CompartmentSpec state(std::string_view name, std::string_view doc) {
    return {name, CompartmentRole::state, CompRows::single, CompCols::one, "", false, CompShow::none, doc};
}

constexpr CompCols kIn = CompCols::units;   // n_in (see above)
constexpr CompCols kOut = CompCols::bands;  // n_out

#define GRADED_DENSE_FIELDS                                                                                            \
    field::integer("seed", 1).atLeast(0).about("seed of the weight (and bias) initialiser and of p_conn"),            \
        field::number("g_conduct_factor", 1.0).aka("resist_scale").about("outputs scale"),                            \
        field::number("p_conn", 1.0).withRange(0, 1).about("probability that a weight is kept at initialisation")

#define GRADED_DENSE_KEYS "shape", "weight_init", "bias_init", "weights", "biases", "mask", "p_conn_mask", \
                          "p_release_mean", "max_delay_steps", "tie"

#define GRADED_DENSE_COMPARTMENTS                                                                                     \
    perChannel("inputs", CompartmentRole::input, kIn, "presynaptic values [channel][n_in]"),                         \
        perChannel("outputs", CompartmentRole::output, kOut, "(inputs @ (weights * mask)) * gate * g_conduct_factor + biases", \
                   CompShow::main),                                                                                   \
        perChannel("gate", CompartmentRole::input, kOut, "multiplies the outputs (starts at 1)"),                       \
        state("weights", "[n_in][n_out] (not wireable)"), state("biases", "[1][n_out] (not wireable)"),               \
        state("mask", "[n_in][n_out] (not wireable)")

} // namespace

const NodeSpec& denseSynapseSpec() {
    static const FieldSpec fields[] = {GRADED_DENSE_FIELDS};
    static const std::string_view extraKeys[] = {GRADED_DENSE_KEYS};
    static const CompartmentSpec compartments[] = {GRADED_DENSE_COMPARTMENTS};
    static const NodeSpec spec{"DenseSynapse", "ngclearn's DenseSynapse: outputs = inputs @ W (a fixed weight matrix)", fields,
                               extraKeys, compartments, {}};
    return spec;
}

const NodeSpec& hebbianSynapseSpec() {
    static const FieldSpec fields[] = {
        GRADED_DENSE_FIELDS,
        field::number("eta", 0.0).about("learning rate (times the engine's learn-rate scale)"),
        field::number("w_bound", 1.0).atLeast(0).about("weights clipped to [-w_bound, w_bound] (0: no bound)"),
        field::flag("is_nonnegative", false).about("clip weights to [0, w_bound]"),
        field::number("w_decay", 0.0).atLeast(0).about("an l2 prior of this strength"),
        field::number("sign_value", 1.0).about("sign of the update (-1: descend the error, as ngclearn's circuits)"),
        field::number("pre_wght", 1.0).about("scale of pre"),
        field::number("post_wght", 1.0).about("scale of post"),
    };
    static const std::string_view extraKeys[] = {GRADED_DENSE_KEYS, "prior", "optim_type"};
    static const CompartmentSpec compartments[] = {
        GRADED_DENSE_COMPARTMENTS,
        perChannel("pre", CompartmentRole::input, kIn, "presynaptic factor of the rule [channel][n_in]"),
        perChannel("post", CompartmentRole::input, kOut, "postsynaptic factor of the rule [channel][n_out]"),
        state("dWeights", "the last update [n_in][n_out] (not wireable)"),
        state("dBiases", "the last bias update [1][n_out] (not wireable)"),
    };
    static const NodeSpec spec{"HebbianSynapse", "ngclearn's HebbianSynapse: a DenseSynapse that learns dW = pre^T post", fields,
                               extraKeys, compartments, {}};
    return spec;
}

#undef GRADED_DENSE_FIELDS
#undef GRADED_DENSE_KEYS
#undef GRADED_DENSE_COMPARTMENTS

} // namespace graded
