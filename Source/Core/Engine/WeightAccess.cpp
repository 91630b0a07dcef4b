// SPDX-License-Identifier: GPL-3.0-or-later
#include "WeightAccess.h"

#include "../Synapses/Npz.h"
#include "../Synapses/SynapseParams.h"
#include "Network.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace graded {

namespace {

size_t biasCount(const DenseSynapse<float>& s) { return s.hasBiases() ? size_t(s.nOut()) : 0; }

template <typename F> void forEachSynapse(Network& net, F&& f) {
    size_t k = 0;
    for (auto& n : net.nodes)
        if (n.synapse) f(n, k++);
}

} // namespace

WeightSet weightLayout(Engine& engine) {
    WeightSet set;
    forEachSynapse(engine.network(), [&](Network::Node& n, size_t) {
        SynapseWeights w;
        w.id = n.id;
        w.hebbian = n.hebbian != nullptr;
        w.tied = n.synapse->isTied();
        w.nIn = n.synapse->nIn();
        w.nOut = n.synapse->nOut();
        set.push_back(std::move(w));
    });
    return set;
}

WeightSet weightBuffers(Engine& engine) {
    WeightSet set = weightLayout(engine);
    size_t i = 0;
    forEachSynapse(engine.network(), [&](Network::Node& n, size_t) {
        auto& w = set[i++];
        w.weights.resize(size_t(w.nIn) * size_t(w.nOut));
        w.biases.resize(biasCount(*n.synapse));
    });
    return set;
}

void copyWeights(Engine& engine, WeightSet& set) noexcept {
    size_t i = 0;
    for (auto& n : engine.network().nodes) {
        if (!n.synapse || i >= set.size()) continue;
        auto& w = set[i++];
        const auto& s = *n.synapse;
        std::copy(s.weightData(), s.weightData() + std::min(w.weights.size(), size_t(s.nIn()) * size_t(s.nOut())), w.weights.begin());
        std::copy(s.biasData(), s.biasData() + std::min(w.biases.size(), biasCount(s)), w.biases.begin());
    }
}

WeightSet readWeights(Engine& engine) {
    WeightSet set = weightLayout(engine);
    size_t i = 0;
    forEachSynapse(engine.network(), [&](Network::Node& n, size_t) {
        auto& w = set[i++];
        const auto& s = *n.synapse;
        w.weights.assign(s.weightData(), s.weightData() + size_t(s.nIn()) * size_t(s.nOut()));
        w.biases.assign(s.biasData(), s.biasData() + biasCount(s));
    });
    return set;
}

std::string checkWeights(Engine& engine, const WeightSet& set) {
    Network& net = engine.network();
    for (const auto& w : set) {
        const Network::Node* node = nullptr;
        for (const auto& n : net.nodes)
            if (n.synapse && n.id == w.id) node = &n;
        if (!node) return "the patch has no synapse '" + w.id + "'";
        const auto& s = *node->synapse;
        if (w.nIn != s.nIn() || w.nOut != s.nOut())
            return "'" + w.id + "' is [" + std::to_string(s.nIn()) + ", " + std::to_string(s.nOut()) + "] in the patch, [" +
                   std::to_string(w.nIn) + ", " + std::to_string(w.nOut) + "] in the weights";
        if (w.weights.size() != size_t(s.nIn()) * size_t(s.nOut())) return "'" + w.id + "': wrong number of weights";
        if (w.biases.size() != biasCount(s))
            return "'" + w.id + "': " + std::to_string(w.biases.size()) + " biases, the patch's synapse has " + std::to_string(biasCount(s));
        for (float v : w.weights)
            if (!std::isfinite(v)) return "'" + w.id + "': a weight is not finite";
        for (float v : w.biases)
            if (!std::isfinite(v)) return "'" + w.id + "': a bias is not finite";
    }
    for (size_t i = 0; i < set.size(); ++i)
        for (size_t j = i + 1; j < set.size(); ++j)
            if (set[i].id == set[j].id) return "'" + set[i].id + "' appears twice";
    return {};
}

std::string writeWeights(Engine& engine, const WeightSet& set) {
    if (auto why = checkWeights(engine, set); !why.empty()) return why;
    for (const auto& w : set)
        for (auto& n : engine.network().nodes)
            if (n.synapse && n.id == w.id) {
                std::copy(w.weights.begin(), w.weights.end(), n.synapse->weightData());
                std::copy(w.biases.begin(), w.biases.end(), n.synapse->biasData());
            }
    return {};
}

std::vector<std::string> learnedSynapses(Engine& engine, const WeightSet& current) {
    std::vector<std::string> ids;
    Network& net = engine.network();
    forEachSynapse(net, [&](Network::Node& n, size_t k) {
        const auto& w0 = net.initialWeights(k);
        const auto& b0 = net.initialBiases(k);
        for (const auto& w : current) {
            if (w.id != n.id) continue;
            const bool sameW = w.weights.size() == w0.size() && std::memcmp(w0.data(), w.weights.data(), w0.size() * sizeof(float)) == 0;
            // (a synapse without a bias keeps a scalar 0 at build and saves none)
            const bool sameB = w.biases.empty() ? true : (w.biases.size() == b0.size() && std::memcmp(b0.data(), w.biases.data(), b0.size() * sizeof(float)) == 0);
            if (!sameW || !sameB) ids.push_back(n.id);
        }
    });
    return ids;
}

