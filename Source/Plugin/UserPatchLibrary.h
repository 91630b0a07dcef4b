// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The user patch folder: patches listed by their "name", saved, renamed and deleted (the
// editor's patch menu and workbench use it; message thread only, never the audio thread).

#include <juce_core/juce_core.h>

#include <string>
#include <vector>

namespace graded::plugin {

struct UserPatchEntry {
    juce::File file;
    juce::String name;     ///< the patch's "name" (the file name when it has none)
    juce::String error;    ///< why the file cannot be read as a patch's JSON (empty: readable)
};

class UserPatchLibrary {
public:
    /** `folder`: where the patches live (default: defaultFolder()). */
    explicit UserPatchLibrary(juce::File folder = defaultFolder());
    /** $GRADEDCELLS_PATCH_DIR when set, else <user application data>/GradedCells/Patches. */
    static juce::File defaultFolder();
    const juce::File& folder() const noexcept { return folder_; }

    /** The folder's *.json files by name (case-insensitive), then file name. Names are read from
        each file's JSON; a file too large, unreadable or without a name is listed by its file
        name (with `error` set when it is not a patch's JSON). */
    std::vector<UserPatchEntry> scan() const;
    /** The entry whose name is `name` (first of scan()), or none. */
    juce::File fileNamed(const juce::String& name) const;

    /** Writes `json` as the patch `name` (its "name" set to it; the text otherwise unchanged).
        The file name comes from the name; a patch already saved under that name is replaced
        only when `overwrite`, otherwise false with `error` ("a patch named ... exists").
        The write goes through a temporary file: a failed save leaves the old file. Returns the
        file written, or juce::File() and `error`. */
    juce::File saveAs(const std::string& json, const juce::String& name, bool overwrite, juce::String& error) const;
    /** Gives the patch in `file` a new name (rewrites its "name"; the file is renamed to match
        when that file name is free). False and `error` when the name is empty or taken, or the
        file is not a patch in this folder. */
    bool rename(const juce::File& file, const juce::String& newName, juce::String& error, juce::File* renamedTo = nullptr) const;
    /** Deletes `file` (only a .json file in this folder). */
    bool remove(const juce::File& file, juce::String& error) const;

    /** The name written in a patch's JSON text ("" when it has none or is not JSON). */
    static juce::String nameOf(const std::string& json);
    /** `json` with its "name" replaced (false: `json` is not a JSON object). */
    static bool withName(const std::string& json, const juce::String& name, std::string& out);

private:
    bool inFolder(const juce::File& file) const;
    juce::File freeFileFor(const juce::String& name, const juce::File& except) const;
    juce::File folder_;
};

} // namespace graded::plugin
