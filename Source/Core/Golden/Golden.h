// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "../Cells/Cell.h"
#include "../Cells/CellFactory.h"

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace graded::golden {

/** A recorded value: a [rows][cols] array, or a plain number (`scalar`). */
struct Tensor {
    int rows = 0;
    int cols = 0;
    bool scalar = false;
    std::vector<double> values; // row-major
};

struct Op {
    enum class Kind { advance, reset, evolve };
    Kind kind = Kind::advance;
    std::vector<std::pair<std::string, Tensor>> in;
    std::vector<std::pair<std::string, Tensor>> out;
    std::optional<Tensor> eps; // LeakyNoiseCell: the step's unit-normal sample
};

struct Case {
    std::string id;
    std::string cell;
    std::string note;
    ParamMap params;
    double dt = 1.0;
    std::vector<Op> ops;
};

struct File {
    std::vector<Case> cases;
};

/** A malformed golden file or case: one line naming the case and the field. */
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/** Parses the golden format (Tests/Golden/README.md). Throws golden::Error. */
File parse(const std::string& jsonText);
/** Reads and parses a file. Throws golden::Error (also when it cannot be read). */
File load(const std::string& path);

struct Mismatch {
    int op = 0;
    std::string opName;
    std::string compartment;
    int row = 0;
    int col = 0;
    double ours = 0;
    double ref = 0;
};

struct Result {
    bool pass = true;
    double maxAbsErr = 0;
    /** max over values of |ours - ref| / max(1, |ref|): what the tolerance bounds. */
    double maxRelErr = 0;
    std::optional<Mismatch> first;
};

/** Replays one case through the C++ cell in precision T: reset, then every op, comparing
    every recorded value with |ours - ref| <= tol * max(1, |ref|). Throws golden::Error for
    an unknown cell, parameter or compartment, or a shape mismatch. */
template <typename T> Result replay(const Case& c, double tol);

/** The documented tolerance for a case in precision T (see Tests/Golden/README.md). */
template <typename T> double tolerance(const Case& c);

extern template Result replay<float>(const Case&, double);
extern template Result replay<double>(const Case&, double);
template <> double tolerance<float>(const Case&);
template <> double tolerance<double>(const Case&);

} // namespace graded::golden
