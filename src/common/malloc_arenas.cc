#include "common/malloc_arenas.h"

#include <algorithm>
#include <thread>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace sluice {

void LimitMallocArenas() {
#if defined(__GLIBC__) && defined(M_ARENA_MAX)
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  mallopt(M_ARENA_MAX, std::max(2, cores));
#endif
}

}  // namespace sluice
