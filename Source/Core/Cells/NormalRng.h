// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cmath>
#include <cstdint>

namespace graded {

/** A small, fast, seeded generator of unit-normal samples: xoshiro256+ for uniform bits and
    the Box-Muller transform (two samples per draw, no rejection loop, so every call costs
    the same). Deterministic across platforms for a given seed; never allocates. */
class NormalRng {
public:
    explicit NormalRng(std::uint64_t seed = 1) noexcept { reseed(seed); }

    void reseed(std::uint64_t seed) noexcept {
        std::uint64_t x = seed;
        for (auto& s : s_) s = splitmix64(x);
        hasSpare_ = false;
    }

    /** Uniform in (0, 1]: never 0, so log() stays finite. */
    double uniform() noexcept {
        return (static_cast<double>(next() >> 11) + 1.0) * (1.0 / 9007199254740992.0);
    }

    double normal() noexcept {
        if (hasSpare_) {
            hasSpare_ = false;
            return spare_;
        }
        const double r = std::sqrt(-2.0 * std::log(uniform()));
        const double phase = 6.283185307179586 * uniform();
        spare_ = r * std::sin(phase);
        hasSpare_ = true;
        return r * std::cos(phase);
    }

    std::uint64_t next() noexcept {
        const std::uint64_t result = s_[0] + s_[3];
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
    static std::uint64_t splitmix64(std::uint64_t& x) noexcept {
        std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }

    std::uint64_t s_[4]{};
    double spare_ = 0.0;
    bool hasSpare_ = false;
};

} // namespace graded
