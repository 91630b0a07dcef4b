// SPDX-License-Identifier: GPL-3.0-or-later
// Interposes the allocation and mutex entry points for the test executable. Counting is
// off unless a thread_local flag is set, so the rest of the program is unaffected.
#include "RtCheck.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <pthread.h>

#include <atomic>

#include <cstddef>
#include <cstdlib>
#include <new>

// The real allocator behind the counting wrappers: glibc's, or under AddressSanitizer
// ASan's own (its __interceptor_ entry points), so that the sanitizer phase still checks
// every heap access of the tests that link this interposer.
#if defined(__SANITIZE_ADDRESS__)
#define GRADED_RT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GRADED_RT_ASAN 1
#endif
#endif

extern "C" {
#ifdef GRADED_RT_ASAN
void* __interceptor_malloc(size_t);
void* __interceptor_calloc(size_t, size_t);
void* __interceptor_realloc(void*, size_t);
void* __interceptor_memalign(size_t, size_t);
void __interceptor_free(void*);
#define GRADED_REAL(fn) __interceptor_##fn
#else
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void __libc_free(void*);
#define GRADED_REAL(fn) __libc_##fn
#endif
}

namespace {
thread_local bool tCounting = false;
thread_local long tAllocs = 0;
thread_local long tLocks = 0;

thread_local bool tInHook = false;
std::atomic<bool> gRecording{false};
graded::test::rtcheck::Event gEvents[graded::test::rtcheck::kMaxEvents];
std::atomic<int> gNumEvents{0};

void record(bool lock) noexcept {
    if (!gRecording.load(std::memory_order_relaxed) || tInHook) return;
    tInHook = true; // the unwinder's own allocations/locks are neither counted nor recorded
    const int index = gNumEvents.fetch_add(1);
    if (index < graded::test::rtcheck::kMaxEvents) {
        auto& e = gEvents[index];
        e.lock = lock;
        e.numFrames = backtrace(e.frames, graded::test::rtcheck::Event::kMaxFrames);
    }
    tInHook = false;
}

inline void countAlloc() noexcept {
    if (tCounting && !tInHook) {
        ++tAllocs;
        record(false);
    }
}
inline void countLock() noexcept {
    if (tCounting && !tInHook) {
        ++tLocks;
        record(true);
    }
}

using MutexFn = int (*)(pthread_mutex_t*);
MutexFn realMutexLock() {
    static MutexFn fn = reinterpret_cast<MutexFn>(dlsym(RTLD_NEXT, "pthread_mutex_lock"));
    return fn;
}
MutexFn realMutexTrylock() {
    static MutexFn fn = reinterpret_cast<MutexFn>(dlsym(RTLD_NEXT, "pthread_mutex_trylock"));
    return fn;
}
// Resolve before any counting starts (dlsym itself may allocate), and make backtrace() load
// its unwinder (libgcc_s) now rather than inside a counted scope.
[[maybe_unused]] const bool kResolved = [] {
    realMutexLock();
    realMutexTrylock();
    void* frames[4];
    backtrace(frames, 4);
    return true;
}();
} // namespace

extern "C" {
void* malloc(size_t n) { countAlloc(); return GRADED_REAL(malloc)(n); }
void* calloc(size_t a, size_t b) { countAlloc(); return GRADED_REAL(calloc)(a, b); }
void* realloc(void* p, size_t n) { countAlloc(); return GRADED_REAL(realloc)(p, n); }
void free(void* p) { GRADED_REAL(free)(p); }
void* memalign(size_t a, size_t n) { countAlloc(); return GRADED_REAL(memalign)(a, n); }
void* aligned_alloc(size_t a, size_t n) { countAlloc(); return GRADED_REAL(memalign)(a, n); }
int posix_memalign(void** out, size_t a, size_t n) {
    countAlloc();
    *out = GRADED_REAL(memalign)(a, n);
    return *out != nullptr ? 0 : 12 /* ENOMEM */;
}
int pthread_mutex_lock(pthread_mutex_t* m) {
    countLock();
    return realMutexLock()(m);
}
int pthread_mutex_trylock(pthread_mutex_t* m) {
    countLock();
    return realMutexTrylock()(m);
}
}

void* operator new(std::size_t n) {
    countAlloc();
    if (void* p = GRADED_REAL(malloc)(n == 0 ? 1 : n)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    countAlloc();
    return GRADED_REAL(malloc)(n == 0 ? 1 : n);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void* operator new(std::size_t n, std::align_val_t a) {
    countAlloc();
    if (void* p = GRADED_REAL(memalign)(static_cast<size_t>(a), n == 0 ? 1 : n)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) { return operator new(n, a); }
void operator delete(void* p) noexcept { GRADED_REAL(free)(p); }
void operator delete[](void* p) noexcept { GRADED_REAL(free)(p); }
void operator delete(void* p, std::size_t) noexcept { GRADED_REAL(free)(p); }
void operator delete[](void* p, std::size_t) noexcept { GRADED_REAL(free)(p); }
void operator delete(void* p, std::align_val_t) noexcept { GRADED_REAL(free)(p); }
void operator delete[](void* p, std::align_val_t) noexcept { GRADED_REAL(free)(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { GRADED_REAL(free)(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { GRADED_REAL(free)(p); }

namespace graded::test::rtcheck {

Scope::Scope() {
    tAllocs = 0;
    tLocks = 0;
    tCounting = true;
}
Scope::~Scope() { tCounting = false; }
Counts Scope::counts() const { return {tAllocs, tLocks}; }

bool interposerActive() {
    Counts c;
    {
        Scope scope;
        void* volatile p = std::malloc(16);
        std::free(p);
        pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
        pthread_mutex_lock(&m);
        pthread_mutex_unlock(&m);
        c = scope.counts();
    }
    return c.allocations >= 1 && c.locks >= 1;
}

void setRecording(bool on) { gRecording.store(on); }
void clearRecorded() { gNumEvents.store(0); }
int numRecorded() { return gNumEvents.load(); }
const Event& recorded(int index) { return gEvents[index]; }

} // namespace graded::test::rtcheck
