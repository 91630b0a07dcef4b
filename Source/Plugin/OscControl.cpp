// SPDX-License-Identifier: GPL-3.0-or-later
#include "OscControl.h"

#include <cmath>
#include <stdexcept>

#if JUCE_LINUX || JUCE_BSD || JUCE_MAC
 #include <sys/socket.h>
#endif

namespace graded::plugin {

namespace {

const juce::String kPrefix = "/gradedcells/";

/** An int32 or float32 argument as a float (nullopt for any other type). */
std::optional<float> numberOf(const juce::OSCArgument& a) {
    if (a.isFloat32()) return a.getFloat32();
    if (a.isInt32()) return static_cast<float>(a.getInt32());
    return std::nullopt;
}

OscAction bad(const juce::String& address, const juce::String& why) {
    OscAction a;
    a.kind = OscAction::ignored;
    a.error = address.substring(0, 80) + ": " + why;
    return a;
}

/** A trigger: no argument, or one number (>= 0.5 triggers; below does nothing, as a
    button's release). */
OscAction trigger(const juce::OSCMessage& m, const juce::String& address, OscAction::Kind kind) {
    OscAction a;
    if (m.size() == 0) { a.kind = kind; return a; }
    if (m.size() > 1) return bad(address, "expects no argument or one number, got " + juce::String(m.size()));
    const auto v = numberOf(m[0]);
    if (!v) return bad(address, "the argument must be an int or a float");
    if (!std::isfinite(*v)) return bad(address, "the argument is not a finite number");
    a.kind = *v >= 0.5f ? kind : OscAction::nothing;
    return a;
}

OscAction parseParam(const juce::String& address, const juce::String& id, const juce::OSCArgument& arg) {
    const HostParam p = findHostParam(id.toStdString());
    if (p == HostParam::count) return bad(address, "unknown parameter id '" + id.substring(0, 40) + "'");
    const auto v = numberOf(arg);
    if (!v) return bad(address, "the value must be an int or a float");
    if (!std::isfinite(*v)) return bad(address, "the value is not a finite number");
    const auto& info = hostParamInfo(p);
    if (*v < info.min || *v > info.max)
        return bad(address, "value " + juce::String(*v) + " is outside " + juce::String(info.min) + " .. " + juce::String(info.max));
    OscAction a;
    a.kind = OscAction::setParam;
    a.param = p;
    a.value = info.type == HostParamType::continuous ? *v : std::round(*v);
    return a;
}

} // namespace

OscAction parseOscMessage(const juce::OSCMessage& m) {
    const auto address = m.getAddressPattern().toString();
    if (m.getAddressPattern().containsWildcards()) return bad(address, "address patterns with wildcards are not supported");
    if (!address.startsWith(kPrefix)) return bad(address, "unknown address (not under /gradedcells/)");
    const auto path = address.substring(kPrefix.length());
    if (path == "reward") {
        if (m.size() != 1) return bad(address, "expects one number, got " + juce::String(m.size()) + " arguments");
        const auto v = numberOf(m[0]);
        if (!v) return bad(address, "the reward must be an int or a float");
        if (!std::isfinite(*v)) return bad(address, "the reward is not a finite number");
        if (*v < -1.f || *v > 1.f) return bad(address, "reward " + juce::String(*v) + " is outside -1 .. 1");
        OscAction a;
        a.kind = OscAction::reward;
        a.value = *v;
        return a;
    }
    if (path == "param") {
        if (m.size() != 2 || !m[0].isString()) return bad(address, "expects a parameter id (string) and a value");
        return parseParam(address, m[0].getString(), m[1]);
    }
    if (path.startsWith("param/")) {
        if (m.size() != 1) return bad(address, "expects one number, got " + juce::String(m.size()) + " arguments");
        return parseParam(address, path.substring(6), m[0]);
    }
    if (path == "episode/end") return trigger(m, address, OscAction::endEpisode);
    if (path == "cells/reset") return trigger(m, address, OscAction::resetCells);
    if (path == "weights/reset") return trigger(m, address, OscAction::resetWeights);
    return bad(address, "unknown address");
}

// --- settings ------------------------------------------------------------------------------

juce::ValueTree OscSettings::toValueTree() const {
    juce::ValueTree t("Osc");
    t.setProperty("version", kVersion, nullptr);
    t.setProperty("enabled", enabled ? 1 : 0, nullptr);
    t.setProperty("port", port, nullptr);
    t.setProperty("feedback", feedback ? 1 : 0, nullptr);
    t.setProperty("feedbackHost", feedbackHost, nullptr);
    t.setProperty("feedbackPort", feedbackPort, nullptr);
    t.setProperty("feedbackSelect", feedbackSelect, nullptr);
    return t;
}

OscSettings OscSettings::fromValueTree(const juce::ValueTree& t) {
    auto flag = [&](const char* name, bool def) {
        const auto text = t.getProperty(name, def ? "1" : "0").toString().trim();
        if (text == "1" || text == "true") return true;
        if (text == "0" || text == "false") return false;
        throw std::runtime_error(std::string("Osc: malformed ") + name);
    };
    auto port = [&](const char* name, int def) {
        const auto text = t.getProperty(name, def).toString().trim();
        if (text.isEmpty() || text.length() > 5 || !text.containsOnly("0123456789"))
            throw std::runtime_error(std::string("Osc: malformed ") + name);
        const int p = text.getIntValue();
        if (p < 1 || p > 65535) throw std::runtime_error(std::string("Osc: ") + name + " out of range 1..65535");
        return p;
    };
    const auto version = t.getProperty("version", kVersion).toString().trim();
    if (version.isEmpty() || version.length() > 6 || !version.containsOnly("0123456789") || version.getIntValue() < 1)
        throw std::runtime_error("Osc: malformed version");
    OscSettings s;
    s.enabled = flag("enabled", false);
    s.port = port("port", s.port);
    s.feedback = flag("feedback", false);
    s.feedbackPort = port("feedbackPort", s.feedbackPort);
    s.feedbackHost = t.getProperty("feedbackHost", s.feedbackHost).toString();
    if (s.feedbackHost.length() > 253
        || !s.feedbackHost.containsOnly("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:"))
        throw std::runtime_error("Osc: malformed feedbackHost");
    s.feedbackSelect = t.getProperty("feedbackSelect", juce::String()).toString();
    if (s.feedbackSelect.length() > 1024) throw std::runtime_error("Osc: feedbackSelect longer than 1024 characters");
    for (auto c : s.feedbackSelect)
        if (c < 32 || c == 127) throw std::runtime_error("Osc: control character in feedbackSelect");
    return s;
}

bool oscSelectorMatches(const juce::String& selectors, const juce::String& node, const juce::String& comp) {
    juce::StringArray list;
    list.addTokens(selectors, ", \t", "");
    list.removeEmptyStrings();
    const auto name = node + "/" + comp;
    for (const auto& s : list)
        if (name.matchesWildcard(s, false)) return true;
    return false;
}

// --- OscControl ----------------------------------------------------------------------------

OscControl::OscControl(ParameterOverrides& overrides) : overrides_(overrides) {
    receiver_.addListener(this);
    receiver_.registerFormatErrorHandler([this](const char*, int size) {
        counters_.received.fetch_add(1);
        ignore("malformed OSC packet (" + juce::String(size) + " bytes; types other than i, f, s, b, r are not read)");
    });
}

OscControl::~OscControl() {
    stopTimer();
    closeReceiver();
    receiver_.removeListener(this);
    sender_.disconnect();
}

void OscControl::closeReceiver() {
    receiver_.disconnect(); // joins the OSC thread
    socket_.reset();
    listening_.store(false);
}

void OscControl::setSettings(const OscSettings& wanted) {
    OscSettings s = wanted;
    s.port = juce::jlimit(1, 65535, s.port);
    s.feedbackPort = juce::jlimit(1, 65535, s.feedbackPort);
    const auto old = settings();
    const bool receiverChanged = s.enabled != old.enabled || s.port != old.port || (s.enabled && !listening_.load());
    juce::String status;
    if (receiverChanged) {
        closeReceiver();
        if (s.enabled) {
            auto socket = std::make_unique<juce::DatagramSocket>(false);
#if JUCE_LINUX || JUCE_BSD || JUCE_MAC
            // JUCE makes every datagram socket SO_REUSEADDR, which lets two programs (two
            // plugin instances) share a UDP port without a word; ours is exclusive, so a
            // port in use is an error the editor can show.
            int no = 0;
            ::setsockopt(socket->getRawSocketHandle(), SOL_SOCKET, SO_REUSEADDR, &no, sizeof(no));
#endif
            if (socket->bindToPort(s.port) && receiver_.connectToSocket(*socket)) {
                socket_ = std::move(socket);
                listening_.store(true);
                status = "listening on UDP port " + juce::String(s.port);
            } else {
                status = "cannot listen on UDP port " + juce::String(s.port) + " (in use by another program, or not allowed)";
                juce::Logger::writeToLog("GradedCells OSC: " + status);
            }
        } else {
            status = "off";
        }
    }
    const bool senderChanged = s.feedback != old.feedback || s.feedbackHost != old.feedbackHost || s.feedbackPort != old.feedbackPort
                               || (s.feedback && !senderConnected_);
    juce::String fbStatus;
    if (senderChanged) {
        sender_.disconnect();
        senderConnected_ = false;
        if (s.feedback) {
            senderConnected_ = s.feedbackHost.isNotEmpty() && sender_.connect(s.feedbackHost, s.feedbackPort);
            fbStatus = senderConnected_ ? "sending to " + s.feedbackHost + ":" + juce::String(s.feedbackPort)
                                        : "cannot send to '" + s.feedbackHost + "':" + juce::String(s.feedbackPort);
        } else {
            fbStatus = "off";
        }
    }
    {
        const juce::ScopedLock sl(lock_);
        settings_ = s;
        if (receiverChanged) status_ = status;
        if (senderChanged) feedbackStatus_ = fbStatus;
        sentStep_ = 0;
    }
    feedbackOn_.store(s.feedback && senderConnected_);
    if (feedbackOn_.load()) startTimerHz(30);
    else stopTimer();
}

OscSettings OscControl::settings() const {
    const juce::ScopedLock sl(lock_);
    return settings_;
}

juce::String OscControl::status() const {
    const juce::ScopedLock sl(lock_);
    return status_;
}

juce::String OscControl::feedbackStatus() const {
    const juce::ScopedLock sl(lock_);
    return feedbackStatus_;
}

juce::String OscControl::lastError() const {
    const juce::ScopedLock sl(lock_);
    return lastError_;
}

void OscControl::ignore(const juce::String& why) {
    const int n = counters_.ignored.fetch_add(1) + 1;
    {
        const juce::ScopedLock sl(lock_);
        lastError_ = why;
    }
    if (n <= 20) juce::Logger::writeToLog("GradedCells OSC: ignored " + why + (n == 20 ? " (further ones are only counted)" : ""));
}

void OscControl::oscMessageReceived(const juce::OSCMessage& message) { dispatch(message); }

void OscControl::oscBundleReceived(const juce::OSCBundle& bundle) { dispatchBundle(bundle, 0); }

void OscControl::dispatchBundle(const juce::OSCBundle& bundle, int depth) {
    if (depth > 8) {
        ignore("OSC bundle nested deeper than 8");
        return;
    }
    for (const auto& element : bundle) {
        if (element.isMessage()) dispatch(element.getMessage());
        else if (element.isBundle()) dispatchBundle(element.getBundle(), depth + 1);
    }
}

void OscControl::dispatch(const juce::OSCMessage& message) {
    counters_.received.fetch_add(1);
    const auto action = parseOscMessage(message);
    auto queue = [this](OscEvent::Type type, float value) {
        if (!queue_.push({type, value})) {
            counters_.queueFull.fetch_add(1);
            ignore("event queue full (is audio running?)");
        }
    };
    switch (action.kind) {
    case OscAction::ignored: ignore(action.error); break;
    case OscAction::nothing: break;
    case OscAction::reward: queue(OscEvent::reward, action.value); break;
    case OscAction::endEpisode: queue(OscEvent::endEpisode, 0.f); break;
    case OscAction::resetCells: queue(OscEvent::resetCells, 0.f); break;
    case OscAction::resetWeights: queue(OscEvent::resetWeights, 0.f); break;
    case OscAction::setParam:
        if (auto* p = overrides_.parameter(action.param)) {
            const float normalised = p->convertTo0to1(action.value);
            overrides_.set(action.param, normalised, p->convertFrom0to1(normalised));
            counters_.paramsSet.fetch_add(1);
        }
        break;
    }
}

void OscControl::drain(Engine* engine) noexcept {
    OscEvent e;
    while (queue_.pop(e)) {
        if (engine == nullptr) {
            counters_.noEngine.fetch_add(1, std::memory_order_relaxed);
            continue;
        }
        switch (e.type) {
        case OscEvent::reward:
            engine->addEvent({0, ControlEvent::reward, e.value});
            lastReward_.store(e.value, std::memory_order_relaxed);
            counters_.rewards.fetch_add(1, std::memory_order_relaxed);
            break;
        case OscEvent::endEpisode:
            engine->addEvent({0, ControlEvent::endEpisode, 0.f});
            counters_.episodeEnds.fetch_add(1, std::memory_order_relaxed);
            break;
        case OscEvent::resetCells:
            engine->addEvent({0, ControlEvent::resetCells, 0.f});
            counters_.cellResets.fetch_add(1, std::memory_order_relaxed);
            break;
        case OscEvent::resetWeights:
            engine->resetWeights();
            counters_.weightResets.fetch_add(1, std::memory_order_relaxed);
            break;
        }
        counters_.applied.fetch_add(1, std::memory_order_relaxed);
    }
}

// --- feedback ------------------------------------------------------------------------------

void OscControl::noteSnapshot(const Telemetry& snapshot) {
    const juce::ScopedLock sl(lock_);
    latest_ = snapshot;
    latestStep_ = snapshot.step;
    haveLatest_ = true;
}

juce::StringArray OscControl::availableCompartments() const {
    juce::StringArray out;
    const juce::ScopedLock sl(lock_);
    if (!haveLatest_) return out;
    for (int i = 0; i < juce::jmin(latest_.numNodes, kTelemetryMaxNodes); ++i) {
        const auto& n = latest_.nodes[i];
        const juce::String id(n.id);
        for (auto name : {n.main.name, n.secondary.name, n.scalar.name})
            if (!name.empty()) out.addIfNotAlreadyThere(id + "/" + juce::String(name.data(), name.size()));
    }
    return out;
}

void OscControl::timerCallback() {
    if (pull_ && feedbackOn_.load())
        while (pull_(*scratch_)) noteSnapshot(*scratch_);
    sendFeedbackNow();
}

void OscControl::sendFeedbackNow() {
    if (!feedbackOn_.load()) return;
    const juce::ScopedLock sl(lock_);
    if (!haveLatest_ || latestStep_ == sentStep_) return;
    sentStep_ = latestStep_;
    juce::StringArray sent;
    auto send = [&](const juce::String& node, std::string_view comp, const float* values, int count) {
        if (comp.empty() || count <= 0) return;
        const juce::String name(comp.data(), comp.size());
        if (!oscSelectorMatches(settings_.feedbackSelect, node, name)) return;
        const auto address = "/gradedcells/out/" + node + "/" + name;
        if (sent.contains(address)) return;
        sent.add(address);
        try {
            juce::OSCMessage m{juce::OSCAddressPattern(address)};
            for (int i = 0; i < count; ++i) m.addFloat32(std::isfinite(values[i]) ? values[i] : 0.f);
            if (sender_.send(m)) counters_.feedbackSent.fetch_add(1);
        } catch (const juce::OSCException&) {
            // a node id that is not a valid OSC address part (space, '#', '*', ...): skipped
        }
    };
    for (int i = 0; i < juce::jmin(latest_.numNodes, kTelemetryMaxNodes); ++i) {
        const auto& n = latest_.nodes[i];
        const juce::String id(n.id);
        send(id, n.main.name, n.main.channel(0), n.main.numValues);
        send(id, n.secondary.name, n.secondary.channel(0), n.secondary.numValues);
        send(id, n.scalar.name, n.scalar.values, n.scalar.numChannels > 0 ? 1 : 0);
    }
}

} // namespace graded::plugin
