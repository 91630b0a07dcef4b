// SPDX-License-Identifier: GPL-3.0-or-later
#include "Npz.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <fstream>
#include <optional>

namespace graded::npz {
namespace {

[[noreturn]] void fail(const std::string& what) { throw Error(what); }

// ---- little-endian fields --------------------------------------------------------------
void put16(std::string& out, std::uint32_t v) {
    out.push_back(char(v & 0xff));
    out.push_back(char((v >> 8) & 0xff));
}
void put32(std::string& out, std::uint32_t v) {
    put16(out, v & 0xffff);
    put16(out, v >> 16);
}
std::uint32_t get16(std::string_view b, std::size_t at) {
    return std::uint32_t(std::uint8_t(b[at])) | std::uint32_t(std::uint8_t(b[at + 1])) << 8;
}
std::uint32_t get32(std::string_view b, std::size_t at) { return get16(b, at) | get16(b, at + 2) << 16; }
std::uint64_t get64(std::string_view b, std::size_t at) {
    return std::uint64_t(get32(b, at)) | std::uint64_t(get32(b, at + 4)) << 32;
}
/** Is [at, at + n) inside a buffer of `size` bytes (no overflow)? */
bool within(std::size_t size, std::uint64_t at, std::uint64_t n) { return at <= size && n <= size - at; }

// ---- .npy header -----------------------------------------------------------------------
std::string headerFor(const Array& a) {
    std::string shape = "(";
    for (std::size_t k = 0; k < a.shape.size(); ++k) shape += std::to_string(a.shape[k]) + (a.shape.size() == 1 ? "," : k + 1 < a.shape.size() ? ", " : "");
    shape += ")";
    std::string h = std::string("{'descr': '") + (a.float64 ? "<f8" : "<f4") + "', 'fortran_order': False, 'shape': " + shape + ", }";
    const std::size_t unpadded = 10 + h.size() + 1; // magic, version, length, text, '\n'
    h.append((64 - unpadded % 64) % 64, ' ');
    h.push_back('\n');
    return h;
}

/** The value of `key` in numpy's header dict (a Python literal), up to the next ',' at depth 0. */
std::optional<std::string> field(const std::string& h, const char* key) {
    const std::string quoted = std::string("'") + key + "'";
    const auto at = h.find(quoted);
    if (at == std::string::npos) return std::nullopt;
    auto p = h.find(':', at + quoted.size());
    if (p == std::string::npos) return std::nullopt;
    ++p;
    while (p < h.size() && h[p] == ' ') ++p;
    int depth = 0;
    std::size_t e = p;
    for (; e < h.size(); ++e) {
        const char c = h[e];
        if (c == '(') ++depth;
        else if (c == ')') --depth;
        else if ((c == ',' || c == '}') && depth == 0) break;
        if (depth < 0 || depth > 1) return std::nullopt;
    }
    return h.substr(p, e - p);
}

std::vector<std::int64_t> parseShape(const std::string& s, const std::string& what) {
    if (s.size() < 2 || s.front() != '(' || s.back() != ')') fail(what + ": header shape '" + s + "' is not a tuple");
    std::vector<std::int64_t> shape;
    std::size_t p = 1;
    while (p < s.size() - 1) {
        while (p < s.size() - 1 && (s[p] == ' ' || s[p] == ',')) ++p;
        if (p >= s.size() - 1) break;
        std::int64_t v = 0;
        std::size_t digits = 0;
        while (p < s.size() - 1 && s[p] >= '0' && s[p] <= '9') {
            if (++digits > 12) fail(what + ": a dimension of the shape is too large");
            v = v * 10 + (s[p++] - '0');
        }
        if (digits == 0) fail(what + ": header shape '" + s + "' is not a tuple of whole numbers");
        shape.push_back(v);
        if (shape.size() > 8) fail(what + ": more than 8 dimensions");
    }
    return shape;
}

void checkMemberName(const std::string& name) {
    if (name.empty() || name.size() > 255) fail("zip: a member name is empty or longer than 255 bytes");
}

} // namespace

std::uint32_t crc32(std::string_view bytes) noexcept {
    static const auto table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t n = 0; n < 256; ++n) {
            std::uint32_t c = n;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }();
    std::uint32_t c = 0xffffffffu;
    for (const char ch : bytes) c = table[(c ^ std::uint8_t(ch)) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

std::string writeNpy(const Array& a) {
    std::int64_t n = 1;
    for (const auto d : a.shape) n *= d;
    if (std::size_t(n) != a.values.size()) fail("npy: the shape does not match the number of values");
    const std::string header = headerFor(a);
    std::string out = "\x93NUMPY";
    out.push_back('\x01');
    out.push_back('\x00');
    put16(out, std::uint32_t(header.size()));
    out += header;
    for (const double v : a.values) {
        if (a.float64) {
            std::uint64_t bits;
            std::memcpy(&bits, &v, 8);
            put32(out, std::uint32_t(bits));
            put32(out, std::uint32_t(bits >> 32));
        } else {
            const float f = float(v);
            std::uint32_t bits;
            std::memcpy(&bits, &f, 4);
            put32(out, bits);
        }
    }
    return out;
}

Array readNpy(std::string_view b, const std::string& what) {
    if (b.size() < 10 || b.substr(0, 6) != std::string_view("\x93NUMPY", 6)) fail(what + ": not a .npy array (no \\x93NUMPY magic)");
    const int major = std::uint8_t(b[6]);
    std::size_t headerLen = 0, start = 0;
    if (major == 1) {
        headerLen = get16(b, 8);
        start = 10;
    } else if (major == 2 || major == 3) {
        if (b.size() < 12) fail(what + ": truncated header");
        headerLen = get32(b, 8);
        start = 12;
    } else {
        fail(what + ": .npy format version " + std::to_string(major) + " is not supported (1, 2 or 3)");
    }
    if (headerLen > 65536 || !within(b.size(), start, headerLen)) fail(what + ": the header length runs past the file");
    const std::string h(b.substr(start, headerLen));
    const auto descr = field(h, "descr"), fortran = field(h, "fortran_order"), shape = field(h, "shape");
    if (!descr || !fortran || !shape) fail(what + ": the header lacks descr, fortran_order or shape");
    Array a;
    if (*descr == "'<f8'") a.float64 = true;
    else if (*descr == "'<f4'") a.float64 = false;
    else fail(what + ": dtype " + *descr + " is not supported ('<f4' or '<f8')");
    if (*fortran != "False") fail(what + ": Fortran-ordered arrays are not supported (save a C-ordered copy)");
    a.shape = parseShape(*shape, what);
    std::int64_t n = 1;
    for (const auto d : a.shape) {
        if (d > kMaxValues) fail(what + ": too many values");
        n *= d;
        if (n > kMaxValues) fail(what + ": more than " + std::to_string(kMaxValues) + " values");
    }
    const std::size_t width = a.float64 ? 8 : 4, data = start + headerLen;
    if (b.size() - data != std::size_t(n) * width)
        fail(what + ": holds " + std::to_string(b.size() - data) + " data bytes, the shape needs " + std::to_string(std::size_t(n) * width));
    a.values.resize(std::size_t(n));
    for (std::size_t k = 0; k < std::size_t(n); ++k) {
        if (a.float64) {
            const std::uint64_t bits = get64(b, data + 8 * k);
            std::memcpy(&a.values[k], &bits, 8);
        } else {
            const std::uint32_t bits = get32(b, data + 4 * k);
            float f;
            std::memcpy(&f, &bits, 4);
            a.values[k] = f;
        }
    }
    return a;
}

std::string writeZip(const std::vector<std::pair<std::string, std::string>>& members) {
    std::string out, central;
    for (const auto& member : members) {
        // (named references, not a structured binding: C++17 lambdas cannot capture those)
        const std::string& name = member.first;
        const std::string& bytes = member.second;
        checkMemberName(name);
        if (out.size() + bytes.size() + name.size() + 30 > kMaxNpzBytes) fail("zip: larger than the .npz limit");
        const std::uint32_t crc = crc32(bytes), offset = std::uint32_t(out.size());
        auto common = [&](std::string& s) { // version needed .. extra length
            put16(s, 20);
            put16(s, 0);     // flags
            put16(s, 0);     // stored
            put16(s, 0);     // time
            put16(s, 0x21);  // date: 1980-01-01
            put32(s, crc);
            put32(s, std::uint32_t(bytes.size()));
            put32(s, std::uint32_t(bytes.size()));
            put16(s, std::uint32_t(name.size()));
            put16(s, 0);
        };
        put32(out, 0x04034b50);
        common(out);
        out += name;
        out += bytes;
        put32(central, 0x02014b50);
        put16(central, 20); // made by
        common(central);
        put16(central, 0); // comment
        put16(central, 0); // disk
        put16(central, 0); // internal attributes
        put32(central, 0); // external attributes
        put32(central, offset);
        central += name;
    }
    const std::uint32_t cdOffset = std::uint32_t(out.size());
    out += central;
    put32(out, 0x06054b50);
    put16(out, 0);
    put16(out, 0);
    put16(out, std::uint32_t(members.size()));
    put16(out, std::uint32_t(members.size()));
    put32(out, std::uint32_t(central.size()));
    put32(out, cdOffset);
    put16(out, 0);
    return out;
}

std::vector<std::pair<std::string, std::string>> readZip(std::string_view b) {
    if (b.size() > kMaxNpzBytes) fail("zip: larger than " + std::to_string(kMaxNpzBytes) + " bytes");
    if (b.size() < 22) fail("zip: too short to be a zip archive");
    // the end-of-central-directory record: within the last 22 + 65535 bytes
    std::size_t eocd = std::string_view::npos;
    const std::size_t lowest = b.size() >= 22 + 65535 ? b.size() - 22 - 65535 : 0;
    for (std::size_t p = b.size() - 22 + 1; p-- > lowest;)
        if (get32(b, p) == 0x06054b50) {
            eocd = p;
            break;
        }
    if (eocd == std::string_view::npos) fail("zip: no end-of-central-directory record (not a zip archive?)");
    const std::uint32_t count = get16(b, eocd + 10), cdSize = get32(b, eocd + 12), cdOffset = get32(b, eocd + 16);
    if (count == 0xffff || cdOffset == 0xffffffffu) fail("zip: ZIP64 archives are not supported");
    if (count > std::uint32_t(kMaxMembers)) fail("zip: more than " + std::to_string(kMaxMembers) + " members");
    if (!within(b.size(), cdOffset, cdSize)) fail("zip: the central directory runs past the file");
    std::vector<std::pair<std::string, std::string>> members;
    std::size_t p = cdOffset;
    for (std::uint32_t m = 0; m < count; ++m) {
        if (!within(cdOffset + std::size_t(cdSize), p, 46) || get32(b, p) != 0x02014b50) fail("zip: a central directory entry is damaged");
        const std::uint32_t flags = get16(b, p + 8), method = get16(b, p + 10), crc = get32(b, p + 16);
        std::uint64_t packed = get32(b, p + 20), size = get32(b, p + 24);
        const std::uint32_t nameLen = get16(b, p + 28), extraLen = get16(b, p + 30), commentLen = get16(b, p + 32);
        std::uint64_t local = get32(b, p + 42);
        if (!within(b.size(), p + 46, std::uint64_t(nameLen) + extraLen + commentLen)) fail("zip: a central directory entry runs past the file");
        const std::string name(b.substr(p + 46, nameLen));
        checkMemberName(name);
        // ZIP64 sizes in the extra field (numpy's savez asks zipfile for force_zip64)
        for (std::size_t e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen;) {
            const std::uint32_t id = get16(b, e), len = get16(b, e + 2);
            if (!within(p + 46 + std::size_t(nameLen) + extraLen, e + 4, len)) fail("zip: " + name + ": a damaged extra field");
            if (id == 0x0001) {
                std::size_t q = e + 4;
                auto next = [&](std::uint64_t& v) {
                    if (v != 0xffffffffu) return;
                    if (q + 8 > e + 4 + len) fail("zip: " + name + ": a damaged ZIP64 field");
                    v = get64(b, q);
                    q += 8;
                };
                next(size);
                next(packed);
                next(local);
            }
            e += 4 + len;
        }
        p += 46 + std::size_t(nameLen) + extraLen + commentLen;
        if (flags & 1) fail("zip: " + name + " is encrypted");
        if (method != 0) fail("zip: " + name + " is compressed (method " + std::to_string(method) + "); save with np.savez, not np.savez_compressed");
        if (packed != size) fail("zip: " + name + ": stored sizes disagree");
        if (!within(b.size(), local, 30) || get32(b, local) != 0x04034b50) fail("zip: " + name + ": the local header is missing");
        const std::uint64_t data = local + 30 + get16(b, local + 26) + get16(b, local + 28);
        if (!within(b.size(), data, size)) fail("zip: " + name + ": the data runs past the file");
        std::string bytes(b.substr(data, size));
        if (crc32(bytes) != crc) fail("zip: " + name + ": CRC-32 mismatch (damaged file)");
        members.emplace_back(name, std::move(bytes));
    }
    return members;
}

void writeFile(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out || !out.write(bytes.data(), std::streamsize(bytes.size())) || !out.flush())
        fail(path + ": cannot be written");
}

std::string readFile(const std::string& path, std::size_t maxBytes) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    const std::streamoff size = in ? std::streamoff(in.tellg()) : -1;
    if (size < 0) fail(path + ": cannot be read");
    if (std::uint64_t(size) > maxBytes) fail(path + ": larger than " + std::to_string(maxBytes) + " bytes");
    std::string bytes(std::size_t(size), '\0');
    in.seekg(0);
    if (size > 0 && !in.read(&bytes[0], size)) fail(path + ": cannot be read");
    return bytes;
}

