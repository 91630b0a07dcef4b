// SPDX-License-Identifier: GPL-3.0-or-later
// The user patch folder: patches listed by their name, saved, renamed and deleted.
#include "UserPatchLibrary.h"

#include <catch2/catch.hpp>

using graded::plugin::UserPatchLibrary;

namespace {
struct TempFolder {
    juce::TemporaryFile dir{"", juce::TemporaryFile::useHiddenFile};
    juce::File folder;
    TempFolder() : folder(dir.getFile()) { REQUIRE(folder.createDirectory().wasOk()); }
    ~TempFolder() { folder.deleteRecursively(); }
};
const std::string kPatch = R"({"format": 1, "name": "Old", "description": "d", "nodes": []})";
} // namespace

TEST_CASE("user patches are listed by their name, not their file name", "[userpatches]") {
    TempFolder t;
    t.folder.getChildFile("zzz.json").replaceWithText(R"({"format": 1, "name": "Alpha"})");
    t.folder.getChildFile("aaa.json").replaceWithText(R"({"format": 1, "name": "beta"})");
    t.folder.getChildFile("noname.json").replaceWithText(R"({"format": 1})");
    t.folder.getChildFile("broken.json").replaceWithText("{\"format\": 1, \"na");
    t.folder.getChildFile("array.json").replaceWithText("[1, 2]");
    t.folder.getChildFile("notes.txt").replaceWithText("not a patch");
    const auto entries = UserPatchLibrary(t.folder).scan();
    REQUIRE(entries.size() == 5);
    CHECK(entries[0].name == "Alpha");
    CHECK(entries[0].file.getFileName() == "zzz.json");
    CHECK(entries[0].error.isEmpty());
    CHECK(entries[1].name == "array");
    CHECK(entries[1].error == "not a JSON object");
    CHECK(entries[2].name == "beta");
    CHECK(entries[3].name == "broken");
    CHECK(entries[3].error == "not a JSON object");
    CHECK(entries[4].name == "noname");
    CHECK(entries[4].error.isEmpty());
    CHECK(UserPatchLibrary(t.folder).fileNamed("ALPHA").getFileName() == "zzz.json");
    CHECK(UserPatchLibrary(t.folder).fileNamed("nothing") == juce::File());
    CHECK(UserPatchLibrary(t.folder.getChildFile("absent")).scan().empty());
}

TEST_CASE("Save as writes the patch under its new name and never silently replaces another", "[userpatches]") {
    TempFolder t;
    const UserPatchLibrary lib(t.folder.getChildFile("Patches")); // created by the first save
    juce::String error;
    const auto file = lib.saveAs(kPatch, "  My Circuit: v1/2 ", false, error);
    INFO(error);
    REQUIRE(file.existsAsFile());
    CHECK(file.getFileName() == "My-Circuit-v12.json");
    CHECK(UserPatchLibrary::nameOf(file.loadFileAsString().toStdString()) == "My Circuit: v1/2");
    // the rest of the text is kept (key order too)
    CHECK(file.loadFileAsString().indexOf("\"format\"") < file.loadFileAsString().indexOf("\"description\""));

    CHECK(lib.saveAs(kPatch, "my circuit: V1/2", false, error) == juce::File());
    CHECK(error.contains("exists"));
    const auto again = lib.saveAs(R"({"format": 1, "name": "x", "description": "new"})", "My Circuit: v1/2", true, error);
    CHECK(again == file);
    CHECK(file.loadFileAsString().contains("new"));
    CHECK(lib.scan().size() == 1);

    // a different name whose file name is taken gets a file of its own
    const auto other = lib.saveAs(kPatch, "My Circuit v12", false, error);
    CHECK(other.getFileName() == "My-Circuit-v12-2.json");
    CHECK(lib.scan().size() == 2);

    CHECK(lib.saveAs(kPatch, "   ", false, error) == juce::File());
    CHECK(error == "a patch needs a name");
    CHECK(lib.saveAs("[1]", "A", false, error) == juce::File());
    CHECK(lib.saveAs("{", "A", false, error) == juce::File());
    const auto symbols = lib.saveAs(kPatch, "***", false, error);
    CHECK(symbols.getFileName() == "patch.json");
}

TEST_CASE("a user patch can be renamed and deleted, only inside the folder", "[userpatches]") {
    TempFolder t;
    const UserPatchLibrary lib(t.folder);
    juce::String error;
    const auto a = lib.saveAs(kPatch, "First", false, error);
    const auto b = lib.saveAs(kPatch, "Second", false, error);
    REQUIRE(a.existsAsFile());
    REQUIRE(b.existsAsFile());

    juce::File renamed;
    REQUIRE(lib.rename(a, "Third one", error, &renamed));
    CHECK(renamed.getFileName() == "Third-one.json");
    CHECK(!a.exists());
    CHECK(UserPatchLibrary::nameOf(renamed.loadFileAsString().toStdString()) == "Third one");
    CHECK_FALSE(lib.rename(renamed, "second", error));
    CHECK(error.contains("exists"));
    CHECK_FALSE(lib.rename(renamed, "", error));
    CHECK_FALSE(lib.rename(t.folder.getChildFile("absent.json"), "X", error));
    // renaming to its own name in another case is allowed
    CHECK(lib.rename(renamed, "THIRD ONE", error, &renamed));

    const auto outside = t.folder.getSiblingFile("outside-" + juce::String(juce::Random::getSystemRandom().nextInt()) + ".json");
    outside.replaceWithText(kPatch);
    CHECK_FALSE(lib.remove(outside, error));
    CHECK(outside.existsAsFile());
    outside.deleteFile();
    CHECK_FALSE(lib.rename(outside, "X", error));

    REQUIRE(lib.remove(b, error));
    CHECK(!b.exists());
    REQUIRE(lib.scan().size() == 1);
    CHECK(lib.scan()[0].name == "THIRD ONE");
}

TEST_CASE("GRADEDCELLS_PATCH_DIR chooses the user patch folder", "[userpatches]") {
    const auto before = juce::SystemStats::getEnvironmentVariable("GRADEDCELLS_PATCH_DIR", {});
    setenv("GRADEDCELLS_PATCH_DIR", "/tmp/graded-patches-test", 1);
    CHECK(UserPatchLibrary::defaultFolder().getFullPathName() == "/tmp/graded-patches-test");
    setenv("GRADEDCELLS_PATCH_DIR", "relative/path", 1);
    CHECK(UserPatchLibrary::defaultFolder().getFullPathName().endsWith("GradedCells/Patches"));
    if (before.isEmpty()) unsetenv("GRADEDCELLS_PATCH_DIR");
    else setenv("GRADEDCELLS_PATCH_DIR", before.toRawUTF8(), 1);
}