// ---- npz ---------------------------------------------------------------------------------

namespace {

/** A synapse built from the patch node's parameters (batch 1), for npz reading and writing. */
std::unique_ptr<DenseSynapse<float>> scratchSynapse(const Patch& patch, const std::string& id) {
    for (const auto& pn : patch.nodes) {
        const SynapseNodeParams* sn = pn.synapse();
        if (!sn || pn.id != id) continue;
        SynapseParams sp = sn->params;
        sp.batchSize = 1;
        sp.kind = synapseKindOf(pn.kind);
        return std::make_unique<DenseSynapse<float>>(sp);
    }
    throw std::runtime_error("the patch has no synapse '" + id + "'");
}

} // namespace

std::vector<std::string> exportWeightsNpz(const Patch& patch, const WeightSet& set, const std::string& dir) {
    std::vector<std::string> written;
    for (const auto& w : set) {
        if (w.tied) continue;
        auto s = scratchSynapse(patch, w.id);
        if (s->nIn() != w.nIn || s->nOut() != w.nOut || w.weights.size() != size_t(w.nIn) * size_t(w.nOut)
            || w.biases.size() != biasCount(*s))
            throw std::runtime_error("'" + w.id + "': the weights do not have the patch's shape");
        std::copy(w.weights.begin(), w.weights.end(), s->weightData());
        std::copy(w.biases.begin(), w.biases.end(), s->biasData());
        std::string path = dir;
        if (!path.empty() && path.back() != '/') path += '/';
        path += w.id + ".npz";
        npz::exportSynapse(*s, path);
        written.push_back(path);
    }
    return written;
}

SynapseWeights importWeightsNpz(const Patch& patch, const std::string& id, std::string_view bytes) {
    auto s = scratchSynapse(patch, id);
    npz::importSynapseBytes(*s, bytes); // shapes and finiteness checked, all or nothing
    SynapseWeights w;
    w.id = id;
    w.hebbian = s->kind() == SynapseKind::HebbianSynapse;
    w.nIn = s->nIn();
    w.nOut = s->nOut();
    w.weights.assign(s->weightData(), s->weightData() + size_t(w.nIn) * size_t(w.nOut));
    w.biases.assign(s->biasData(), s->biasData() + biasCount(*s));
    for (float v : w.weights)
        if (!std::isfinite(v)) throw std::runtime_error("'" + id + "': a weight is not finite in float32");
    for (float v : w.biases)
        if (!std::isfinite(v)) throw std::runtime_error("'" + id + "': a bias is not finite in float32");
    return w;
}

// ---- the block ----------------------------------------------------------------------------

namespace {

constexpr char kMagic[4] = {'G', 'C', 'W', 'T'};

std::uint64_t fnv1a(const unsigned char* p, size_t n, std::uint64_t h = 0xcbf29ce484222325ULL) noexcept {
    for (size_t i = 0; i < n; ++i) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

void put32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(char((v >> (8 * i)) & 0xff));
}
void put64(std::string& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(char((v >> (8 * i)) & 0xff));
}
void putFloats(std::string& out, const std::vector<float>& v) {
    for (float f : v) {
        std::uint32_t bits;
        std::memcpy(&bits, &f, 4);
        put32(out, bits);
    }
}

struct Reader {
    std::string_view b;
    size_t pos = 0;
    bool take(size_t n) noexcept {
        if (n > b.size() - pos) return false;
        pos += n;
        return true;
    }
    bool u32(std::uint32_t& v) noexcept {
        if (4 > b.size() - pos) return false;
        v = 0;
        for (int i = 0; i < 4; ++i) v |= std::uint32_t(static_cast<unsigned char>(b[pos + size_t(i)])) << (8 * i);
        pos += 4;
        return true;
    }
    bool u64(std::uint64_t& v) noexcept {
        if (8 > b.size() - pos) return false;
        v = 0;
        for (int i = 0; i < 8; ++i) v |= std::uint64_t(static_cast<unsigned char>(b[pos + size_t(i)])) << (8 * i);
        pos += 8;
        return true;
    }
    bool floats(std::vector<float>& out, std::uint64_t n) {
        if (n > (b.size() - pos) / 4) return false; // checked before allocating
        out.resize(size_t(n));
        for (auto& f : out) {
            std::uint32_t bits = 0;
            u32(bits);
            std::memcpy(&f, &bits, 4);
        }
        return true;
    }
};

} // namespace

std::uint64_t patchContentHash(std::string_view text) noexcept {
    return fnv1a(reinterpret_cast<const unsigned char*>(text.data()), text.size());
}

std::uint64_t weightBlockBytes(const WeightSet& set) noexcept {
    std::uint64_t n = 4 + 4 + 8 + 4 + 8;
    for (const auto& w : set) n += 4 + w.id.size() + 12 + 4 * (std::uint64_t(w.weights.size()) + w.biases.size());
    return n;
}