template <typename T> void exportSynapse(const DenseSynapse<T>& s, const std::string& path) {
    const bool f64 = sizeof(T) == 8;
    auto arrayOf = [&](const char* name, std::vector<std::int64_t> shape) {
        const auto* c = s.findCompartment(name);
        Array a;
        a.shape = std::move(shape);
        a.float64 = f64;
        a.values.assign(c->data, c->data + c->size());
        return a;
    };
    std::vector<std::pair<std::string, std::string>> members;
    members.emplace_back("weights.npy", writeNpy(arrayOf("weights", {s.nIn(), s.nOut()})));
    members.emplace_back("biases.npy", writeNpy(s.hasBiases() ? arrayOf("biases", {1, s.nOut()}) : arrayOf("biases", {})));
    members.emplace_back("mask.npy", writeNpy(arrayOf("mask", {s.nIn(), s.nOut()})));
    writeFile(path, writeZip(members));
}

template <typename T> void importSynapseBytes(DenseSynapse<T>& s, std::string_view bytes) {
    std::optional<Array> weights, biases, mask;
    for (const auto& [name, data] : readZip(bytes)) {
        if (name == "weights.npy") weights = readNpy(data, name);
        else if (name == "biases.npy") biases = readNpy(data, name);
        else if (name == "mask.npy") mask = readNpy(data, name);
        // other compartments (inputs, key, opt_params, ...) are not ours to load
    }
    if (!weights) fail("no weights.npy in the archive");
    const std::int64_t ni = s.nIn(), no = s.nOut();
    auto shapeText = [](const std::vector<std::int64_t>& sh) {
        std::string t = "(";
        for (auto d : sh) t += std::to_string(d) + ",";
        return t + ")";
    };
    auto requireMatrix = [&](const Array& a, const char* name) {
        if (a.shape != std::vector<std::int64_t>{ni, no})
            fail(std::string(name) + ".npy: shape " + shapeText(a.shape) + " does not match the synapse's (" + std::to_string(ni) + "," + std::to_string(no) + ",)");
        for (double v : a.values)
            if (!std::isfinite(v)) fail(std::string(name) + ".npy: holds a value that is not finite");
    };
    requireMatrix(*weights, "weights");
    if (mask) requireMatrix(*mask, "mask");
    if (biases) {
        for (double v : biases->values)
            if (!std::isfinite(v)) fail("biases.npy: holds a value that is not finite");
        const bool vector = biases->shape == std::vector<std::int64_t>{1, no} || biases->shape == std::vector<std::int64_t>{no};
        const bool scalarZero = biases->values.size() == 1 && biases->values[0] == 0.0;
        if (s.hasBiases() && !vector) fail("biases.npy: shape " + shapeText(biases->shape) + " is not (1," + std::to_string(no) + ",)");
        if (!s.hasBiases() && !scalarZero && !(vector && std::all_of(biases->values.begin(), biases->values.end(), [](double v) { return v == 0.0; })))
            fail("biases.npy: the file has biases but this synapse has no bias (give it a bias_init)");
        if (!s.hasBiases()) biases.reset();
    }
    // everything checked: now write
    auto copy = [&](const char* name, const Array& a) {
        const auto* c = s.findCompartment(name);
        for (int k = 0; k < c->size(); ++k) c->data[k] = T(a.values[std::size_t(k)]);
    };
    copy("weights", *weights);
    if (biases) copy("biases", *biases);
    if (mask) {
        copy("mask", *mask);
        s.refreshMask();
    }
}

template <typename T> void importSynapse(DenseSynapse<T>& s, const std::string& path) {
    const std::string bytes = readFile(path, kMaxNpzBytes);
    try {
        importSynapseBytes(s, bytes);
    } catch (const Error& e) {
        fail(path + ": " + e.what());
    }
}

template void exportSynapse<float>(const DenseSynapse<float>&, const std::string&);
template void exportSynapse<double>(const DenseSynapse<double>&, const std::string&);
template void importSynapse<float>(DenseSynapse<float>&, const std::string&);
template void importSynapse<double>(DenseSynapse<double>&, const std::string&);
template void importSynapseBytes<float>(DenseSynapse<float>&, std::string_view);
template void importSynapseBytes<double>(DenseSynapse<double>&, std::string_view);

} // namespace graded::npz
