// SPDX-License-Identifier: GPL-3.0-or-later
#include "Parameters.h"

#include <Kernels/Activation.h>

namespace graded::plugin {
namespace {

juce::String toJuce(std::string_view s) { return juce::String(s.data(), s.size()); }

juce::StringArray choiceLabels(HostParam p) {
    juce::StringArray labels;
    if (p == HostParam::step) {
        for (int n : kStepChoices) labels.add(juce::String(n) + " samples");
        return labels;
    }
    for (auto s : hostChoiceLabels(p)) labels.add(toJuce(s)); // the kernels' own name tables
    return labels;
}

juce::NormalisableRange<float> continuousRange(const HostParamInfo& info) {
    juce::NormalisableRange<float> range(info.min, info.max);
    if (info.skewCentre > info.min && info.skewCentre < info.max)
        range.setSkewForCentre(info.skewCentre);
    return range;
}

int decimalsFor(const HostParamInfo& info) {
    const float span = info.max - info.min;
    return span >= 100.f ? 1 : (span >= 10.f ? 2 : 3);
}

} // namespace

juce::String parameterId(HostParam p) { return toJuce(hostParamInfo(p).id); }

juce::AudioProcessorValueTreeState::ParameterLayout
createParameterLayout(const juce::StringArray& factoryPatchNames) {
    juce::AudioProcessorValueTreeState::ParameterLayout layout;
    for (int i = 0; i < kNumHostParams; ++i) {
        const auto p = static_cast<HostParam>(i);
        const auto& info = kHostParams[static_cast<size_t>(i)];
        const juce::ParameterID id{toJuce(info.id), info.versionHint};
        const auto name = toJuce(info.name);
        const auto unit = toJuce(info.unit);

        switch (info.type) {
        case HostParamType::continuous: {
            const int decimals = decimalsFor(info);
            layout.add(std::make_unique<juce::AudioParameterFloat>(
                id, name, continuousRange(info), info.defaultValue,
                juce::AudioParameterFloatAttributes()
                    .withLabel(unit)
                    .withStringFromValueFunction([decimals, unit](float v, int) {
                        auto s = juce::String(v, decimals);
                        return unit.isEmpty() ? s : s + " " + unit;
                    })
                    .withValueFromStringFunction([](const juce::String& text) {
                        return text.getFloatValue();
                    })));
            break;
        }
        case HostParamType::choice: {
            auto labels = choiceLabels(p);
            jassert(labels.size() == static_cast<int>(info.max - info.min) + 1);
            layout.add(std::make_unique<juce::AudioParameterChoice>(
                id, name, labels, static_cast<int>(info.defaultValue),
                juce::AudioParameterChoiceAttributes().withLabel(unit)));
            break;
        }
        case HostParamType::integer: {
            juce::AudioParameterIntAttributes attributes;
            attributes = attributes.withLabel(unit);
            if (p == HostParam::patch) {
                // The patch index is a fixed 0..63 range (stable across releases); its text is
                // the factory patch's name, indices past the last patch select the last one.
                const auto names = factoryPatchNames;
                attributes = attributes
                    .withStringFromValueFunction([names](int v, int) {
                        if (names.isEmpty()) return juce::String(v);
                        return names[juce::jlimit(0, names.size() - 1, v)];
                    })
                    .withValueFromStringFunction([names](const juce::String& text) {
                        const int index = names.indexOf(text.trim(), true);
                        return index >= 0 ? index : text.getIntValue();
                    });
            }
            layout.add(std::make_unique<juce::AudioParameterInt>(
                id, name, static_cast<int>(info.min), static_cast<int>(info.max),
                static_cast<int>(info.defaultValue), attributes));
            break;
        }
        case HostParamType::toggle:
            layout.add(std::make_unique<juce::AudioParameterBool>(
                id, name, info.defaultValue >= 0.5f,
                juce::AudioParameterBoolAttributes().withLabel(unit)));
            break;
        }
    }
    return layout;
}

void ParameterCache::bind(juce::AudioProcessorValueTreeState& state) {
    for (int i = 0; i < kNumHostParams; ++i) {
        raw_[static_cast<size_t>(i)] = state.getRawParameterValue(parameterId(static_cast<HostParam>(i)));
        jassert(raw_[static_cast<size_t>(i)] != nullptr);
    }
}

} // namespace graded::plugin
