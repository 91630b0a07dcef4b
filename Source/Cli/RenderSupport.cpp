// SPDX-License-Identifier: GPL-3.0-or-later
#include "RenderSupport.h"

#include "PluginProcessor.h"

#include <Patch/NodeSpecs.h>

#include <juce_gui_basics/juce_gui_basics.h>

#include <algorithm>
#include <cmath>

namespace graded::cli {

float parseParameterValue(const juce::RangedAudioParameter& p, const std::string& text) {
    const juce::String s(text);
    if (auto* choice = dynamic_cast<const juce::AudioParameterChoice*>(&p)) {
        const int idx = choice->choices.indexOf(s, true);
        if (idx >= 0) return static_cast<float>(idx);
        int match = -1, matches = 0;
        for (int i = 0; i < choice->choices.size(); ++i)
            if (choice->choices[i].upToFirstOccurrenceOf(" ", false, false).equalsIgnoreCase(s)) { match = i; ++matches; }
        if (matches == 1) return static_cast<float>(match);
    }
    if (p.paramID == "patch") {
        const auto names = plugin::GradedCellsProcessor::factoryPatchNames();
        const int idx = names.indexOf(s, true);
        if (idx >= 0) return static_cast<float>(idx);
    }
    if (s.isEmpty() || !s.containsOnly("0123456789+-.eE"))
        throw UsageError{"--set " + p.paramID.toStdString() + ": '" + text + "' is not a number or a known label"};
    const float v = s.getFloatValue();
    const auto range = p.getNormalisableRange();
    if (!std::isfinite(v) || v < range.start || v > range.end) {
        if (auto* choice = dynamic_cast<const juce::AudioParameterChoice*>(&p))
            throw UsageError{"--set " + p.paramID.toStdString() + "=" + text + ": not one of " +
                             choice->choices.joinIntoString(", ").toStdString() + " (nor an index 0.." +
                             std::to_string(choice->choices.size() - 1) + ")"};
        throw UsageError{"--set " + p.paramID.toStdString() + "=" + text + " is outside " +
                         juce::String(range.start).toStdString() + ".." + juce::String(range.end).toStdString()};
    }
    return v;
}

// --- what a compartment holds ----------------------------------------------------------------

namespace {

std::string sv(std::string_view s) { return std::string(s.data(), s.size()); }

const PatchNode* patchNode(const Patch* patch, int index, const TelemetryNode& node) {
    if (patch == nullptr || index < 0 || size_t(index) >= patch->nodes.size()) return nullptr;
    const auto& n = patch->nodes[size_t(index)];
    // The telemetry id is the node id, truncated to kTelemetryIdLen - 1 characters.
    return n.id.compare(0, kTelemetryIdLen - 1, node.id) == 0 ? &n : nullptr;
}

bool driven(const Patch& patch, int node, const std::string& comp) {
    for (const auto& w : patch.wires)
        if (w.toNode == node && w.toComp == comp) return true;
    return false;
}

std::string num(double v) { return juce::String(v, 2).toStdString(); }

} // namespace

CompartmentInfo compartmentInfo(const Patch* patch, int index, const TelemetryNode& node, std::string_view comp) {
    CompartmentInfo info;
    const PatchNode* pn = patchNode(patch, index, node);
    const NodeSpec& spec = nodeSpec(node.kind);
    const CompartmentSpec* cs = spec.findCompartment(comp);
    // (Synapse nodes use CompCols::bands for their n_out: only the I/O nodes' are filterbank bands.)
    info.bands = cs != nullptr && cs->cols == CompCols::bands && (node.kind == NodeKind::AudioIn || node.kind == NodeKind::AudioOut);
    const std::string doc = cs != nullptr ? sv(cs->doc) : std::string();
    if (node.kind == NodeKind::AudioIn) {
        const bool db = pn == nullptr || pn->audioIn() == nullptr || pn->audioIn()->compressDb;
        if (comp == "bands" || comp == "level") {
            info.unit = db ? "dB/100 above -100 dB" : (comp == "bands" ? "linear energy" : "linear RMS");
            info.about = std::string(comp == "bands" ? "band energy of each filterbank band over the step"
                                                     : "the step's level")
                       + (db ? ", as (10 log10(mean energy + 1e-10) + 100) / 100: 0 = -100 dB, 0.5 = -50 dB, 1 = 0 dB "
                               "(a full-scale sine's energy is 0.5, -3 dB)"
                             : " (compress = linear)");
        } else {
            info.unit = "sample value";
            info.about = doc;
        }
        return info;
    }
    if (node.kind == NodeKind::AudioOut) {
        const AudioOutParams out = pn != nullptr && pn->audioOut() != nullptr ? *pn->audioOut() : AudioOutParams{};
        const bool isDriven = patch != nullptr && pn != nullptr && driven(*patch, index, std::string(comp));
        const std::string undriven = isDriven || patch == nullptr ? "" : "; no wire drives it in this patch, so it stays at its default";
        if (comp == "appliedDb") {
            info.unit = "dB";
            info.about = "the band gains in effect, after clamping and limiting";
        } else if (comp == "bandGains") {
            info.unit = out.gainsDb ? "dB" : "linear gain";
            info.about = out.gainsDb ? "gain asked of each band, before the clamp to [" + num(out.minDb) + ", " + num(out.maxDb) +
                                           "] dB and before limiting (not the gain applied)" + undriven
                                     : "linear gain asked of each band, before the clamp to [0, " + num(out.maxGain) +
                                           "] and before limiting (not the gain applied)" + undriven;
        } else if (comp == "gain") {
            info.unit = "linear gain";
            info.about = "broadband gain asked, before clamping" + undriven;
        } else if (comp == "noise") {
            info.unit = "noise amplitude";
            info.about = "noise amplitude asked of each band, before the clamp to [0, " + num(out.maxNoise) + "]" + undriven;
        } else {
            info.unit = cs != nullptr && !cs->units.empty() ? sv(cs->units) : "model units";
            info.about = doc;
        }
        return info;
    }
    // Cells: the spec's unit, or "model units" (the cell's own scale: a RateCell that predicts
    // the bands is in band units, a reward cell in reward units, -1..1).
    info.unit = cs != nullptr && !cs->units.empty() ? sv(cs->units) : "model units";
    if (node.kind == NodeKind::RewardErrorCell && (comp == "mu" || comp == "rpe" || comp == "reward")) info.unit = "reward units";
    info.about = sv(spec.kind) + " " + sv(comp) + (doc.empty() ? "" : ": " + doc);
    if (cs != nullptr && cs->rows == CompRows::single) info.about += " (one value for all channels)";
    if (node.kind == NodeKind::LaplacianErrorCell && comp == "L")
        info.about += "; it is minus the number of units (over all channels) whose error is not exactly 0, over Scale, so "
                      "it stays constant while every unit mismatches";
    return info;
}

std::vector<double> bandCentresHz(const Patch* patch, double sampleRate) {
    std::vector<double> fc;
    if (patch == nullptr || patch->audioIn < 0) return fc;
    const AudioInParams& in = patch->input();
    const int n = in.bands;
    const double hi = std::min(in.maxHz, 0.45 * sampleRate);
    const double lo = std::min(in.minHz, hi * 0.5);
    const double r = n > 1 ? std::pow(hi / lo, 1.0 / (n - 1)) : 1.0;
    for (int k = 0; k < n; ++k) fc.push_back(n > 1 ? lo * std::pow(r, k) : std::sqrt(lo * hi));
    return fc;
}

// --- TraceWriter -----------------------------------------------------------------------------

TraceWriter::TraceWriter(const juce::File& file, const std::string& name, const juce::File& unitsFile, const Patch* patch,
                         double sampleRate)
    : name_(name), unitsFile_(unitsFile), patch_(patch), sampleRate_(sampleRate) {
    if (file.isDirectory()) throw UsageError{"cannot write " + name + ": it is a directory"};
    out_ = std::make_unique<juce::FileOutputStream>(file, 1 << 16);
    if (!out_->openedOk()) throw UsageError{"cannot write " + name + " (" + out_->getStatus().getErrorMessage().toStdString() + ")"};
    out_->setPosition(0);
    out_->truncate();
}

namespace {
const TelemetrySeries* seriesOf(const TelemetryNode& n, int what) { return what == 0 ? &n.main : what == 1 ? &n.secondary : nullptr; }

/** "[ch2]" or, for a row shared by the instance's channels, "[ch2+ch3]". */
std::string channelLabel(int instance, int channel, bool perChannel, int instanceChannels) {
    if (perChannel || instanceChannels == 1) return "[ch" + std::to_string(2 * instance + channel) + "]";
    return "[ch" + std::to_string(2 * instance) + "+ch" + std::to_string(2 * instance + 1) + "]";
}
} // namespace

void TraceWriter::writeHeader(const std::vector<const Telemetry*>& instances) {
    auto& out = *out_;
    out << "time_s,step";
    juce::String units;
    units << "# " << juce::String(name_) << ": GradedCells render telemetry, one row per snapshot (about 30 a second).\n"
          << "# Columns: node.compartment[chC][uK]: channel C of the file (counted from 0; instance g of the\n"
          << "# processor runs channels 2g and 2g+1), unit K of the compartment. [chA+chB]: one value for both\n"
          << "# channels of an instance (an error cell's loss L sums over them). A column without [uK] is the\n"
          << "# compartment's first unit (the node's scalar).\n"
          << "time_s: seconds of input at the end of the snapshot's step (output is latency-compensated, so the\n"
          << "        same time in the output file)\n"
          << "step: the engine's step count\n";
    std::vector<std::string> described;
    for (size_t g = 0; g < instances.size(); ++g) {
        const Telemetry& t = *instances[g];
        const int channels = std::clamp(t.numChannels, 1, kTelemetryMaxChannels);
        for (int n = 0; n < std::clamp(t.numNodes, 0, kTelemetryMaxNodes); ++n) {
            const auto& node = t.nodes[n];
            for (int what = 0; what < 3; ++what) {
                const std::string_view comp = what == 2 ? node.scalar.name : seriesOf(node, what)->name;
                if (comp.empty()) continue;
                const bool perChannel = what == 2 ? node.scalar.perChannel : seriesOf(node, what)->perChannel;
                const int rows = what == 2 ? node.scalar.numChannels : seriesOf(node, what)->numChannels;
                const int cols = what == 2 ? 1 : seriesOf(node, what)->numValues;
                for (int c = 0; c < rows; ++c)
                    for (int u = 0; u < cols; ++u) {
                        layout_.push_back({int(g), n, what, c, u});
                        std::string column = "," + std::string(node.id) + "." + sv(comp) + channelLabel(int(g), c, perChannel, channels);
                        if (what != 2) column += "[u" + std::to_string(u) + "]";
                        out << juce::String(column);
                    }
                const std::string key = std::string(node.id) + "." + sv(comp);
                if (std::find(described.begin(), described.end(), key) != described.end()) continue;
                described.push_back(key);
                const CompartmentInfo info = compartmentInfo(patch_, n, node, comp);
                units << juce::String(key + (what == 2 ? std::string() : "[ch][u0.." + std::to_string(cols - 1) + "]") + ": " +
                                      info.unit + " -- " + info.about + "\n");
                if (info.bands) {
                    const auto fc = bandCentresHz(patch_, sampleRate_);
                    units << "    band centres (Hz), u0..:";
                    for (size_t k = 0; k < fc.size() && int(k) < cols; ++k) units << " " << juce::String(juce::roundToInt(fc[k]));
                    units << "\n";
                }
            }
        }
    }
    out << "\n";
    columns_ = int(layout_.size()) + 2;
    if (!unitsFile_.replaceWithText(units))
        throw UsageError{"cannot write " + unitsFile_.getFullPathName().toStdString()};
}

void TraceWriter::add(const std::vector<const Telemetry*>& instances, double timeSeconds) {
    auto& out = *out_;
    if (!header_) {
        header_ = true;
        writeHeader(instances);
    }
    out << juce::String(timeSeconds, 6) << "," << juce::String(static_cast<juce::int64>(instances.front()->step));
    for (const auto& col : layout_) {
        float v = 0.f;
        if (size_t(col.instance) < instances.size()) {
            const Telemetry& t = *instances[size_t(col.instance)];
            if (col.node < t.numNodes) {
                const auto& node = t.nodes[col.node];
                if (col.what == 2) {
                    if (col.channel < node.scalar.numChannels) v = node.scalar.values[col.channel];
                } else {
                    const auto& s = *seriesOf(node, col.what);
                    if (col.channel < s.numChannels && col.unit < s.numValues) v = s.channel(col.channel)[col.unit];
                }
            }
        }
        out << "," << juce::String(v, 7);
    }
    out << "\n";
    ++rows_;
}

void TraceWriter::finish() {
    out_->flush();
    if (out_->getStatus().failed()) throw UsageError{"cannot write " + name_ + " (" + out_->getStatus().getErrorMessage().toStdString() + ")"};
    out_.reset();
}

// --- PlotSeries -----------------------------------------------------------------------------

PlotSeries::PlotSeries(size_t capacity) : capacity_(std::max<size_t>(4, capacity)) {}

void PlotSeries::add(const Telemetry& t, double timeSeconds) {
    if (!started_) {
        started_ = true;
        for (int n = 0; n < std::clamp(t.numNodes, 0, kTelemetryMaxNodes); ++n) {
            const auto& node = t.nodes[n];
            if (node.main.name.empty() || node.main.numValues <= 0) continue;
            lanes_.push_back({node.id, sv(node.main.name), n, stride_, node.main.numValues});
            nodes_.push_back(node);
            stride_ += node.main.numValues;
        }
        times_.reserve(capacity_);
        values_.reserve(capacity_ * size_t(stride_));
    }
    if (seen_++ % stride2_ != 0) return;
    if (times_.size() >= capacity_) {
        size_t keep = 0;
        for (size_t i = 0; i < times_.size(); i += 2, ++keep) {
            times_[keep] = times_[i];
            std::copy_n(values_.begin() + std::ptrdiff_t(i * size_t(stride_)), stride_, values_.begin() + std::ptrdiff_t(keep * size_t(stride_)));
        }
        times_.resize(keep);
        values_.resize(keep * size_t(stride_));
        stride2_ *= 2;
        if ((seen_ - 1) % stride2_ != 0) return;
    }
    times_.push_back(timeSeconds);
    for (const auto& lane : lanes_) {
        const bool has = lane.nodeIndex < t.numNodes && t.nodes[lane.nodeIndex].main.numValues == lane.count;
        for (int k = 0; k < lane.count; ++k) {
            const float v = has ? t.nodes[lane.nodeIndex].main.values[k] : 0.f;
            values_.push_back(std::isfinite(v) ? v : 0.f);
        }
    }
}

// --- Spectrogram ----------------------------------------------------------------------------

Spectrogram::Spectrogram(double sampleRate, std::int64_t totalFrames, int columns, int rows)
    : sr_(sampleRate), total_(std::max<std::int64_t>(1, totalFrames)), columns_(std::max(1, columns)), rows_(std::max(1, rows)) {
    n_ = 64;
    while (n_ < 16384 && n_ * 2 <= 0.05 * sr_) n_ *= 2;   // 20..40 ms frames (2048 at 48 kHz)
    const std::int64_t perColumn = total_ / columns_;
    hop_ = static_cast<int>(std::clamp<std::int64_t>(perColumn, 1, n_ / 4));
    nextFrame_ = hop_;
    lowHz_ = std::max(20.0, 2.0 * sr_ / n_);
    highHz_ = sr_ / 2.0;
    ring_.assign(size_t(n_), 0.f);
    window_.resize(size_t(n_));
    const double pi = juce::MathConstants<double>::pi;
    for (int i = 0; i < n_; ++i) window_[size_t(i)] = static_cast<float>(0.5 - 0.5 * std::cos(2.0 * pi * i / n_));
    re_.resize(size_t(n_));
    im_.resize(size_t(n_));
    cosT_.resize(size_t(n_ / 2));
    sinT_.resize(size_t(n_ / 2));
    for (int i = 0; i < n_ / 2; ++i) {
        cosT_[size_t(i)] = std::cos(2.0 * pi * i / n_);
        sinT_[size_t(i)] = -std::sin(2.0 * pi * i / n_);
    }
    rev_.resize(size_t(n_));
    int bits = 0;
    while ((1 << bits) < n_) ++bits;
    for (int i = 0; i < n_; ++i) {
        int r = 0;
        for (int b = 0; b < bits; ++b) r |= ((i >> b) & 1) << (bits - 1 - b);
        rev_[size_t(i)] = r;
    }
    // Row r covers [lo (hi/lo)^(r/R), lo (hi/lo)^((r+1)/R)): the bins inside, or the nearest one.
    const double df = sr_ / n_;
    for (int r = 0; r < rows_; ++r) {
        const double f0 = lowHz_ * std::pow(highHz_ / lowHz_, double(r) / rows_);
        const double f1 = lowHz_ * std::pow(highHz_ / lowHz_, double(r + 1) / rows_);
        int lo = static_cast<int>(std::ceil(f0 / df)), hi = static_cast<int>(std::floor(f1 / df - 1e-9));
        if (hi < lo) lo = hi = static_cast<int>(std::lround(std::sqrt(f0 * f1) / df));
        rowLo_.push_back(std::clamp(lo, 1, n_ / 2));
        rowHi_.push_back(std::clamp(hi, 1, n_ / 2));
    }
    sum_.assign(size_t(columns_) * size_t(rows_), 0.f);
    count_.assign(size_t(columns_), 0);
}

void Spectrogram::add(const float* x, int n) {
    for (int i = 0; i < n; ++i) {
        ring_[size_t(pos_ % n_)] = std::isfinite(x[i]) ? x[i] : 0.f;
        ++pos_;
        if (pos_ == nextFrame_) {
            frame();
            nextFrame_ += hop_;
        }
    }
}

void Spectrogram::frame() {
    // The last n_ samples (zeros before the start), windowed, in bit-reversed order.
    for (int i = 0; i < n_; ++i) {
        const std::int64_t at = pos_ - n_ + i;
        const float v = at >= 0 ? ring_[size_t(at % n_)] : 0.f;
        re_[size_t(rev_[size_t(i)])] = double(v) * window_[size_t(i)];
        im_[size_t(rev_[size_t(i)])] = 0.0;
    }
    for (int len = 2; len <= n_; len *= 2) {
        const int half = len / 2, step = n_ / len;
        for (int s = 0; s < n_; s += len)
            for (int k = 0; k < half; ++k) {
                const double wr = cosT_[size_t(k * step)], wi = sinT_[size_t(k * step)];
                const size_t a = size_t(s + k), b = size_t(s + k + half);
                const double tr = re_[b] * wr - im_[b] * wi, ti = re_[b] * wi + im_[b] * wr;
                re_[b] = re_[a] - tr;
                im_[b] = im_[a] - ti;
                re_[a] += tr;
                im_[a] += ti;
            }
    }
    const double centre = static_cast<double>(pos_) - n_ / 2.0;
    const int column = static_cast<int>(std::clamp<double>(std::floor(centre * columns_ / static_cast<double>(total_)), 0, columns_ - 1));
    // A full-scale sine's bin under a Hann window has magnitude n/4: that reads 0 dBFS.
    const double ref = 1.0 / (double(n_) * n_ / 16.0);
    float* out = sum_.data() + size_t(column) * size_t(rows_);
    for (int r = 0; r < rows_; ++r) {
        double p = 0.0;
        for (int k = rowLo_[size_t(r)]; k <= rowHi_[size_t(r)]; ++k) p += re_[size_t(k)] * re_[size_t(k)] + im_[size_t(k)] * im_[size_t(k)];
        out[r] += static_cast<float>(p * ref / (rowHi_[size_t(r)] - rowLo_[size_t(r)] + 1));
    }
    ++count_[size_t(column)];
}

float Spectrogram::db(int c, int r) const {
    while (c > 0 && count_[size_t(c)] == 0) --c;
    if (count_[size_t(c)] == 0) {   // nothing yet on the left: the first column that has frames
        int d = c;
        while (d < columns_ - 1 && count_[size_t(d)] == 0) ++d;
        c = d;
    }
    if (count_[size_t(c)] == 0) return -200.f;
    const float p = sum_[size_t(c) * size_t(rows_) + size_t(r)] / float(count_[size_t(c)]);
    return p > 1e-20f ? 10.f * std::log10(p) : -200.f;
}

// --- writePlot ------------------------------------------------------------------------------

namespace {

constexpr int kPlotWidth = 1600, kLeft = 130, kRight = 160, kHeader = 66, kTitleH = 22, kSpecH = 200, kLaneH = 100,
              kLaneGap = 8, kAxisH = 56;

juce::Colour fromStops(const std::initializer_list<juce::uint32>& stops, float v) {
    v = std::clamp(std::isfinite(v) ? v : 0.f, 0.f, 1.f);
    const int n = int(stops.size()) - 1;
    const float f = v * n;
    const int i = std::min(n - 1, int(f));
    const auto* s = stops.begin();
    return juce::Colour(s[i]).interpolatedWith(juce::Colour(s[i + 1]), f - i);
}
/** Spectrograms: black -> purple -> orange -> pale yellow (like matplotlib's magma). */
juce::Colour magma(float v) { return fromStops({0xff000004, 0xff3b0f70, 0xff8c2981, 0xffde4968, 0xfffe9f6d, 0xfffcfdbf}, v); }
/** Node lanes: purple -> teal -> yellow (like viridis). */
juce::Colour viridis(float v) { return fromStops({0xff440154, 0xff3b528b, 0xff21918c, 0xff5ec962, 0xfffde725}, v); }

/** 1, 2 or 5 times a power of ten, about span / target. */
double niceStep(double span, int target) {
    const double raw = span / std::max(1, target);
    const double p = std::pow(10.0, std::floor(std::log10(std::max(raw, 1e-12))));
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (m * p >= raw) return m * p;
    return 10.0 * p;
}

juce::String hzText(double f) {
    if (f >= 1000.0) return (f >= 10000.0 || std::fmod(f, 1000.0) == 0.0 ? juce::String(juce::roundToInt(f / 1000.0)) : juce::String(f / 1000.0, 1)) + "k";
    return juce::String(juce::roundToInt(f));
}

juce::String valueText(double v, double span) {
    const int decimals = span >= 100 ? 0 : span >= 10 ? 1 : span >= 1 ? 2 : span >= 0.01 ? 3 : 5;
    return decimals == 0 ? juce::String(juce::roundToInt(v)) : juce::String(v, decimals); // (0 decimals means "all" to juce::String)
}

/** `text` rotated to read bottom to top, centred on (cx, cy), in at most two lines of `width`. */
void verticalLabel(juce::Graphics& g, const juce::String& text, float cx, float cy, float width) {
    juce::Graphics::ScopedSaveState save(g);
    g.addTransform(juce::AffineTransform::rotation(-juce::MathConstants<float>::halfPi, cx, cy));
    g.setFont(11.f);
    g.drawFittedText(text, juce::Rectangle<float>(cx - width / 2, cy - 14, width, 28).toNearestInt(), juce::Justification::centred, 2, 0.9f);
}

/** A vertical colour bar right of `lane`, `lo`..`hi` with ticks, titled with the unit. */
void colourBar(juce::Graphics& g, juce::Rectangle<int> lane, double lo, double hi, const juce::String& unit,
               juce::Colour (*map)(float)) {
    const juce::Rectangle<int> bar(lane.getRight() + 14, lane.getY(), 14, lane.getHeight());
    for (int y = 0; y < bar.getHeight(); ++y) {
        g.setColour(map(1.f - float(y) / std::max(1, bar.getHeight() - 1)));
        g.fillRect(bar.getX(), bar.getY() + y, bar.getWidth(), 1);
    }
    g.setColour(juce::Colours::grey);
    g.drawRect(bar);
    g.setColour(juce::Colours::white);
    g.setFont(11.f);
    // The ends (the lane's range), then round values between them.
    auto tick = [&](double v) {
        const float y = bar.getBottom() - float((v - lo) / (hi - lo)) * bar.getHeight();
        g.drawLine(float(bar.getRight()), y, float(bar.getRight() + 4), y);
        g.drawText(valueText(v, hi - lo), bar.getRight() + 6, int(y) - 7, 60, 14, juce::Justification::left);
        return y;
    };
    tick(lo);
    tick(hi);
    const double step = niceStep(hi - lo, std::max(2, bar.getHeight() / 22));
    const float gap = 16.f;
    for (double v = std::ceil(lo / step) * step; v <= hi; v += step) {
        const float y = bar.getBottom() - float((v - lo) / (hi - lo)) * bar.getHeight();
        if (y > bar.getY() + gap && y < bar.getBottom() - gap) tick(std::abs(v) < step * 1e-6 ? 0.0 : v);
    }
    verticalLabel(g, unit, float(bar.getRight() + 74), float(bar.getCentreY()), float(bar.getHeight() + 10));
}

} // namespace

juce::Point<int> plotSize(int lanes) {
    return {kPlotWidth, kHeader + 2 * (kTitleH + kSpecH + kLaneGap) + lanes * (kTitleH + kLaneH + kLaneGap) + kAxisH};
}

void writePlot(const juce::File& file, const std::string& name, const PlotInput& in) {
    const PlotSeries* series = in.series;
    const int lanes = series != nullptr ? int(series->lanes().size()) : 0;
    const auto size = plotSize(lanes);
    const int w = size.x, h = size.y, plotW = w - kLeft - kRight;
    juce::Image image(juce::Image::RGB, w, h, true, juce::SoftwareImageType());
    juce::Graphics g(image);
    g.fillAll(juce::Colour(0xff101418));
    g.setColour(juce::Colours::white);
    g.setFont(18.f);
    g.drawText(in.title, kLeft, 8, w - kLeft - kRight, 24, juce::Justification::left);

    const double seconds = std::max(1e-6, in.seconds);
    auto xOf = [&](double t) { return float(kLeft + std::clamp(t / seconds, 0.0, 1.0) * plotW); };
    std::vector<juce::Rectangle<int>> areas; // every lane, for the time grid and the markers

    // Legend of the event markers.
    const juce::Colour kEventColour[] = {juce::Colour(0xff66dd66), juce::Colour(0xffff5555), juce::Colour(0xff55ddff),
                                         juce::Colours::white};
    const char* kEventName[] = {"reward >= 0 (note-on >= C4, bend up, reward CC)", "reward < 0 (note-on < C4, bend down)",
                                "episode end (note-off, episode CC)", "reset (CC 123)"};
    {
        int counts[4] = {};
        if (in.events != nullptr)
            for (const auto& e : *in.events) ++counts[e.kind];
        g.setFont(12.f);
        int x = kLeft;
        for (int k = 0; k < 4; ++k) {
            g.setColour(kEventColour[k]);
            g.fillRect(x, 42, 14, 3);
            g.setColour(juce::Colours::lightgrey);
            const juce::String label = juce::String(kEventName[k]) + ": " + juce::String(counts[k]);
            g.drawText(label, x + 18, 36, 330, 16, juce::Justification::left);
            x += 340;
        }
        if (in.eventsLeftOut > 0) {
            g.setColour(juce::Colours::orange);
            g.drawText("(" + juce::String(in.eventsLeftOut) + " more events not marked)", x, 36, 200, 16, juce::Justification::left);
        }
        if (in.events == nullptr || in.events->empty()) {
            g.setColour(juce::Colours::grey);
            g.drawText("markers: MIDI events (none in this render)", kLeft, 50, 600, 14, juce::Justification::left);
        }
    }

    int y = kHeader;
    auto laneTitle = [&](const juce::String& text) {
        g.setColour(juce::Colours::white);
        g.setFont(juce::Font(14.f, juce::Font::bold));
        g.drawText(text, kLeft, y + 2, plotW, kTitleH - 4, juce::Justification::left);
        y += kTitleH;
    };

    // --- spectrograms -------------------------------------------------------------------------
    const float kDbLo = -100.f, kDbHi = 0.f;
    auto spectrogram = [&](const Spectrogram* s, const juce::String& title) {
        laneTitle(title);
        const juce::Rectangle<int> area(kLeft, y, plotW, kSpecH);
        areas.push_back(area);
        y += kSpecH + kLaneGap;
        if (s == nullptr) return;
        for (int px = 0; px < area.getWidth(); ++px) {
            const int c = std::min(s->columns() - 1, px * s->columns() / area.getWidth());
            for (int py = 0; py < area.getHeight(); ++py) {
                const int r = std::min(s->rows() - 1, (area.getHeight() - 1 - py) * s->rows() / area.getHeight());
                image.setPixelAt(area.getX() + px, area.getY() + py, magma((s->db(c, r) - kDbLo) / (kDbHi - kDbLo)));
            }
        }
        g.setColour(juce::Colours::lightgrey);
        g.setFont(11.f);
        const double lo = s->lowHz(), hi = s->highHz();
        for (double decade = 10.0; decade <= hi; decade *= 10.0)
            for (double m : {1.0, 2.0, 5.0}) {
                const double f = m * decade;
                if (f < lo || f > hi) continue;
                const float fy = area.getBottom() - float(std::log(f / lo) / std::log(hi / lo)) * area.getHeight();
                g.drawLine(float(area.getX() - 5), fy, float(area.getX()), fy);
                g.drawText(hzText(f), area.getX() - 50, int(fy) - 7, 42, 14, juce::Justification::right);
            }
        verticalLabel(g, "frequency (Hz)", float(area.getX() - 70), float(area.getCentreY()), float(area.getHeight()));
        colourBar(g, area, kDbLo, kDbHi, "level (dBFS)", magma);
    };
    spectrogram(in.input, "INPUT, channel 1: spectrogram (" + juce::String(in.input ? in.input->fftSize() : 0) +
                              "-point Hann STFT, log frequency)");
    spectrogram(in.output, "OUTPUT, channel 1: spectrogram (the same analysis, latency-compensated)");

    // --- node lanes: each node's main compartment, channel 1, every unit ------------------------
    const auto centres = bandCentresHz(in.patch, in.sampleRate);
    for (int l = 0; l < lanes; ++l) {
        const auto& lane = series->lanes()[size_t(l)];
        const CompartmentInfo info = compartmentInfo(in.patch, lane.nodeIndex, series->node(l), lane.comp);
        const bool strip = lane.count > 1;
        laneTitle(juce::String(lane.id + "." + lane.comp + " (" + info.unit + ")") + ", channel 1" +
                  (strip ? ", all " + juce::String(lane.count) + (info.bands ? " bands" : " units") : juce::String()));
        const juce::Rectangle<int> area(kLeft, y, plotW, kLaneH);
        areas.push_back(area);
        y += kLaneH + kLaneGap;
        g.setColour(juce::Colour(0xff1b2026));
        g.fillRect(area);
        const size_t n = series->size();
        double lo = 1e300, hi = -1e300;
        for (size_t i = 0; i < n; ++i)
            for (int k = 0; k < lane.count; ++k) {
                const double v = series->row(i)[lane.offset + k];
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
        if (n == 0) lo = hi = 0.0;
        // A heat strip's colours span the 0.5..99.5 percentiles when a few outliers would
        // otherwise flatten the rest (the full range is then printed on the lane).
        const double fullLo = lo, fullHi = hi;
        bool clipped = false;
        if (strip && n > 0) {
            std::vector<float> sample;
            const size_t total = n * size_t(lane.count), every = std::max<size_t>(1, total / 50000);
            for (size_t j = 0; j < total; j += every) sample.push_back(series->row(j / size_t(lane.count))[lane.offset + int(j % size_t(lane.count))]);
            std::sort(sample.begin(), sample.end());
            const double pLo = sample[size_t(0.005 * double(sample.size() - 1))], pHi = sample[size_t(0.995 * double(sample.size() - 1))];
            if (pHi > pLo && (pHi - pLo) < 0.8 * (hi - lo)) {
                lo = pLo;
                hi = pHi;
                clipped = true;
            }
        }
        const bool constant = hi - lo < 1e-9 * std::max(1.0, std::abs(hi));
        if (constant) {
            const double pad = std::max(1e-3, std::abs(hi) * 0.1);
            lo -= pad;
            hi += pad;
        }
        auto norm = [&](double v) { return float((v - lo) / (hi - lo)); };
        g.setFont(11.f);
        if (strip) {
            const float unitH = float(area.getHeight()) / lane.count;
            {
            juce::Graphics::ScopedSaveState clip(g);
            g.reduceClipRegion(area);
            for (size_t i = 0; i < n; ++i) {
                // Whole pixels from half-way to the previous snapshot to half-way to the next.
                const int x0 = int(std::floor(xOf(series->time(i) - (i > 0 ? 0.5 * (series->time(i) - series->time(i - 1)) : 0.0))));
                const int x1 = int(std::ceil(xOf(i + 1 < n ? series->time(i) + 0.5 * (series->time(i + 1) - series->time(i)) : series->time(i))));
                for (int k = 0; k < lane.count; ++k) {
                    const int yTop = int(std::floor(area.getBottom() - unitH * (k + 1))), yBottom = int(std::ceil(area.getBottom() - unitH * k));
                    g.setColour(viridis(norm(series->row(i)[lane.offset + k])));
                    g.fillRect(x0, yTop, std::max(1, x1 - x0), std::max(1, yBottom - yTop));
                }
            }
            }
            // y ticks: units, or band centres.
            g.setColour(juce::Colours::lightgrey);
            const bool hz = info.bands && int(centres.size()) == lane.count;
            const int every = std::max(1, int(std::ceil(lane.count / std::max(1.f, area.getHeight() / 16.f))));
            for (int k = 0; k < lane.count; k += every) {
                const float cy = area.getBottom() - unitH * (k + 0.5f);
                g.drawLine(float(area.getX() - 4), cy, float(area.getX()), cy);
                g.drawText(hz ? hzText(centres[size_t(k)]) : "u" + juce::String(k), area.getX() - 50, int(cy) - 7, 44, 14,
                           juce::Justification::right);
            }
            verticalLabel(g, hz ? "band (Hz)" : "unit", float(area.getX() - 70), float(area.getCentreY()), float(area.getHeight()));
            colourBar(g, area, lo, hi, info.unit, viridis);
        } else {
            juce::Path path;
            for (size_t i = 0; i < n; ++i) {
                const float py = area.getBottom() - 4 - norm(series->row(i)[lane.offset]) * (area.getHeight() - 8);
                if (i == 0) path.startNewSubPath(xOf(series->time(i)), py); else path.lineTo(xOf(series->time(i)), py);
            }
            g.setColour(juce::Colour(0xff7fd0ff));
            g.strokePath(path, juce::PathStrokeType(1.5f));
            g.setColour(juce::Colours::lightgrey);
            const double step = niceStep(hi - lo, 4);
            for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-6; v += step) {
                const float py = area.getBottom() - 4 - norm(v) * (area.getHeight() - 8);
                g.drawLine(float(area.getX() - 4), py, float(area.getX()), py);
                g.drawText(valueText(std::abs(v) < step * 1e-6 ? 0.0 : v, hi - lo), area.getX() - 60, int(py) - 7, 54, 14,
                           juce::Justification::right);
            }
            verticalLabel(g, info.unit, float(area.getX() - 80), float(area.getCentreY()), float(area.getHeight()));
        }
        if (clipped) {
            g.setColour(juce::Colours::orange);
            g.drawText("colours: 0.5..99.5 percentile; full range " + valueText(fullLo, fullHi - fullLo) + " .. " +
                           valueText(fullHi, fullHi - fullLo) + " " + info.unit,
                       area.getRight() - 520, area.getY() - kTitleH + 4, 520, 14, juce::Justification::right);
        }
        if (constant) {
            g.setColour(juce::Colours::orange);
            g.drawText("constant " + valueText(0.5 * (lo + hi), 1.0) + " " + info.unit, area.getX() + 6, area.getY() + 4, 400, 14,
                       juce::Justification::left);
        }
    }

    // --- time grid, event markers, axis ---------------------------------------------------------
    const double step = niceStep(seconds, 12);
    for (const auto& area : areas) {
        g.setColour(juce::Colours::white.withAlpha(0.18f));
        for (double t = 0.0; t <= seconds + step * 1e-6; t += step) g.drawVerticalLine(int(xOf(t)), float(area.getY()), float(area.getBottom()));
        g.setColour(juce::Colours::grey);
        g.drawRect(area);
    }
    if (in.events != nullptr) {
        const float alpha = in.events->size() > 400 ? 0.35f : 0.85f;
        for (const auto& e : *in.events) {
            const float x = xOf(e.time);
            g.setColour(kEventColour[e.kind].withAlpha(alpha));
            for (const auto& area : areas) {
                if (e.kind == PlotEvent::episodeEnd) {
                    const float dash[] = {4.f, 3.f};
                    g.drawDashedLine(juce::Line<float>(x, float(area.getY()), x, float(area.getBottom())), dash, 2, 1.2f);
                } else {
                    g.drawLine(x, float(area.getY()), x, float(area.getBottom()), 1.2f);
                }
            }
            if (in.events->size() <= 80 && (e.kind == PlotEvent::rewardUp || e.kind == PlotEvent::rewardDown) && !areas.empty()) {
                g.setFont(10.f);
                g.drawText((e.value >= 0 ? "+" : "") + juce::String(e.value, 2), int(x) + 2, areas.front().getY() + 2, 40, 12,
                           juce::Justification::left);
            }
        }
    }
    const int axisY = y;
    g.setColour(juce::Colours::lightgrey);
    g.drawHorizontalLine(axisY, float(kLeft), float(kLeft + plotW));
    g.setFont(12.f);
    const int decimals = step >= 1.0 ? 0 : step >= 0.1 ? 1 : step >= 0.01 ? 2 : 3;
    for (double t = 0.0; t <= seconds + step * 1e-6; t += step) {
        const float x = xOf(t);
        g.drawVerticalLine(int(x), float(axisY), float(axisY + 6));
        g.drawText(decimals == 0 ? juce::String(juce::roundToInt(t)) : juce::String(t, decimals), int(x) - 30, axisY + 8, 60, 14, juce::Justification::centred);
    }
    g.drawText("time (s)", kLeft, axisY + 28, plotW, 16, juce::Justification::centred);

    if (file.isDirectory()) throw UsageError{"cannot write " + name + ": it is a directory"};
    juce::TemporaryFile temp(file);
    {
        juce::FileOutputStream out(temp.getFile());
        juce::PNGImageFormat png;
        if (!out.openedOk() || !png.writeImageToStream(image, out)) throw UsageError{"cannot write " + name};
        out.flush();
        if (out.getStatus().failed()) throw UsageError{"cannot write " + name};
    }
    if (!temp.overwriteTargetFileWithTemporary()) throw UsageError{"cannot write " + name};
}

TruePeakMeter::TruePeakMeter() {
    // h[k], k = 0..47, a 4x interpolation low-pass: sinc at a quarter of the oversampled rate
    // under a Hann window; phase p of output sample n uses h[p + 4 j] against x[n - j].
    const int n = kTaps * kPhases;
    const double centre = (n - 1) / 2.0;
    for (int k = 0; k < n; ++k) {
        const double t = (k - centre) / kPhases;
        const double sinc = t == 0.0 ? 1.0 : std::sin(juce::MathConstants<double>::pi * t) / (juce::MathConstants<double>::pi * t);
        const double w = 0.5 - 0.5 * std::cos(2.0 * juce::MathConstants<double>::pi * (k + 0.5) / n);
        coeff_[k % kPhases][k / kPhases] = static_cast<float>(sinc * w);
    }
}

void TruePeakMeter::add(float x) noexcept {
    hist_[pos_] = x;
    peak_ = std::max(peak_, std::abs(x));
    for (int p = 0; p < kPhases; ++p) {
        float acc = 0.f;
        for (int j = 0; j < kTaps; ++j) acc += coeff_[p][j] * hist_[(pos_ - j + kTaps) % kTaps];
        peak_ = std::max(peak_, std::abs(acc));
    }
    pos_ = (pos_ + 1) % kTaps;
}

float TruePeakMeter::finish() noexcept {
    for (int i = 0; i < kTaps; ++i) add(0.f);
    return peak_;
}

} // namespace graded::cli
