// SPDX-License-Identifier: GPL-3.0-or-later
// Golden parity: every case of every file in Tests/Golden (recorded from ngclearn 3.2.0 in
// float64) replayed through the C++ cells, in double (1e-8 * max(1, |ref|)) and in float
// (the per-family tolerances documented in the README).
#include <catch2/catch.hpp>

#include "Golden/Golden.h"
#include "Synapses/SynapseGolden.h"

#include <filesystem>

using namespace graded;

namespace {
std::vector<std::string> goldenFiles() {
    std::vector<std::string> files;
    // The synapse files (dense_synapse.json, hebbian_synapse.json) replay in SynapseTests.cpp.
    for (const auto& e : std::filesystem::directory_iterator(GRADED_GOLDEN_DIR))
        if (e.path().extension() == ".json" && !synapse_golden::loadIfSynapses(e.path().string()))
            files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    return files;
}
} // namespace

TEMPLATE_TEST_CASE("golden parity with ngclearn", "[golden]", double, float) {
    using T = TestType;
    const auto files = goldenFiles();
    REQUIRE(files.size() >= 6);
    int cases = 0;
    for (const auto& path : files) {
        const auto file = golden::load(path);
        REQUIRE_FALSE(file.cases.empty());
        for (const auto& c : file.cases) {
            const double tol = golden::tolerance<T>(c);
            const auto r = golden::replay<T>(c, tol);
            INFO(c.id << " (" << path << "): max_rel_err=" << r.maxRelErr << " tol=" << tol);
            if (r.first)
                INFO("first mismatch: op " << r.first->op << " " << r.first->compartment << "["
                                           << r.first->row << "][" << r.first->col << "] ours="
                                           << r.first->ours << " ref=" << r.first->ref);
            CHECK(r.pass);
            ++cases;
        }
    }
    CHECK(cases >= 81);
}

TEST_CASE("the double tolerance is the issue's bound", "[golden]") {
    golden::Case c;
    c.cell = "RateCell";
    CHECK(golden::tolerance<double>(c) == 1e-8);
}

TEST_CASE("a wrong recorded value is caught", "[golden]") {
    auto file = golden::load(std::string(GRADED_GOLDEN_DIR) + "/rate_cell.json");
    auto c = file.cases.front();
    auto& out = c.ops[5].out;
    REQUIRE_FALSE(out.empty());
    for (auto& [name, t] : out)
        if (name == "z") t.values[1] += 1e-6;
    const auto r = golden::replay<double>(c, 1e-8);
    CHECK_FALSE(r.pass);
    REQUIRE(r.first);
    CHECK(r.first->op == 5);
    CHECK(r.first->compartment == "z");
    CHECK(r.first->col == 1);
}

TEST_CASE("malformed golden input gives an error naming the case and field", "[golden]") {
    auto errorOf = [](const std::string& json) -> std::string {
        try {
            auto f = golden::parse(json);
            for (const auto& c : f.cases) golden::replay<double>(c, 1e-8);
        } catch (const golden::Error& e) {
            return e.what();
        }
        return "";
    };
    CHECK(errorOf("{").find("not valid JSON") != std::string::npos);
    CHECK(errorOf("{\"cases\": 3}").find("cases") != std::string::npos);
    const std::string head = R"({"cases":[{"id":"x","cell":")";
    CHECK(errorOf(head + R"(Nope","dt":1,"ops":[]}]})").find("case x: cell") != std::string::npos);
    CHECK(errorOf(head + R"(RateCell","params":{"tau_q":1},"dt":1,"ops":[]}]})").find("case x: params.tau_q") != std::string::npos);
    CHECK(errorOf(head + R"(RateCell","params":{"n_units":2},"dt":1,"ops":[{"op":"advance","in":{"j":[[1,2,3]]}}]}]})")
              .find("case x: ops[0].in.j: shape [1][3] does not match") != std::string::npos);
    CHECK(errorOf(head + R"(RateCell","dt":1,"ops":[{"op":"advance","out":{"q":[[1]]}}]}]})")
              .find("no compartment 'q'") != std::string::npos);
    CHECK(errorOf(head + R"(RateCell","dt":1,"ops":[{"op":"jump"}]}]})").find("unknown op") != std::string::npos);
    CHECK(errorOf(head + R"(RateCell","dt":1,"ops":[{"op":"advance","in":{"j":[[1],[2,3]]}}]}]})")
              .find("row 0 has 1") != std::string::npos);
}
