// SPDX-License-Identifier: GPL-3.0-or-later
#include "UserPatchLibrary.h"

#include <Limits.h>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace graded::plugin {
namespace {
using ojson = nlohmann::ordered_json;

/** A file name from a patch name: letters, digits, '-' and '_' kept, spaces as '-'. */
juce::String fileStemFor(const juce::String& name) {
    juce::String stem;
    for (auto c : name.trim()) {
        if (juce::CharacterFunctions::isLetterOrDigit(c) || c == '-' || c == '_') stem += juce::String::charToString(c);
        else if (c == ' ' && !stem.endsWithChar('-')) stem += "-";
    }
    stem = stem.trimCharactersAtEnd("-").substring(0, 64);
    return stem.isEmpty() ? juce::String("patch") : stem;
}

bool readText(const juce::File& file, std::string& out, juce::String& error) {
    const auto size = file.getSize();
    if (size > static_cast<juce::int64>(limits::kMaxPatchBytes)) {
        error = "larger than " + juce::String(static_cast<juce::int64>(limits::kMaxPatchBytes >> 20)) + " MiB";
        return false;
    }
    juce::MemoryBlock block;
    if (!file.loadFileAsData(block)) {
        error = "cannot be read";
        return false;
    }
    out.assign(static_cast<const char*>(block.getData()), block.getSize());
    return true;
}
} // namespace

UserPatchLibrary::UserPatchLibrary(juce::File folder) : folder_(std::move(folder)) {}

juce::File UserPatchLibrary::defaultFolder() {
    const auto env = juce::SystemStats::getEnvironmentVariable("GRADEDCELLS_PATCH_DIR", {});
    if (env.isNotEmpty() && juce::File::isAbsolutePath(env)) return juce::File(env);
    return juce::File::getSpecialLocation(juce::File::userApplicationDataDirectory)
        .getChildFile("GradedCells")
        .getChildFile("Patches");
}

juce::String UserPatchLibrary::nameOf(const std::string& json) {
    const auto doc = ojson::parse(json, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("name") || !doc["name"].is_string()) return {};
    return juce::String::fromUTF8(doc["name"].get<std::string>().c_str()).trim();
}

bool UserPatchLibrary::withName(const std::string& json, const juce::String& name, std::string& out) {
    auto doc = ojson::parse(json, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return false;
    doc["name"] = name.trim().toStdString();
    out = doc.dump(2) + "\n";
    return true;
}

std::vector<UserPatchEntry> UserPatchLibrary::scan() const {
    std::vector<UserPatchEntry> entries;
    if (!folder_.isDirectory()) return entries;
    for (const auto& file : folder_.findChildFiles(juce::File::findFiles, false, "*.json")) {
        UserPatchEntry e;
        e.file = file;
        std::string text;
        if (readText(file, text, e.error)) {
            const auto doc = ojson::parse(text, nullptr, false);
            if (doc.is_discarded() || !doc.is_object()) e.error = "not a JSON object";
            else e.name = nameOf(text);
        }
        if (e.name.isEmpty()) e.name = file.getFileNameWithoutExtension();
        entries.push_back(std::move(e));
    }
    std::sort(entries.begin(), entries.end(), [](const UserPatchEntry& a, const UserPatchEntry& b) {
        const int c = a.name.compareIgnoreCase(b.name);
        return c != 0 ? c < 0 : a.file.getFileName() < b.file.getFileName();
    });
    return entries;
}

juce::File UserPatchLibrary::fileNamed(const juce::String& name) const {
    for (const auto& e : scan())
        if (e.name.equalsIgnoreCase(name.trim())) return e.file;
    return {};
}

bool UserPatchLibrary::inFolder(const juce::File& file) const {
    return file.getParentDirectory() == folder_ && file.hasFileExtension("json");
}

juce::File UserPatchLibrary::freeFileFor(const juce::String& name, const juce::File& except) const {
    const auto stem = fileStemFor(name);
    for (int i = 1;; ++i) {
        auto f = folder_.getChildFile(stem + (i == 1 ? juce::String() : "-" + juce::String(i)) + ".json");
        if (!f.exists() || f == except) return f;
    }
}

juce::File UserPatchLibrary::saveAs(const std::string& json, const juce::String& rawName, bool overwrite,
                                    juce::String& error) const {
    const auto name = rawName.trim();
    if (name.isEmpty()) {
        error = "a patch needs a name";
        return {};
    }
    std::string text;
    if (!withName(json, name, text)) {
        error = "the patch is not a JSON object";
        return {};
    }
    auto target = fileNamed(name);
    if (target != juce::File() && !overwrite) {
        error = "a patch named '" + name + "' exists (" + target.getFileName() + ")";
        return {};
    }
    if (!folder_.isDirectory()) {
        const auto made = folder_.createDirectory();
        if (made.failed()) {
            error = "cannot create " + folder_.getFullPathName() + ": " + made.getErrorMessage();
            return {};
        }
    }
    if (target == juce::File()) target = freeFileFor(name, {});
    if (!target.replaceWithText(juce::String::fromUTF8(text.c_str()), false, false, "\n")) {
        error = "cannot write " + target.getFullPathName();
        return {};
    }
    return target;
}

bool UserPatchLibrary::rename(const juce::File& file, const juce::String& rawName, juce::String& error,
                              juce::File* renamedTo) const {
    const auto name = rawName.trim();
    if (!inFolder(file) || !file.existsAsFile()) {
        error = file.getFileName() + " is not a patch in " + folder_.getFullPathName();
        return false;
    }
    if (name.isEmpty()) {
        error = "a patch needs a name";
        return false;
    }
    const auto other = fileNamed(name);
    if (other != juce::File() && other != file) {
        error = "a patch named '" + name + "' exists (" + other.getFileName() + ")";
        return false;
    }
    std::string text, renamed;
    if (!readText(file, text, error)) {
        error = file.getFileName() + " " + error;
        return false;
    }
    if (!withName(text, name, renamed)) {
        error = file.getFileName() + " is not a patch's JSON";
        return false;
    }
    if (!file.replaceWithText(juce::String::fromUTF8(renamed.c_str()), false, false, "\n")) {
        error = "cannot write " + file.getFullPathName();
        return false;
    }
    auto result = file;
    const auto wanted = freeFileFor(name, file);
    if (wanted != file && file.moveFileTo(wanted)) result = wanted; // else: the name changed, the file name stays
    if (renamedTo != nullptr) *renamedTo = result;
    return true;
}

bool UserPatchLibrary::remove(const juce::File& file, juce::String& error) const {
    if (!inFolder(file) || !file.existsAsFile()) {
        error = file.getFileName() + " is not a patch in " + folder_.getFullPathName();
        return false;
    }
    if (!file.deleteFile()) {
        error = "cannot delete " + file.getFullPathName();
        return false;
    }
    return true;
}

} // namespace graded::plugin
