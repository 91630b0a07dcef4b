// SPDX-License-Identifier: GPL-3.0-or-later
#include "Commands.h"

#include "Golden/Golden.h"

#include <cstdio>
#include <string>

namespace graded::cli {

const char* const kReplayHelp =
    "usage: graded-cli replay FILE.json [--precision double|float] [--case ID]\n"
    "\n"
    "Replays every case of a golden trajectory file (the format of Tests/Golden/README.md,\n"
    "which you can also write from your own ngclearn runs) through the C++ cells and compares\n"
    "every recorded value.\n"
    "\n"
    "  --precision P  double (default) or float\n"
    "  --case ID      replay only the case with this id\n"
    "  --tolerance E  override the pass bound: |ours - ref| <= E * max(1, |ref|)\n"
    "                 (defaults: 1e-8 in double; per family in float, see Tests/Golden/README.md)\n"
    "\n"
    "Prints one line per case:\n"
    "  PASS <id> max_abs_err=<e> max_rel_err=<e>\n"
    "  FAIL <id> max_abs_err=<e> max_rel_err=<e> first: op <i> (<op>) <comp>[r][c] ours=<v> ref=<v>\n"
    "and last 'N passed, M failed'. Exit status: 0 all passed, 1 some failed, 2 a malformed\n"
    "file, an unknown cell, parameter or compartment, or a shape mismatch (one-line error).\n";

namespace {

template <typename T>
int replayAll(const golden::File& file, const std::string& only, double tolOverride) {
    struct Line { std::string text; bool pass; };
    std::vector<Line> lines;
    // Every case is checked before anything is printed, so a malformed case yields one
    // error line and exit 2 rather than a partial report.
    for (const auto& c : file.cases) {
        if (!only.empty() && c.id != only) continue;
        const double tol = tolOverride > 0 ? tolOverride : golden::tolerance<T>(c);
        const auto r = golden::replay<T>(c, tol);
        char buf[512];
        std::snprintf(buf, sizeof buf, "%s %s max_abs_err=%.3g max_rel_err=%.3g",
                      r.pass ? "PASS" : "FAIL", c.id.c_str(), r.maxAbsErr, r.maxRelErr);
        std::string text = buf;
        if (r.first) {
            const auto& m = *r.first;
            std::snprintf(buf, sizeof buf, " tol=%.3g first: op %d (%s) %s[%d][%d] ours=%.17g ref=%.17g",
                          tol, m.op, m.opName.c_str(), m.compartment.c_str(), m.row, m.col,
                          m.ours, m.ref);
            text += buf;
        }
        lines.push_back({text, r.pass});
    }
    if (!only.empty() && lines.empty()) {
        std::fprintf(stderr, "graded-cli replay: error: --case: no case '%s' in the file\n", only.c_str());
        return 2;
    }
    int passed = 0, failed = 0;
    for (const auto& l : lines) {
        std::printf("%s\n", l.text.c_str());
        (l.pass ? passed : failed)++;
    }
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

} // namespace

int runReplay(const std::vector<std::string>& args) {
    std::string file, precision = "double", only;
    double tol = 0;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&](const char* opt) -> std::string {
            if (i + 1 >= args.size()) throw std::invalid_argument(std::string(opt) + " needs a value");
            return args[++i];
        };
        if (a == "--help" || a == "-h") {
            std::fputs(kReplayHelp, stdout);
            return 0;
        } else if (a == "--precision") {
            precision = value("--precision");
        } else if (a == "--case") {
            only = value("--case");
        } else if (a == "--tolerance") {
            const std::string v = value("--tolerance");
            try {
                tol = std::stod(v);
            } catch (...) {
                tol = -1;
            }
            if (!(tol > 0)) throw std::invalid_argument("--tolerance must be a positive number");
        } else if (!a.empty() && a[0] == '-') {
            throw std::invalid_argument("unknown option '" + a + "' (see --help)");
        } else if (file.empty()) {
            file = a;
        } else {
            throw std::invalid_argument("more than one FILE given ('" + a + "')");
        }
    }
    if (file.empty()) throw std::invalid_argument("no FILE.json given (see --help)");
    if (precision != "double" && precision != "float")
        throw std::invalid_argument("--precision must be double or float");
    const auto parsed = golden::load(file);
    return precision == "double" ? replayAll<double>(parsed, only, tol)
                                 : replayAll<float>(parsed, only, tol);
}

} // namespace graded::cli
