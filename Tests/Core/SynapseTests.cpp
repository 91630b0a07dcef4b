// SPDX-License-Identifier: GPL-3.0-or-later
// ngclearn's DenseSynapse and HebbianSynapse: golden parity (every case of
// Tests/Golden/dense_synapse.json and hebbian_synapse.json, double and float), parameters,
// initialisers, p_conn, the tied transpose.
#include <catch2/catch.hpp>

#include "Synapses/Synapse.h"
#include "Synapses/SynapseGolden.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

using namespace graded;

namespace {
const char* const kSynapseFiles[] = {"dense_synapse.json", "hebbian_synapse.json"};

synapse_golden::File loadSynapseFile(const std::string& name) {
    auto f = synapse_golden::loadIfSynapses(std::string(GRADED_GOLDEN_DIR) + "/" + name);
    REQUIRE(f.has_value());
    return *f;
}

template <typename T> void replayFile(const std::string& name) {
    const auto file = loadSynapseFile(name);
    REQUIRE(!file.cases.empty());
    for (const auto& c : file.cases) {
        const double tol = synapse_golden::tolerance<T>(c);
        const auto r = synapse_golden::replay<T>(c, tol);
        std::printf("  %-6s %-28s max_rel_err=%.3g (tol %.3g)\n", sizeof(T) == 8 ? "double" : "float",
                    c.id.c_str(), r.maxRelErr, tol);
        INFO(c.id << " max_rel_err " << r.maxRelErr
                  << (r.first ? " first: op " + std::to_string(r.first->op) + " " + r.first->compartment : ""));
        CHECK(r.pass);
        CHECK(r.maxRelErr <= tol);
    }
}

SynapseParams small(SynapseKind kind, int nIn, int nOut) {
    SynapseParams p;
    p.kind = kind;
    p.nIn = nIn;
    p.nOut = nOut;
    p.batchSize = 2;
    return p;
}

std::string configErrorField(SynapseKind kind, const std::string& json) {
    try {
        parseSynapseParams(kind, std::string_view(json));
    } catch (const ConfigError& e) {
        return e.field();
    }
    return "<no error>";
}
} // namespace

TEMPLATE_TEST_CASE("synapse goldens replay within tolerance", "[synapse][golden]", float, double) {
    for (const char* f : kSynapseFiles) {
        INFO(f);
        replayFile<TestType>(f);
    }
}

TEST_CASE("the synapse golden files hold what the brief says", "[synapse][golden]") {
    const auto dense = loadSynapseFile("dense_synapse.json");
    const auto hebb = loadSynapseFile("hebbian_synapse.json");
    CHECK(dense.cases.size() == 3);
    CHECK(hebb.cases.size() == 14);
    int evolves = 0, resets = 0;
    for (const auto& c : hebb.cases)
        for (const auto& op : c.ops) {
            evolves += op.kind == golden::Op::Kind::evolve;
            resets += op.kind == golden::Op::Kind::reset;
        }
    CHECK(evolves > 50);
    CHECK(resets >= 1);
    // a cell file is not taken for a synapse file
    CHECK_FALSE(synapse_golden::loadIfSynapses(std::string(GRADED_GOLDEN_DIR) + "/rate_cell.json"));
}

TEST_CASE("a tampered synapse golden fails the replay", "[synapse][golden]") {
    auto file = loadSynapseFile("hebbian_synapse.json");
    auto c = file.cases.at(0);
    for (auto& op : c.ops)
        for (auto& [name, t] : op.out)
            if (name == "weights") t.values[0] += 1e-6;
    const auto r = synapse_golden::replay<double>(c, 1e-9);
    CHECK_FALSE(r.pass);
    REQUIRE(r.first);
    CHECK(r.first->compartment == "weights");
}

