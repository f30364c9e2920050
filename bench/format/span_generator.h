// Deterministic generator of realistic spans (~1 KB each) for benchmarks: chat-style inputs,
// outputs, scores, metrics, metadata and traces of 1 root and 4 child spans.
#pragma once

#include <cstdint>
#include <vector>

#include "model/event.h"

namespace sluice::bench {

// `count` spans from `seed`; the same arguments always give the same spans.
std::vector<model::Event> GenerateSpans(int64_t count, uint64_t seed);

}  // namespace sluice::bench