std::string encodeWeightBlock(const WeightSet& set, std::uint64_t patchHash) {
    std::string out;
    out.reserve(size_t(weightBlockBytes(set)));
    out.append(kMagic, 4);
    put32(out, kWeightBlockVersion);
    put64(out, patchHash);
    put32(out, std::uint32_t(set.size()));
    for (const auto& w : set) {
        put32(out, std::uint32_t(w.id.size()));
        out += w.id;
        put32(out, std::uint32_t(w.nIn));
        put32(out, std::uint32_t(w.nOut));
        put32(out, std::uint32_t(w.biases.size()));
        putFloats(out, w.weights);
        putFloats(out, w.biases);
    }
    put64(out, fnv1a(reinterpret_cast<const unsigned char*>(out.data()), out.size()));
    return out;
}

bool decodeWeightBlock(std::string_view bytes, WeightSet& set, std::uint64_t& patchHash, std::string& error) {
    set.clear();
    auto fail = [&](std::string why) {
        error = std::move(why);
        set.clear();
        return false;
    };
    if (bytes.size() < 28 || std::memcmp(bytes.data(), kMagic, 4) != 0) return fail("not a weight block");
    const size_t body = bytes.size() - 8;
    Reader r{bytes, 4};
    std::uint32_t version = 0, count = 0;
    r.u32(version);
    if (version == 0 || version > std::uint32_t(kWeightBlockVersion))
        return fail("weight block version " + std::to_string(version) + " (this build reads " + std::to_string(kWeightBlockVersion) + ")");
    {
        Reader tail{bytes, body};
        std::uint64_t sum = 0;
        tail.u64(sum);
        if (sum != fnv1a(reinterpret_cast<const unsigned char*>(bytes.data()), body)) return fail("weight block checksum mismatch (corrupt)");
    }
    r.u64(patchHash);
    r.u32(count);
    r.b = bytes.substr(0, body);
    if (count > std::uint32_t(limits::kMaxNodes)) return fail("weight block names " + std::to_string(count) + " synapses");
    std::int64_t total = 0;
    for (std::uint32_t i = 0; i < count; ++i) {
        SynapseWeights w;
        std::uint32_t idLen = 0, nIn = 0, nOut = 0, nB = 0;
        if (!r.u32(idLen) || idLen == 0 || idLen > 256) return fail("weight block: bad synapse id");
        const size_t at = r.pos;
        if (!r.take(idLen)) return fail("weight block truncated");
        w.id.assign(bytes.data() + at, idLen);
        if (!r.u32(nIn) || !r.u32(nOut) || !r.u32(nB)) return fail("weight block truncated");
        const std::int64_t nW = std::int64_t(nIn) * std::int64_t(nOut);
        if (nIn == 0 || nOut == 0 || nW > kMaxSynapseWeights || (nB != 0 && nB != nOut))
            return fail("weight block: bad shape for '" + w.id + "'");
        total += nW;
        if (total > limits::kMaxWeightsTotal) return fail("weight block holds more weights than a patch may have");
        w.nIn = int(nIn);
        w.nOut = int(nOut);
        if (!r.floats(w.weights, std::uint64_t(nW)) || !r.floats(w.biases, nB)) return fail("weight block truncated");
        for (float v : w.weights)
            if (!std::isfinite(v)) return fail("weight block: '" + w.id + "' has a weight that is not finite");
        for (float v : w.biases)
            if (!std::isfinite(v)) return fail("weight block: '" + w.id + "' has a bias that is not finite");
        set.push_back(std::move(w));
    }
    if (r.pos != body) return fail("weight block has trailing bytes");
    return true;
}

// ---- heat maps ----------------------------------------------------------------------------

void fillHeatFrame(Engine& engine, WeightHeatFrame& frame) noexcept {
    int count = 0;
    for (auto& n : engine.network().nodes) {
        if (!n.synapse || n.synapse->isTied() || count >= kHeatMaxSynapses) continue;
        auto& m = frame.maps[size_t(count++)];
        const size_t idLen = std::min(n.id.size(), sizeof(m.id) - 1);
        std::memcpy(m.id, n.id.data(), idLen);
        m.id[idLen] = '\0';
        const int ni = n.synapse->nIn(), no = n.synapse->nOut();
        m.nIn = ni;
        m.nOut = no;
        m.rows = std::min(ni, kHeatMaxSide);
        m.cols = std::min(no, kHeatMaxSide);
        const float* w = n.synapse->weightData();
        float lo = INFINITY, hi = -INFINITY;
        for (int r = 0; r < m.rows; ++r) {
            const size_t i = size_t((std::int64_t(r) * ni) / m.rows);
            for (int c = 0; c < m.cols; ++c) {
                const size_t j = size_t((std::int64_t(c) * no) / m.cols);
                const float v = w[i * size_t(no) + j];
                m.v[size_t(r * m.cols + c)] = v;
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
        }
        m.lo = std::isfinite(lo) ? lo : 0.f;
        m.hi = std::isfinite(hi) ? hi : 0.f;
    }
    frame.count = count;
}

} // namespace graded