TEST_CASE("synapse parameters are checked and errors name the field", "[synapse][params]") {
    using K = SynapseKind;
    CHECK(configErrorField(K::DenseSynapse, R"({"batch_size": 2})") == "shape");
    CHECK(configErrorField(K::DenseSynapse, R"({"shape": [3]})") == "shape");
    CHECK(configErrorField(K::DenseSynapse, R"({"shape": [0, 4]})") == "shape");
    CHECK(configErrorField(K::DenseSynapse, R"({"shape": [3.5, 4]})") == "shape");
    CHECK(configErrorField(K::DenseSynapse, R"({"shape": [65536, 65536]})") == "shape");
    CHECK(configErrorField(K::DenseSynapse, R"({"shape": [1e300, 4]})") == "shape");
    CHECK(configErrorField(K::DenseSynapse, R"({"shape": [2, 2], "eta": 0.1})") == "eta");
    CHECK(configErrorField(K::DenseSynapse, R"({"shape": [2, 2], "bogus": 1})") == "bogus");
    CHECK(configErrorField(K::DenseSynapse, R"({"shape": [2, 2], "weights": [[1, 2], [3]]})") == "weights");
    CHECK(configErrorField(K::DenseSynapse, R"({"shape": [2, 2], "weights": [[1, 2], [3, "x"]]})") == "weights");
    CHECK(configErrorField(K::DenseSynapse, R"({"shape": [2, 2], "biases": [[1, 2, 3]]})") == "biases");
    CHECK(configErrorField(K::DenseSynapse, R"({"shape": [2, 2], "p_conn": 1.5})") == "p_conn");
    CHECK(configErrorField(K::DenseSynapse, R"({"shape": [2, 2], "batch_size": 0})") == "batch_size");
    CHECK(configErrorField(K::DenseSynapse, R"({"shape": [2, 2], "weight_init": {"dist": "cauchy"}})") == "weight_init.dist");
    CHECK(configErrorField(K::DenseSynapse, R"({"shape": [2, 2], "weight_init": {"dist": "uniform", "amin": 1, "amax": 0}})") == "weight_init.amin");
    CHECK(configErrorField(K::DenseSynapse, R"({"shape": [2, 2], "p_release_mean": 0.5})") == "p_release_mean");
    CHECK(configErrorField(K::HebbianSynapse, R"({"shape": [2, 2], "prior": ["l3", 0.1]})") == "prior");
    CHECK(configErrorField(K::HebbianSynapse, R"({"shape": [2, 2], "prior": ["l1l2", 0.1]})") == "prior");
    CHECK(configErrorField(K::HebbianSynapse, R"({"shape": [2, 2], "optim_type": "rmsprop"})") == "optim_type");
    CHECK(configErrorField(K::HebbianSynapse, R"({"shape": [2, 2], "w_bound": -1})") == "w_bound");
    CHECK(configErrorField(K::HebbianSynapse, R"({"shape": [2, 2], "eta": 1e999})") == "params"); // not JSON
    CHECK(configErrorField(K::HebbianSynapse, std::string(40, '[') + std::string(40, ']')) == "params");
    // names as ngclearn's, and w_decay > 0 turns into an l2 prior
    const auto p = parseSynapseParams(K::HebbianSynapse, std::string_view(
        R"({"shape": [3, 2], "eta": 0.1, "w_decay": 0.3, "prior": ["lasso", 0.2], "optim_type": "adam",
            "sign_value": -1, "pre_wght": 0.5, "post_wght": 2, "is_nonnegative": true, "w_bound": 0.5,
            "g_conduct_factor": 0.7, "bias_init": {"dist": "constant", "value": 0.25}})"));
    CHECK(p.nIn == 3);
    CHECK(p.nOut == 2);
    CHECK(p.prior == SynapsePrior::l2);
    CHECK(p.priorLambda == 0.3);
    CHECK(p.optim == SynapseOptim::adam);
    CHECK(p.hasBiases());
    const auto en = parseSynapseParams(K::HebbianSynapse, std::string_view(R"({"shape": [1, 1], "prior": ["elastic_net", [0.1, 0.3]]})"));
    CHECK(en.prior == SynapsePrior::l1l2);
    CHECK(en.priorLambda == 0.1);
    CHECK(en.l1Ratio == 0.3);
    HebbianSynapse<float> h(p);
    CHECK(h.findCompartment("biases")->size() == 2);
    CHECK(h.biasData()[1] == 0.25f);
    for (const char* name : {"inputs", "outputs", "weights", "biases", "gate", "mask", "pre", "post", "dWeights", "dBiases"})
        CHECK(h.findCompartment(name) != nullptr);
    CHECK(h.findCompartment("nope") == nullptr);
}

