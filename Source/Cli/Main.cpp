// SPDX-License-Identifier: GPL-3.0-or-later
// graded-cli: the GradedCells command-line tool.
#include "Commands.h"
#if GRADED_CLI_HAVE_RENDER
#include "Weights.h"
#endif

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

namespace {

constexpr const char* kUsage =
    "graded-cli - GradedCells command-line tool (ngclearn graded cells in C++)\n"
    "\n"
    "usage: graded-cli <command> [options]\n"
    "\n"
    "commands:\n"
    "  replay FILE.json [--precision double|float] [--case ID]\n"
    "         replay golden trajectories recorded from ngclearn through the C++ cells\n"
    "  render [--patch NAME|FILE.json] [IN.wav] OUT.wav [--set PARAM=VALUE]... [--midi IN.mid]\n"
    "         [--block N] [--trace OUT.csv] [--plot OUT.png]\n"
    "         run the GradedCells plugin over a WAV/AIFF file (or a built-in demo clip)\n"
    "  soak [--minutes M] [--patch NAME] [--seed S] [--bound B] [--rss-tolerance MIB]\n"
    "         run every factory patch through the plugin with random automation, MIDI, patch\n"
    "         switches and hostile input; fails if the output is not finite and bounded or\n"
    "         memory grows\n"
    "  weights export --patch FILE.json|NAME [--in IN.wav] --out DIR [--seconds S] [--set P=V]...\n"
    "         run a patch (it learns), then write each synapse's weights as DIR/<id>.npz\n"
    "         (ngclearn's component save() layout, loadable with numpy.load)\n"
    "\n"
    "Run 'graded-cli <command> --help' for a command's options.\n";

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    const std::string cmd = argv[1];
    std::vector<std::string> args(argv + 2, argv + argc);
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
        std::fputs(kUsage, stdout);
        return 0;
    }
    try {
        if (cmd == "replay") return graded::cli::runReplay(args);
        if (cmd == "render" || cmd == "soak" || cmd == "weights") {
#if GRADED_CLI_HAVE_RENDER
            if (cmd == "weights") return graded::cli::runWeights(args);
            return cmd == "render" ? graded::cli::runRender(args) : graded::cli::runSoak(args);
#else
            std::fprintf(stderr, "graded-cli %s: error: %s needs the plugin build "
                                 "(configure with -DGRADED_BUILD_PLUGIN=ON)\n", cmd.c_str(), cmd.c_str());
            return 2;
#endif
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "graded-cli %s: error: %s\n", cmd.c_str(), e.what());
        return 2;
    }
    std::fprintf(stderr, "graded-cli: unknown command '%s' (try --help)\n", cmd.c_str());
    return 2;
}
