// SPDX-License-Identifier: GPL-3.0-or-later
// .npz interop of synapse weights: round trip, a hand-built archive, hostile archives, and
// (when python3 with numpy is installed) NumPy reading ours and us reading NumPy's.
#include <catch2/catch.hpp>

#include "Synapses/Npz.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

using namespace graded;

namespace {
SynapseParams npzParams(bool bias) {
    SynapseParams p;
    p.kind = SynapseKind::HebbianSynapse;
    p.nIn = 3;
    p.nOut = 5;
    p.batchSize = 2;
    p.weightInit = WeightInit::uniform(-1, 1);
    p.seed = 42;
    if (bias) p.biasInit = WeightInit::uniform(-0.5, 0.5);
    return p;
}

std::string tempPath(const std::string& name) { return std::string(GRADED_NPZ_TMP) + "/" + name; }

std::string le16(unsigned v) { return {char(v & 0xff), char(v >> 8)}; }
std::string le32(unsigned v) { return le16(v & 0xffff) + le16(v >> 16); }

/** A stored zip member written out field by field (independent of npz::writeZip), with an
    extra field in the local header as Python's zipfile writes. */
std::string handZip(const std::string& name, const std::string& data) {
    const std::string extra = le16(0xcafe) + le16(4) + "abcd";
    const unsigned crc = npz::crc32(data);
    std::string local = le32(0x04034b50) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21) + le32(crc)
                        + le32(unsigned(data.size())) + le32(unsigned(data.size())) + le16(unsigned(name.size()))
                        + le16(unsigned(extra.size())) + name + extra + data;
    std::string central = le32(0x02014b50) + le16(20) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21)
                          + le32(crc) + le32(unsigned(data.size())) + le32(unsigned(data.size()))
                          + le16(unsigned(name.size())) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0) + le32(0) + name;
    return local + central + le32(0x06054b50) + le16(0) + le16(0) + le16(1) + le16(1) + le32(unsigned(central.size()))
           + le32(unsigned(local.size())) + le16(0);
}
} // namespace

TEMPLATE_TEST_CASE("synapse weights round-trip through .npz", "[synapse][npz]", float, double) {
    using T = TestType;
    for (bool bias : {false, true}) {
        HebbianSynapse<T> a(npzParams(bias));
        a.findCompartment("mask")->data[3] = T(0);
        a.refreshMask();
        const std::string path = tempPath(std::string("roundtrip_") + (sizeof(T) == 8 ? "d" : "f") + (bias ? "b" : "") + ".npz");
        npz::exportSynapse(a, path);
        auto p = npzParams(bias);
        p.seed = 7; // different weights to start with
        HebbianSynapse<T> b(p);
        npz::importSynapse(b, path);
        for (const char* name : {"weights", "biases", "mask"}) {
            const auto* x = a.findCompartment(name);
            const auto* y = b.findCompartment(name);
            INFO(name);
            REQUIRE(x->size() == y->size());
            for (int k = 0; k < x->size(); ++k) CHECK(x->data[k] == y->data[k]); // bit-exact
        }
        // the archive holds ngclearn's member names, stored, in T's dtype
        const auto members = npz::readZip(npz::readFile(path, npz::kMaxNpzBytes));
        REQUIRE(members.size() == 3);
        CHECK(members[0].first == "weights.npy");
        CHECK(members[1].first == "biases.npy");
        const auto w = npz::readNpy(members[0].second, "weights");
        CHECK(w.float64 == (sizeof(T) == 8));
        CHECK(w.shape == std::vector<std::int64_t>{3, 5});
        const auto bb = npz::readNpy(members[1].second, "biases");
        CHECK(bb.shape == (bias ? std::vector<std::int64_t>{1, 5} : std::vector<std::int64_t>{}));
        // a synapse of another shape refuses the file and keeps its weights
        auto q = npzParams(bias);
        q.nOut = 4;
        HebbianSynapse<T> c(q);
        const T before = c.weightData()[0];
        CHECK_THROWS_AS(npz::importSynapse(c, path), npz::Error);
        CHECK(c.weightData()[0] == before);
    }
}

TEST_CASE("a hand-built .npz is read", "[synapse][npz]") {
    std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 5), }";
    header.append(118 - 10 - header.size() - 1 + 10, ' ');
    header.resize(117, ' ');
    header += '\n'; // 10 + 118 = 128 bytes before the data
    std::string npy = std::string("\x93NUMPY\x01\x00", 8) + le16(unsigned(header.size())) + header;
    for (int k = 0; k < 15; ++k) {
        const double v = 0.25 * k - 1;
        std::string bytes(8, '\0');
        std::memcpy(&bytes[0], &v, 8);
        npy += bytes;
    }
    const std::string zip = handZip("weights.npy", npy);
    HebbianSynapse<double> s(npzParams(false));
    npz::importSynapseBytes(s, zip);
    for (int k = 0; k < 15; ++k) CHECK(s.weightData()[k] == 0.25 * k - 1);
    // a 1-d float32 array parses too
    const std::string h1 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }          \n";
    std::string one = std::string("\x93NUMPY\x01\x00", 8) + le16(unsigned(h1.size())) + h1;
    const float fs[2] = {1.5f, -2.0f};
    one.append(reinterpret_cast<const char*>(fs), 8);
    const auto a = npz::readNpy(one, "one");
    CHECK(a.shape == std::vector<std::int64_t>{2});
    CHECK(a.values == std::vector<double>{1.5, -2.0});
}