TEST_CASE("weight initialisers as ngclearn names them, seeded", "[synapse][init]") {
    auto make = [](const std::string& init, int seed) {
        auto p = parseSynapseParams(SynapseKind::DenseSynapse,
                                    std::string_view("{\"shape\": [64, 32], \"seed\": " + std::to_string(seed)
                                                     + ", \"weight_init\": " + init + "}"));
        std::vector<double> w;
        initialiseWeights(p.weightInit, p.nIn, p.nOut, p.seed, w);
        return w;
    };
    auto minmax = [](const std::vector<double>& w) { return std::make_pair(*std::min_element(w.begin(), w.end()), *std::max_element(w.begin(), w.end())); };
    auto mean = [](const std::vector<double>& w) { double s = 0; for (double v : w) s += v; return s / double(w.size()); };
    auto sd = [&](const std::vector<double>& w) { const double m = mean(w); double s = 0; for (double v : w) s += (v - m) * (v - m); return std::sqrt(s / double(w.size())); };

    const auto u = make(R"({"dist": "uniform", "amin": -0.2, "amax": 0.3})", 7);
    CHECK(u == make(R"({"dist": "uniform", "amin": -0.2, "amax": 0.3})", 7)); // deterministic
    CHECK(u != make(R"({"dist": "uniform", "amin": -0.2, "amax": 0.3})", 8));
    CHECK(minmax(u).first >= -0.2);
    CHECK(minmax(u).second < 0.3);
    CHECK(mean(u) == Approx(0.05).margin(0.01));
    const auto g = make(R"({"dist": "gaussian", "mu": 1.0, "sigma": 0.5})", 3);
    CHECK(mean(g) == Approx(1.0).margin(0.03));
    CHECK(sd(g) == Approx(0.5).margin(0.03));
    const auto fg = make(R"({"dist": "fan_in_gaussian"})", 3);
    CHECK(sd(fg) == Approx(std::sqrt(1.0 / 64)).epsilon(0.06));
    const auto fu = make(R"({"dist": "fan_in_uniform"})", 3);
    CHECK(minmax(fu).first >= -0.125);
    CHECK(minmax(fu).second <= 0.125);
    CHECK(minmax(fu).second > 0.12);
    const auto c = make(R"({"dist": "constant", "value": 0.5})", 1);
    CHECK(minmax(c).first == 0.5);
    CHECK(minmax(c).second == 0.5);
    const auto clipped = make(R"({"dist": "gaussian", "sigma": 1, "amin": -0.1, "amax": 0.1})", 1);
    CHECK(minmax(clipped).first == -0.1);
    CHECK(minmax(clipped).second == 0.1);
    const auto hollow = make(R"({"dist": "hollow", "scale": 2})", 1);
    CHECK(hollow[0] == 0.0);
    CHECK(hollow[1] == 2.0);
    CHECK(hollow[33] == 0.0); // [1][1]
    const auto eye = make(R"({"dist": "uniform", "eye": true})", 1);
    CHECK(eye[1] == 0.0);
    CHECK(eye[33] > 0.0);
    // ngclearn's default initialiser: uniform(0.025, 0.8)
    DenseSynapse<double> d(small(SynapseKind::DenseSynapse, 16, 16));
    const auto* w = d.findCompartment("weights");
    for (int k = 0; k < w->size(); ++k) {
        CHECK(w->data[k] >= 0.025);
        CHECK(w->data[k] < 0.8);
    }
}

