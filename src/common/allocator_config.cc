// jemalloc's settings, for the executables that link it (CMake's sluice_link_allocator): the
// server and the benches that measure its work. jemalloc reads `malloc_conf` at its first
// allocation; MALLOC_CONF in the environment is applied after it, so an operator can still
// change any of these.
//
// - percpu_arena:percpu: one arena per CPU, a thread allocating from the one of the CPU it runs
//   on. Each thread also caches freed blocks of each size for its next allocations, so the
//   request threads, which allocate and free every row's texts, rarely take an arena's lock
//   (glibc's malloc, capped at one arena per core, had them waiting on each other's).
// - dirty_decay_ms:1000, muzzy_decay_ms:0: pages freed and not reused within a second go back to
//   the system at once, which keeps an export's peak RSS near glibc's (docs/benchmarks.md,
//   "The memory allocator").
#if defined(SLUICE_WITH_JEMALLOC)
extern "C" {
// NOLINTNEXTLINE: the name and type jemalloc looks for.
const char* malloc_conf = "percpu_arena:percpu,dirty_decay_ms:1000,muzzy_decay_ms:0";
}
#endif
