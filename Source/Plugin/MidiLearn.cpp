// SPDX-License-Identifier: GPL-3.0-or-later
#include "MidiLearn.h"

#include <cmath>
#include <cstring>
#include <stdexcept>

namespace graded::plugin {

namespace {

std::uint64_t pack(float normalised, float plain) noexcept {
    std::uint32_t n = 0, v = 0;
    std::memcpy(&n, &normalised, 4);
    std::memcpy(&v, &plain, 4);
    return (static_cast<std::uint64_t>(v) << 32) | n;
}
float plainOf(std::uint64_t bits) noexcept {
    const auto v = static_cast<std::uint32_t>(bits >> 32);
    float f = 0.f;
    std::memcpy(&f, &v, 4);
    return f;
}
float normalisedOf(std::uint64_t bits) noexcept {
    const auto n = static_cast<std::uint32_t>(bits & 0xffffffffu);
    float f = 0.f;
    std::memcpy(&f, &n, 4);
    return f;
}

} // namespace

// --- ParameterOverrides --------------------------------------------------------------------

ParameterOverrides::ParameterOverrides() {
    for (auto& s : slots_) s.store(kNone);
}

void ParameterOverrides::bind(juce::AudioProcessorValueTreeState& state) {
    for (int i = 0; i < kNumHostParams; ++i) {
        auto* p = state.getParameter(parameterId(static_cast<HostParam>(i)));
        jassert(p != nullptr);
        params_[static_cast<size_t>(i)] = p;
        for (int v = 0; v < 128; ++v)
            ccPlain_[static_cast<size_t>(i)][static_cast<size_t>(v)] = p != nullptr ? p->convertFrom0to1(static_cast<float>(v) / 127.f) : 0.f;
    }
}

void ParameterOverrides::set(HostParam p, float normalised, float plain) noexcept {
    const auto i = static_cast<size_t>(p);
    if (i >= slots_.size() || !std::isfinite(normalised) || !std::isfinite(plain)) return;
    slots_[i].store(pack(juce::jlimit(0.f, 1.f, normalised), plain), std::memory_order_release);
}

void ParameterOverrides::apply(HostControls& controls) const noexcept {
    for (size_t i = 0; i < slots_.size(); ++i) {
        const auto bits = slots_[i].load(std::memory_order_acquire);
        if (bits != kNone) controls.values[i] = plainOf(bits);
    }
}

int ParameterOverrides::commit() {
    int n = 0;
    for (size_t i = 0; i < slots_.size(); ++i) {
        auto bits = slots_[i].load(std::memory_order_acquire);
        if (bits == kNone || params_[i] == nullptr) continue;
        // The parameter first (its raw value then equals the slot's), then the slot is
        // cleared unless a newer value arrived meanwhile (it is committed next time).
        params_[i]->setValueNotifyingHost(normalisedOf(bits));
        slots_[i].compare_exchange_strong(bits, kNone, std::memory_order_acq_rel);
        ++n;
    }
    return n;
}

std::optional<float> ParameterOverrides::pending(HostParam p) const noexcept {
    const auto bits = slots_[static_cast<size_t>(p)].load(std::memory_order_acquire);
    if (bits == kNone) return std::nullopt;
    return plainOf(bits);
}

// --- MidiLearn -----------------------------------------------------------------------------

MidiLearn::MidiLearn() {
    for (auto& c : ccToParam_) c.store(kNone);
    blockValue_.fill(-1);
}

std::optional<HostParam> MidiLearn::armed() const noexcept {
    const int a = armed_.load();
    if (a < 0 || a >= kNumHostParams) return std::nullopt;
    return static_cast<HostParam>(a);
}

void MidiLearn::assign(int cc, int param) noexcept {
    for (int c = 0; c < 128; ++c)
        if (c != cc && ccToParam_[static_cast<size_t>(c)].load(std::memory_order_relaxed) == param)
            ccToParam_[static_cast<size_t>(c)].store(kNone, std::memory_order_relaxed);
    ccToParam_[static_cast<size_t>(cc)].store(param, std::memory_order_release);
    serial_.fetch_add(1, std::memory_order_relaxed);
}

bool MidiLearn::map(int cc, HostParam p) noexcept {
    const int param = static_cast<int>(p);
    if (cc < 0 || cc >= 120 || param < 0 || param >= kNumHostParams) return false;
    assign(cc, param);
    return true;
}

void MidiLearn::clearCc(int cc) noexcept {
    if (cc < 0 || cc >= 128) return;
    ccToParam_[static_cast<size_t>(cc)].store(kNone);
    serial_.fetch_add(1);
}

void MidiLearn::clearParam(HostParam p) noexcept {
    for (auto& c : ccToParam_)
        if (c.load() == static_cast<int>(p)) c.store(kNone);
    serial_.fetch_add(1);
}

void MidiLearn::clearAll() noexcept {
    for (auto& c : ccToParam_) c.store(kNone);
    armed_.store(kNone);
    serial_.fetch_add(1);
}

int MidiLearn::ccFor(HostParam p) const noexcept {
    for (int c = 0; c < 128; ++c)
        if (ccToParam_[static_cast<size_t>(c)].load() == static_cast<int>(p)) return c;
    return kNone;
}

std::optional<HostParam> MidiLearn::paramFor(int cc) const noexcept {
    if (cc < 0 || cc >= 128) return std::nullopt;
    const int p = ccToParam_[static_cast<size_t>(cc)].load();
    if (p < 0 || p >= kNumHostParams) return std::nullopt;
    return static_cast<HostParam>(p);
}

std::vector<std::pair<int, HostParam>> MidiLearn::mappings() const {
    std::vector<std::pair<int, HostParam>> out;
    for (int c = 0; c < 128; ++c)
        if (auto p = paramFor(c)) out.emplace_back(c, *p);
    return out;
}

void MidiLearn::process(const juce::MidiBuffer& midi, const ReservedCcs& reserved, ParameterOverrides& out) noexcept {
    bool any = false;
    for (const auto meta : midi) {
        if (meta.numBytes < 3 || (meta.data[0] & 0xF0) != 0xB0) continue;
        const int cc = meta.data[1] & 0x7F, value = meta.data[2] & 0x7F;
        if (reserved.contains(cc)) {
            if (armed_.load(std::memory_order_relaxed) != kNone) {
                lastRefusedCc_.store(cc, std::memory_order_relaxed);
                refusals_.fetch_add(1, std::memory_order_relaxed);
                serial_.fetch_add(1, std::memory_order_relaxed);
            }
            continue; // a reserved CC does its own job only
        }
        int armed = armed_.load(std::memory_order_acquire);
        if (armed != kNone && armed_.compare_exchange_strong(armed, kNone, std::memory_order_acq_rel) && armed >= 0
            && armed < kNumHostParams)
            assign(cc, armed);
        const int p = ccToParam_[static_cast<size_t>(cc)].load(std::memory_order_acquire);
        if (p < 0 || p >= kNumHostParams) continue;
        blockValue_[static_cast<size_t>(p)] = value;
        any = true;
    }
    if (!any) return;
    for (int p = 0; p < kNumHostParams; ++p) {
        const int v = blockValue_[static_cast<size_t>(p)];
        if (v < 0) continue;
        blockValue_[static_cast<size_t>(p)] = -1;
        const auto param = static_cast<HostParam>(p);
        out.set(param, static_cast<float>(v) / 127.f, out.plainForCc(param, v));
        applied_.fetch_add(1, std::memory_order_relaxed);
    }
}

// --- state ---------------------------------------------------------------------------------

juce::ValueTree MidiLearnState::toValueTree() const {
    juce::ValueTree tree("MidiLearn");
    tree.setProperty("version", kVersion, nullptr);
    for (const auto& [cc, p] : maps) {
        juce::ValueTree m("Map");
        m.setProperty("cc", cc, nullptr);
        m.setProperty("param", parameterId(p), nullptr);
        tree.appendChild(m, nullptr);
    }
    return tree;
}

MidiLearnState MidiLearnState::fromValueTree(const juce::ValueTree& tree) {
    MidiLearnState s;
    const auto version = tree.getProperty("version", kVersion);
    if (!(version.isInt() || version.isInt64() || version.isString()) || version.toString().getIntValue() < 1
        || !version.toString().trim().containsOnly("0123456789"))
        throw std::runtime_error("malformed MidiLearn version");
    if (tree.getNumChildren() > 128) throw std::runtime_error("MidiLearn: more than 128 mappings");
    std::array<bool, 128> seenCc{};
    std::array<bool, kNumHostParams> seenParam{};
    for (const auto& child : tree) {
        if (!child.hasType("Map")) continue; // a newer version's element
        const auto ccText = child.getProperty("cc").toString().trim();
        if (ccText.isEmpty() || ccText.length() > 3 || !ccText.containsOnly("0123456789"))
            throw std::runtime_error("MidiLearn: malformed cc '" + ccText.substring(0, 16).toStdString() + "'");
        const int cc = ccText.getIntValue();
        if (cc >= 120) throw std::runtime_error("MidiLearn: cc " + std::to_string(cc) + " out of range 0..119");
        const auto id = child.getProperty("param").toString().toStdString();
        const HostParam p = findHostParam(id);
        if (p == HostParam::count) continue; // a parameter from a newer version
        if (seenCc[static_cast<size_t>(cc)] || seenParam[static_cast<size_t>(p)])
            throw std::runtime_error("MidiLearn: cc " + std::to_string(cc) + " or parameter '" + id + "' mapped twice");
        seenCc[static_cast<size_t>(cc)] = true;
        seenParam[static_cast<size_t>(p)] = true;
        s.maps.emplace_back(cc, p);
    }
    return s;
}

} // namespace graded::plugin