TEST_CASE("p_conn sparsifies the weights at initialisation; p_conn_mask keeps the pattern", "[synapse][init]") {
    auto p = small(SynapseKind::HebbianSynapse, 64, 64);
    p.pConn = 0.25;
    p.seed = 11;
    p.eta = 0.1;
    p.wBound = 0;
    p.signValue = -1;
    HebbianSynapse<double> h(p);
    auto zeros = [](const DenseSynapse<double>& s) {
        int z = 0;
        for (int k = 0; k < 64 * 64; ++k) z += s.weightData()[k] == 0.0;
        return z;
    };
    const int z0 = zeros(h);
    CHECK(z0 == Approx(0.75 * 4096).margin(150));
    auto learn = [](HebbianSynapse<double>& s) {
        const auto* pre = s.findCompartment("pre");
        const auto* post = s.findCompartment("post");
        for (int k = 0; k < pre->size(); ++k) pre->data[k] = 1.0;
        for (int k = 0; k < post->size(); ++k) post->data[k] = 0.5;
        s.evolve();
    };
    learn(h);
    CHECK(zeros(h) == 0); // ngclearn: the connection pattern is not kept under learning
    p.pConnMask = true;
    HebbianSynapse<double> masked(p);
    CHECK(zeros(masked) == z0); // same seed, same pattern
    learn(masked);
    CHECK(zeros(masked) == z0);
}

TEST_CASE("a feedback synapse tied to the transpose of another's weights", "[synapse][tie]") {
    auto pf = small(SynapseKind::HebbianSynapse, 3, 4);
    pf.weightInit = WeightInit::uniform(-1, 1);
    pf.seed = 5;
    pf.eta = 0.1;
    pf.signValue = -1;
    HebbianSynapse<double> forward(pf);
    auto pb = small(SynapseKind::HebbianSynapse, 4, 3);
    pb.weightInit = WeightInit::uniform(5, 6); // own weights, unused while tied
    pb.eta = 0.1;
    HebbianSynapse<double> feedback(pb);
    CHECK_THROWS_AS(feedback.tieTransposeOf(feedback), ConfigError);
    HebbianSynapse<double> wrong(pb); // [4, 3] is not the transpose of [4, 3]
    CHECK_THROWS_AS(feedback.tieTransposeOf(wrong), ConfigError);
    feedback.tieTransposeOf(forward);
    CHECK(feedback.isTied());
    const std::vector<double> own(feedback.weightData(), feedback.weightData() + 12);
    auto check = [&] {
        const auto* in = feedback.findCompartment("inputs");
        for (int k = 0; k < in->size(); ++k) in->data[k] = 0.1 * (k + 1) - 0.35;
        feedback.advance();
        const auto* out = feedback.findCompartment("outputs");
        for (int b = 0; b < 2; ++b)
            for (int j = 0; j < 3; ++j) {
                double s = 0;
                for (int i = 0; i < 4; ++i) s += in->data[b * 4 + i] * forward.weightData()[j * 4 + i];
                CHECK(out->data[b * 3 + j] == Approx(s).margin(1e-15));
            }
    };
    check();
    // the forward synapse learns; the feedback sees it at once
    const auto* pre = forward.findCompartment("pre");
    const auto* post = forward.findCompartment("post");
    for (int k = 0; k < pre->size(); ++k) pre->data[k] = 0.3;
    for (int k = 0; k < post->size(); ++k) post->data[k] = 0.05 + 0.1 * k;
    const double before = forward.weightData()[0];
    forward.evolve();
    CHECK(forward.weightData()[0] != before);
    check();
    // evolving the tied synapse leaves every weight alone
    const auto* fpre = feedback.findCompartment("pre");
    for (int k = 0; k < fpre->size(); ++k) fpre->data[k] = 1.0;
    const std::vector<double> fw(forward.weightData(), forward.weightData() + 12);
    feedback.evolve();
    CHECK(std::vector<double>(forward.weightData(), forward.weightData() + 12) == fw);
    CHECK(std::vector<double>(feedback.weightData(), feedback.weightData() + 12) == own);
    feedback.untie();
    feedback.advance();
    const auto* in = feedback.findCompartment("inputs");
    double s = 0;
    for (int i = 0; i < 4; ++i) s += in->data[i] * own[std::size_t(i) * 3];
    CHECK(feedback.findCompartment("outputs")->data[0] == Approx(s).margin(1e-15)); // own weights again
}

