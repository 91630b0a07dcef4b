// SPDX-License-Identifier: GPL-3.0-or-later
// Learned weights: what the synapses of the running engine learned, read safely while the
// audio thread runs (a seqlock), carried over to rebuilt engines, saved with the state,
// exported to and imported from ngclearn's npz files, and never lost without a notice.
//
// Thread safety. The audio thread is the only writer of an engine's weights, and only
// inside processBlock, which it brackets with two increments of processSeq_ (odd while a
// block runs). copyRunningWeights (non-audio threads, buildMutex_ held) copies the weights
// between two equal, even readings of processSeq_ (acquire loads, an acquire fence after
// the copy), retrying for up to a second: a copy that overlapped a block is thrown away. The
// engine it reads is latestEngine_, which stays alive while buildMutex_ is held (only
// publishing a newer engine, under that mutex, lets the audio thread retire it). New
// engines get their weights before they are published (Handoff), so the audio thread never
// sees a write. The audio thread never waits for any of this.
#include "PluginProcessor.h"

#include <algorithm>

#include <Synapses/Npz.h>

#include <chrono>
#include <thread>

namespace graded::plugin {

std::uint64_t GradedCellsProcessor::contentHash(const PatchSelection& selection) {
    if (selection.user) return patchContentHash(selection.userJson);
    const auto& patches = factoryPatches();
    if (selection.factoryIndex < 0 || selection.factoryIndex >= static_cast<int>(patches.size())) return 0;
    return patchContentHash(patches[static_cast<size_t>(selection.factoryIndex)].json);
}

bool GradedCellsProcessor::copyRunningWeights(Engine& engine, WeightSet& out) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    out = weightBuffers(engine); // the shapes never change: sized once, copied into below
    for (int attempt = 0;; ++attempt) {
        const std::uint32_t before = processSeq_.load(std::memory_order_acquire);
        if ((before & 1u) == 0) {
            copyWeights(engine, out);
            std::atomic_thread_fence(std::memory_order_acquire);
            if (processSeq_.load(std::memory_order_relaxed) == before) return true;
        }
        if (std::chrono::steady_clock::now() > deadline) return false;
        if (attempt < 8) std::this_thread::yield();
        else std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
}

void GradedCellsProcessor::keepWeightsOfLatestEngine() {
    if (latestEngine_ == nullptr || pendingWeights_) return;
    WeightSet set = readWeights(*latestEngine_); // audio stopped: read directly
    if (learnedSynapses(*latestEngine_, set).empty()) return;
    pendingWeights_ = PendingWeights{std::move(set), latestHash_, "the engine before the audio restarted"};
}

void GradedCellsProcessor::noteWeights(const juce::String& text) {
    juce::Logger::writeToLog("GradedCells: " + text);
    weightsNotice_ = text;
    weightsNoticeCount_.fetch_add(1);
}

void GradedCellsProcessor::handOverWeights(Engine* next, const PatchSelection& selection, bool carry, bool published,
                                           bool keepMatching) {
    const std::uint64_t hash = contentHash(selection);
    // What the outgoing engine learned (only it can lose anything).
    WeightSet current;
    std::vector<std::string> learned;
    if (latestEngine_ != nullptr) {
        if (copyRunningWeights(*latestEngine_, current)) learned = learnedSynapses(*latestEngine_, current);
        else noteWeights("Could not read the learned weights of the running patch (the audio thread never paused); they were discarded");
    }
    auto names = [](const std::vector<std::string>& ids) {
        juce::StringArray a;
        for (const auto& id : ids) a.add(juce::String::fromUTF8(id.c_str()));
        return a.joinIntoString(", ");
    };
    if (pendingWeights_) {
        if (pendingWeights_->hash != hash) {
            noteWeights("The learned weights from " + pendingWeights_->origin + " were discarded: they belong to another patch");
            pendingWeights_.reset();
        } else if (next == nullptr) {
            return; // the patch cannot run here: they wait for an engine that can
        } else if (const auto why = checkWeights(*next, pendingWeights_->set); !why.empty()) {
            noteWeights("The learned weights from " + pendingWeights_->origin + " were refused: " + juce::String::fromUTF8(why.c_str()));
            pendingWeights_.reset();
        } else {
            const auto origin = pendingWeights_->origin;
            if (published) {
                writeWeights(*next, pendingWeights_->set); // before the audio thread sees `next`
                pendingWeights_.reset();
            } // else: kept for the engine prepareToPlay builds
            if (!learned.empty())
                noteWeights("Learned weights of " + names(learned) + " were replaced by those of " + origin);
            return;
        }
    }
    if (learned.empty()) return;
    const bool samePatch = hash == latestHash_;
    if (carry && samePatch && next != nullptr && published && checkWeights(*next, current).empty()) {
        writeWeights(*next, current); // a rebuild of the same patch keeps what it learned
        return;
    }
    if (keepMatching && carry && next != nullptr && published) {
        // An edit of the running patch: each learned synapse that is still there with the same
        // shape keeps its weights; the others' are reported.
        const auto layout = weightLayout(*next);
        WeightSet kept;
        std::vector<std::string> dropped;
        for (const auto& id : learned) {
            const auto from = std::find_if(current.begin(), current.end(), [&](const SynapseWeights& w) { return w.id == id; });
            const auto to = std::find_if(layout.begin(), layout.end(), [&](const SynapseWeights& w) { return w.id == id; });
            if (from != current.end() && to != layout.end() && !to->tied && to->nIn == from->nIn && to->nOut == from->nOut
                && checkWeights(*next, WeightSet{*from}).empty())
                kept.push_back(*from);
            else
                dropped.push_back(id);
        }
        if (!kept.empty()) writeWeights(*next, kept); // before the audio thread sees `next`
        if (!dropped.empty())
            noteWeights("Learned weights of " + names(dropped) + " were discarded (the synapse was removed or changed shape)");
        return;
    }
    juce::String reason = !carry ? "a saved state was loaded" : (!samePatch ? "the patch changed" : "the patch cannot run here");
    noteWeights("Learned weights of " + names(learned) + " were discarded (" + reason + ")");
}

bool GradedCellsProcessor::learnedWeights(WeightSet& out, juce::String& why) const {
    std::lock_guard<std::mutex> lock(buildMutex_);
    const auto hash = contentHash(selection_);
    if (latestEngine_ != nullptr && latestHash_ == hash) {
        if (copyRunningWeights(*latestEngine_, out)) return true;
        why = "the audio thread never paused long enough to copy the weights";
        return false;
    }
    if (pendingWeights_ && pendingWeights_->hash == hash) {
        out = pendingWeights_->set;
        return true;
    }
    why = "the patch is not running";
    return false;
}

juce::String GradedCellsProcessor::weightsNotice() const {
    std::lock_guard<std::mutex> lock(buildMutex_);
    return weightsNotice_;
}

bool GradedCellsProcessor::exportWeights(const juce::File& dir, juce::StringArray& written, juce::String& error) {
    WeightSet set;
    if (!learnedWeights(set, error)) return false;
    if (set.empty()) {
        error = "the patch has no synapses";
        return false;
    }
    const auto patch = currentPatch().patch;
    if (patch == nullptr) {
        error = "no patch";
        return false;
    }
    if (!dir.isDirectory() && !dir.createDirectory()) {
        error = "cannot create " + dir.getFullPathName();
        return false;
    }
    try {
        for (const auto& path : exportWeightsNpz(*patch, set, dir.getFullPathName().toStdString()))
            written.add(juce::String::fromUTF8(path.c_str()));
        return true;
    } catch (const std::exception& e) {
        error = juce::String::fromUTF8(e.what());
        return false;
    }
}

bool GradedCellsProcessor::importWeights(const juce::File& file, const juce::String& id, juce::String& error) {
    std::string bytes;
    try {
        bytes = npz::readFile(file.getFullPathName().toStdString(), npz::kMaxNpzBytes);
    } catch (const std::exception& e) {
        error = juce::String::fromUTF8(e.what());
        return false;
    }
    std::lock_guard<std::mutex> lock(buildMutex_);
    const auto selection = selection_;
    if (selection.patch == nullptr) {
        error = "no patch";
        return false;
    }
    const std::string nodeId = id.toStdString();
    for (const auto& n : selection.patch->nodes)
        if (const auto* sn = n.synapse(); sn && n.id == nodeId && sn->tieNode >= 0) {
            error = id + " reads the transpose of " + juce::String::fromUTF8(sn->tie.c_str()) + ": import into that one";
            return false;
        }
    SynapseWeights imported;
    try {
        imported = importWeightsNpz(*selection.patch, nodeId, bytes);
    } catch (const std::exception& e) {
        error = file.getFileName() + ": " + juce::String::fromUTF8(e.what());
        return false;
    }
    const auto hash = contentHash(selection);
    WeightSet set;
    if (latestEngine_ != nullptr && latestHash_ == hash) {
        if (!copyRunningWeights(*latestEngine_, set)) {
            error = "the audio thread never paused long enough to copy the other weights";
            return false;
        }
    } else if (pendingWeights_ && pendingWeights_->hash == hash) {
        set = pendingWeights_->set;
    }
    bool replaced = false;
    for (auto& w : set)
        if (w.id == nodeId) {
            w = imported;
            replaced = true;
        }
    if (!replaced) set.push_back(imported);
    pendingWeights_ = PendingWeights{std::move(set), hash, "the import of " + file.getFileName()};
    if (!buildAndPublishLocked(selection, error, false, true)) return false;
    noteWeights("Imported " + file.getFileName() + " into " + id);
    return true;
}

} // namespace graded::plugin
