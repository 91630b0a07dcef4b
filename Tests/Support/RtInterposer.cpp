// SPDX-License-Identifier: GPL-3.0-or-later
#include "RtInterposer.h"

#include <cstddef>
#include <cstdlib>
#include <dlfcn.h>
#include <new>
#include <pthread.h>

extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void __libc_free(void*);
}

namespace {
thread_local bool tlCounting = false;
thread_local long tlAllocations = 0;
thread_local long tlLocks = 0;

inline void noteAlloc() {
    if (tlCounting) ++tlAllocations;
}
} // namespace

namespace rt {
Scope::Scope() {
    tlAllocations = 0;
    tlLocks = 0;
    tlCounting = true;
}
Scope::~Scope() { tlCounting = false; }
Counts Scope::counts() const { return {tlAllocations, tlLocks}; }
} // namespace rt

extern "C" {

void* malloc(size_t n) {
    noteAlloc();
    return __libc_malloc(n);
}
void* calloc(size_t a, size_t b) {
    noteAlloc();
    return __libc_calloc(a, b);
}
void* realloc(void* p, size_t n) {
    noteAlloc();
    return __libc_realloc(p, n);
}
void free(void* p) { __libc_free(p); }
void* aligned_alloc(size_t al, size_t n) {
    noteAlloc();
    return __libc_memalign(al, n);
}
void* memalign(size_t al, size_t n) {
    noteAlloc();
    return __libc_memalign(al, n);
}
int posix_memalign(void** out, size_t al, size_t n) {
    noteAlloc();
    void* p = __libc_memalign(al, n);
    if (!p) return 12; // ENOMEM
    *out = p;
    return 0;
}

int pthread_mutex_lock(pthread_mutex_t* m) {
    using Fn = int (*)(pthread_mutex_t*);
    static Fn real = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "pthread_mutex_lock"));
    if (tlCounting) ++tlLocks;
    return real(m);
}

} // extern "C"

void* operator new(size_t n) {
    noteAlloc();
    if (void* p = __libc_malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](size_t n) { return operator new(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
    noteAlloc();
    return __libc_malloc(n ? n : 1);
}
void* operator new[](size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void* operator new(size_t n, std::align_val_t al) {
    noteAlloc();
    if (void* p = __libc_memalign(static_cast<size_t>(al), n ? n : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](size_t n, std::align_val_t al) { return operator new(n, al); }
void operator delete(void* p) noexcept { __libc_free(p); }
void operator delete[](void* p) noexcept { __libc_free(p); }
void operator delete(void* p, size_t) noexcept { __libc_free(p); }
void operator delete[](void* p, size_t) noexcept { __libc_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { __libc_free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { __libc_free(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { __libc_free(p); }