TEMPLATE_TEST_CASE("the blocked and fused paths agree with a scalar transcription", "[synapse]", float, double) {
    using T = TestType;
    const double tol = sizeof(T) == 8 ? 1e-12 : 1e-5;
    for (int nOut : {1, 8, 16, 32, 40, 64})
        for (int batch : {1, 2, 3})
            for (double bound : {0.0, 1.0}) {
                auto p = small(SynapseKind::HebbianSynapse, 7, nOut);
                p.batchSize = batch;
                p.weightInit = WeightInit::uniform(-0.5, 0.5);
                p.seed = std::uint64_t(nOut * 10 + batch);
                p.eta = 0.05;
                p.wBound = bound;
                p.signValue = -1;
                p.preWght = 0.7;
                p.postWght = 1.3;
                p.gConductFactor = 0.9;
                HebbianSynapse<T> s(p);
                std::vector<double> w(s.weightData(), s.weightData() + 7 * nOut);
                const auto* in = s.findCompartment("inputs");
                const auto* pre = s.findCompartment("pre");
                const auto* post = s.findCompartment("post");
                const auto* out = s.findCompartment("outputs");
                const auto* dw = s.findCompartment("dWeights");
                INFO("n_out " << nOut << " batch " << batch << " w_bound " << bound);
                for (int step = 0; step < 4; ++step) {
                    for (int k = 0; k < in->size(); ++k) in->data[k] = T(std::sin(0.3 * k + step));
                    for (int k = 0; k < pre->size(); ++k) pre->data[k] = T(std::cos(0.7 * k + step));
                    for (int k = 0; k < post->size(); ++k) post->data[k] = T(std::sin(1.1 * k - step));
                    s.advance();
                    for (int b = 0; b < batch; ++b)
                        for (int j = 0; j < nOut; ++j) {
                            double acc = 0;
                            for (int i = 0; i < 7; ++i) acc += double(in->data[b * 7 + i]) * w[std::size_t(i * nOut + j)];
                            CHECK(double(out->data[b * nOut + j]) == Approx(acc * 0.9).margin(tol));
                        }
                    s.evolve();
                    for (int i = 0; i < 7; ++i)
                        for (int j = 0; j < nOut; ++j) {
                            double d = 0;
                            for (int b = 0; b < batch; ++b)
                                d += double(pre->data[b * 7 + i]) * 0.7 * (double(post->data[b * nOut + j]) * 1.3);
                            double& wk = w[std::size_t(i * nOut + j)];
                            if (bound > 0) d *= bound - std::fabs(wk);
                            d *= -1;
                            wk -= d * 0.05;
                            if (bound > 0) wk = std::min(bound, std::max(-bound, wk));
                            CHECK(double(dw->data[i * nOut + j]) == Approx(d).margin(tol));
                            CHECK(double(s.weightData()[i * nOut + j]) == Approx(wk).margin(tol));
                        }
                }
            }
}

TEST_CASE("mutated synapse golden files get an error or replay, never a crash", "[synapse][golden]") {
    std::string text;
    {
        std::ifstream in(std::string(GRADED_GOLDEN_DIR) + "/hebbian_synapse.json", std::ios::binary);
        text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    REQUIRE(text.size() > 1000);
    std::uint64_t state = 12345;
    auto next = [&] { state = state * 6364136223846793005ULL + 1442695040888963407ULL; return state >> 33; };
    const char replacements[] = {'[', ']', '{', '}', ',', '"', '-', '9', 'e', ' ', '0', '.'};
    int errors = 0, replayed = 0;
    for (int trial = 0; trial < 300; ++trial) {
        std::string bad = text;
        for (int k = 0; k < 1 + int(next() % 4); ++k)
            bad[std::size_t(next() % bad.size())] = replacements[next() % sizeof replacements];
        try {
            const auto f = synapse_golden::parseIfSynapses(bad);
            if (!f) continue;
            for (const auto& c : f->cases) synapse_golden::replay<float>(c, 1e-6);
            ++replayed;
        } catch (const golden::Error&) {
            ++errors;
        }
    }
    CHECK(errors > 50);
    CHECK(errors + replayed <= 300);
}
