// Process-wide setting of glibc's allocator, made once at the start of main: how many heaps
// (arenas) threads allocate from.
#pragma once

namespace sluice {

// Caps glibc's malloc arenas at one per core (at least 2) instead of its default of eight per
// core. A buffer allocated on one thread and freed on another (rows read on the store's thread,
// Parquet pages compressed on others, chunks uploaded on a third) returns to the arena it came
// from; with many arenas, each keeps its own free memory, and an export's RSS was about 90 MiB
// above what it had allocated (docs/benchmarks.md, "Exports nearer the read bound"). Call it
// before starting threads. Does nothing with other C libraries.
void LimitMallocArenas();

}  // namespace sluice
