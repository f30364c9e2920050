#include "common/malloc_arenas.h"

#include <algorithm>
#include <cstddef>
#include <thread>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

// jemalloc's control interface, when an executable links jemalloc; null otherwise.
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen)
    __attribute__((weak));

namespace sluice {

std::string AllocatorName() {
  if (mallctl == nullptr) return "glibc malloc";
  const char* version = nullptr;
  size_t size = sizeof(version);
  if (mallctl("version", &version, &size, nullptr, 0) != 0 || version == nullptr) {
    return "jemalloc";
  }
  return std::string("jemalloc ") + version;
}

void LimitMallocArenas() {
  if (mallctl != nullptr) return;
#if defined(__GLIBC__) && defined(M_ARENA_MAX)
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  mallopt(M_ARENA_MAX, std::max(2, cores));
#endif
}

}  // namespace sluice
