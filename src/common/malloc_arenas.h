// The process's memory allocator: jemalloc when the executable links it (sluice and its benches
// do by default: src/common/allocator_config.cc configures it), glibc's malloc otherwise, with
// one setting made once at the start of main.
#pragma once

#include <string>

namespace sluice {

// "jemalloc <version>" or "glibc malloc": which allocator this process runs on, for the
// server's startup log and the benches' output.
std::string AllocatorName();

// Caps glibc's malloc arenas at one per core (at least 2) instead of its default of eight per
// core. A buffer allocated on one thread and freed on another (rows read on the store's thread,
// Parquet pages compressed on others, chunks uploaded on a third) returns to the arena it came
// from; with many arenas, each keeps its own free memory, and an export's RSS was about 90 MiB
// above what it had allocated (docs/benchmarks.md, "Exports nearer the read bound"). Call it
// before starting threads. Does nothing with other C libraries, or when jemalloc is the
// allocator (it keeps one arena per CPU, as allocator_config.cc sets).
void LimitMallocArenas();

}  // namespace sluice
