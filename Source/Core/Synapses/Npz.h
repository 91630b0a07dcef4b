// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// NumPy interop for synapse weights: `.npy` (format version 1.0 written; 1.0, 2.0 and 3.0
// read; '<f4' or '<f8', C order) inside an uncompressed `.npz` (a zip of `.npy` members).
// Our own zip writer and reader (stored members only, CRC-32 checked), no dependency.
//
// ngclearn's JaxComponent.save(directory) writes `<directory>/<name>.npz` with np.savez, one
// member `<compartment>.npy` per compartment that is not wired ("weights", "biases", "mask",
// ...); load() sets every compartment whose name is in the file. exportSynapse / importSynapse
// write and read that layout: "weights" [n_in][n_out], "biases" [1][n_out] (a 0-d 0 without a
// bias, as ngclearn's scalar bias), "mask" [n_in][n_out].
//
// Every size read from a file is checked against the file and against the limits below
// before anything is allocated; a malformed or hostile file gets npz::Error, never a crash.

#include "Synapse.h"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace graded::npz {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/** Largest .npz accepted or written (three float64 arrays of the largest synapse fit). */
inline constexpr std::size_t kMaxNpzBytes = std::size_t(128) << 20;
/** Most members read from one archive (ngclearn writes about a dozen). */
inline constexpr int kMaxMembers = 256;
/** Most values in one array. */
inline constexpr std::int64_t kMaxValues = kMaxSynapseWeights;

struct Array {
    std::vector<std::int64_t> shape; // () for a 0-d array
    bool float64 = true;             // '<f8', else '<f4'
    std::vector<double> values;      // C order
};

std::uint32_t crc32(std::string_view bytes) noexcept;

std::string writeNpy(const Array& a);
/** Parses one .npy; `what` names it in errors. */
Array readNpy(std::string_view bytes, const std::string& what);

/** An uncompressed zip of `members` (name, bytes). */
std::string writeZip(const std::vector<std::pair<std::string, std::string>>& members);
/** The members of a zip archive (stored ones; a compressed member is an error). */
std::vector<std::pair<std::string, std::string>> readZip(std::string_view bytes);

void writeFile(const std::string& path, const std::string& bytes);
std::string readFile(const std::string& path, std::size_t maxBytes);

/** Writes the synapse's weights, biases and mask as ngclearn's save() would, in T's dtype. */
template <typename T> void exportSynapse(const DenseSynapse<T>& s, const std::string& path);
/** Reads weights (required), biases and mask (optional) into the synapse; the shapes must
    match. All-or-nothing: nothing changes unless the whole file is good. Not real-time. */
template <typename T> void importSynapse(DenseSynapse<T>& s, const std::string& path);
/** The same from the archive's bytes. */
template <typename T> void importSynapseBytes(DenseSynapse<T>& s, std::string_view bytes);

} // namespace graded::npz
