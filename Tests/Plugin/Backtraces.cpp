// SPDX-License-Identifier: GPL-3.0-or-later
#include "Backtraces.h"

#include <cxxabi.h>
#include <dlfcn.h>
#include <elf.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>

namespace graded::test::backtraces {
namespace {

struct Symbol {
    std::uint64_t start = 0, size = 0;
    std::string name;
};

struct ObjectSymbols {
    bool executable = false; // ET_EXEC: symbol values are absolute addresses
    std::vector<Symbol> symbols;
};

ObjectSymbols readSymbols(const std::string& path) {
    ObjectSymbols out;
    std::ifstream in(path, std::ios::binary);
    const std::vector<char> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (data.size() < sizeof(Elf64_Ehdr) || std::memcmp(data.data(), ELFMAG, SELFMAG) != 0) return out;
    const auto* eh = reinterpret_cast<const Elf64_Ehdr*>(data.data());
    if (eh->e_ident[EI_CLASS] != ELFCLASS64) return out;
    out.executable = eh->e_type == ET_EXEC;
    if (eh->e_shoff == 0 || eh->e_shoff + std::uint64_t(eh->e_shnum) * sizeof(Elf64_Shdr) > data.size()) return out;
    const auto* sh = reinterpret_cast<const Elf64_Shdr*>(data.data() + eh->e_shoff);
    for (Elf32_Word wanted : {Elf32_Word(SHT_SYMTAB), Elf32_Word(SHT_DYNSYM)}) {
        for (int i = 0; i < eh->e_shnum; ++i) {
            if (sh[i].sh_type != wanted || sh[i].sh_link >= eh->e_shnum) continue;
            const auto& strtab = sh[sh[i].sh_link];
            if (sh[i].sh_offset + sh[i].sh_size > data.size() || strtab.sh_offset + strtab.sh_size > data.size()) continue;
            const auto* syms = reinterpret_cast<const Elf64_Sym*>(data.data() + sh[i].sh_offset);
            const auto count = sh[i].sh_size / sizeof(Elf64_Sym);
            for (std::uint64_t k = 0; k < count; ++k) {
                if (ELF64_ST_TYPE(syms[k].st_info) != STT_FUNC || syms[k].st_value == 0) continue;
                if (syms[k].st_name >= strtab.sh_size) continue;
                out.symbols.push_back({syms[k].st_value, syms[k].st_size, data.data() + strtab.sh_offset + syms[k].st_name});
            }
        }
        if (!out.symbols.empty()) break;
    }
    std::sort(out.symbols.begin(), out.symbols.end(), [](const Symbol& a, const Symbol& b) { return a.start < b.start; });
    return out;
}

const ObjectSymbols& symbolsOf(const std::string& path) {
    static std::map<std::string, ObjectSymbols> cache;
    auto it = cache.find(path);
    if (it == cache.end()) it = cache.emplace(path, readSymbols(path)).first;
    return it->second;
}

std::string demangle(const std::string& name) {
    int status = 0;
    std::unique_ptr<char, void (*)(void*)> d(abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status), std::free);
    return status == 0 && d ? std::string(d.get()) : name;
}

} // namespace

std::string canonicalPath(const std::string& path) {
    char buf[PATH_MAX];
    return realpath(path.c_str(), buf) != nullptr ? std::string(buf) : std::string();
}

std::vector<Frame> symbolise(void* const* frames, int numFrames) {
    std::vector<Frame> out;
    for (int i = 0; i < numFrames; ++i) {
        Frame f{"", "?"};
        // A return address points past the call; look up the call instruction itself.
        const auto addr = reinterpret_cast<std::uintptr_t>(frames[i]) - (i > 0 ? 1 : 0);
        Dl_info info{};
        if (dladdr(reinterpret_cast<void*>(addr), &info) != 0 && info.dli_fname != nullptr) {
            f.object = canonicalPath(info.dli_fname);
            if (f.object.empty()) f.object = info.dli_fname;
            const auto& objectSymbols = symbolsOf(f.object);
            const std::uint64_t key = objectSymbols.executable ? addr : addr - reinterpret_cast<std::uintptr_t>(info.dli_fbase);
            const auto& syms = objectSymbols.symbols;
            auto it = std::upper_bound(syms.begin(), syms.end(), key,
                                       [](std::uint64_t k, const Symbol& s) { return k < s.start; });
            if (it != syms.begin()) {
                --it;
                if (key < it->start + std::max<std::uint64_t>(it->size, 1)) f.symbol = demangle(it->name);
            }
            if (f.symbol == "?" && info.dli_sname != nullptr) f.symbol = demangle(info.dli_sname);
        }
        out.push_back(std::move(f));
    }
    return out;
}

} // namespace graded::test::backtraces
