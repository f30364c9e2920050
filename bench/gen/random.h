// Rng: a small seeded pseudo-random generator (xoshiro256**, seeded through splitmix64) and the
// distributions the span generator draws from. Written out here rather than taken from <random>
// because the standard distributions are implementation-defined: the same seed must give the
// same bytes with any standard library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sluice::bench {

// Not thread-safe; one per generator.
class Rng {
 public:
  explicit Rng(uint64_t seed);

  // 64 uniformly distributed bits.
  uint64_t Next();
  // Uniform in [0, 1).
  double Uniform();
  // Uniform in [0, n). REQUIRES: n > 0.
  uint64_t Below(uint64_t n);
  // Uniform in [lo, hi], both inclusive. REQUIRES: lo <= hi.
  int64_t Between(int64_t lo, int64_t hi);
  // True with probability p.
  bool Chance(double p);
  // Standard normal (Box–Muller).
  double Normal();
  // exp(mu + sigma * Normal()).
  double LogNormal(double mu, double sigma);

 private:
  uint64_t s_[4];
};

// Picks indices 0..n-1 with fixed relative weights. Immutable after construction; thread-safe.
class WeightedChoice {
 public:
  // REQUIRES: weights non-empty, all >= 0, sum > 0.
  explicit WeightedChoice(std::vector<double> weights);
  // Weights 1/(i+1)^exponent for i in [0, n): a skewed (Zipf-like) categorical distribution.
  static WeightedChoice Zipf(size_t n, double exponent);

  size_t Pick(Rng& rng) const;
  size_t size() const { return cumulative_.size(); }

 private:
  std::vector<double> cumulative_;
};

// A random version 4 UUID in canonical lower-case form, drawn from rng.
std::string RandomUuid(Rng& rng);

}  // namespace sluice::bench