TEST_CASE("hostile .npz files get a clear error, never a crash", "[synapse][npz]") {
    HebbianSynapse<float> src(npzParams(true));
    const std::string path = tempPath("hostile_src.npz");
    npz::exportSynapse(src, path);
    const std::string good = npz::readFile(path, npz::kMaxNpzBytes);
    HebbianSynapse<float> s(npzParams(true));
    int errors = 0, accepted = 0;
    for (std::size_t n = 0; n < good.size(); ++n) { // every truncation
        try {
            npz::importSynapseBytes(s, std::string_view(good).substr(0, n));
            ++accepted;
        } catch (const npz::Error&) {
            ++errors;
        }
    }
    CHECK(accepted == 0);
    for (std::size_t at = 0; at < good.size(); ++at) // every byte flipped
        for (unsigned char x : {0x01, 0x80, 0xff}) {
            std::string bad = good;
            bad[at] = char(bad[at] ^ x);
            try {
                npz::importSynapseBytes(s, bad);
                ++accepted;
            } catch (const npz::Error&) {
                ++errors;
            }
        }
    CHECK(errors > int(good.size()));
    auto message = [&](const std::string& bytes) {
        try {
            npz::importSynapseBytes(s, bytes);
        } catch (const npz::Error& e) {
            return std::string(e.what());
        }
        return std::string("<accepted>");
    };
    CHECK(message("not a zip at all, just some text here") .find("zip") != std::string::npos);
    std::string npyHuge = "{'descr': '<f4', 'fortran_order': False, 'shape': (4000000000, 4000000000), }\n";
    CHECK(message(handZip("weights.npy", std::string("\x93NUMPY\x01\x00", 8) + le16(unsigned(npyHuge.size())) + npyHuge)).find("values") != std::string::npos);
    std::string npyInt = "{'descr': '<i8', 'fortran_order': False, 'shape': (3, 5), }\n";
    CHECK(message(handZip("weights.npy", std::string("\x93NUMPY\x01\x00", 8) + le16(unsigned(npyInt.size())) + npyInt + std::string(120, '\0'))).find("dtype") != std::string::npos);
    std::string npyF = "{'descr': '<f8', 'fortran_order': True, 'shape': (3, 5), }\n";
    CHECK(message(handZip("weights.npy", std::string("\x93NUMPY\x01\x00", 8) + le16(unsigned(npyF.size())) + npyF + std::string(120, '\0'))).find("Fortran") != std::string::npos);
    std::string compressed = handZip("weights.npy", "xxxx");
    compressed[8] = 8; // local header method: deflate
    compressed[compressed.find(std::string("PK\x01\x02", 4)) + 10] = 8;
    CHECK(message(compressed).find("compressed") != std::string::npos);
    std::string crc = handZip("weights.npy", "xxxx");
    crc[crc.find("xxxx")] = 'y';
    CHECK(message(crc).find("CRC") != std::string::npos);
    CHECK(message(handZip("other.npy", "x")).find("no weights.npy") != std::string::npos);
}

TEST_CASE("NumPy reads our .npz and we read NumPy's", "[synapse][npz][numpy]") {
    // the first python3 that has numpy: PATH's, then Debian's (a pyenv shim may come first)
    std::string python;
    for (const char* candidate : {"python3", "/usr/bin/python3"})
        if (python.empty() && std::system((std::string(candidate) + " -c 'import numpy' > /dev/null 2>&1").c_str()) == 0)
            python = candidate;
    if (python.empty()) {
        WARN("SKIPPED: no python3 with numpy here (apt-get install python3-numpy)");
        return;
    }
    HebbianSynapse<float> a(npzParams(true));
    const std::string ours = tempPath("numpy_ours.npz"), theirs = tempPath("numpy_theirs.npz");
    const std::string ref = tempPath("numpy_ref.txt");
    npz::exportSynapse(a, ours);
    {
        std::ofstream out(ref);
        out.precision(9);
        for (int k = 0; k < 15; ++k) out << a.weightData()[k] << "\n";
        for (int k = 0; k < 5; ++k) out << a.biasData()[k] << "\n";
    }
    // what JaxComponent.save / load do: np.savez(file, **{compartment: value}); np.load(file)
    const std::string script =
        "import numpy as np, sys\n"
        "d = np.load('" + ours + "')\n"
        "ref = np.loadtxt('" + ref + "')\n"
        "w, b = d['weights'], d['biases']\n"
        "assert w.dtype == np.float32 and w.shape == (3, 5), (w.dtype, w.shape)\n"
        "assert b.dtype == np.float32 and b.shape == (1, 5), (b.dtype, b.shape)\n"
        "assert np.allclose(w.ravel(), ref[:15], rtol=1e-6, atol=0), 'weights'\n"
        "assert np.allclose(b.ravel(), ref[15:], rtol=1e-6, atol=0), 'biases'\n"
        "np.savez('" + theirs + "', weights=(w * 2).astype(np.float32), biases=b - 1, mask=d['mask'],"
        " key=np.array([0, 7], dtype=np.uint32), dWeights=np.zeros((3, 5), np.float32))\n";
    const std::string scriptPath = tempPath("numpy_check.py");
    std::ofstream(scriptPath) << script;
    REQUIRE(std::system((python + " " + scriptPath).c_str()) == 0);
    HebbianSynapse<float> b(npzParams(true));
    npz::importSynapse(b, theirs);
    for (int k = 0; k < 15; ++k) CHECK(b.weightData()[k] == 2 * a.weightData()[k]);
    for (int k = 0; k < 5; ++k) CHECK(b.biasData()[k] == float(a.biasData()[k] - 1));
}
