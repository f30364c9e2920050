// Where the server's cloud settings come from: an injectable view of environment variables (so
// tests never touch the process environment), and the small files those variables name
// (token files, key files).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace sluice::cloud {

// Read-only view of environment variables. Implementations are thread-safe.
class Environment {
 public:
  virtual ~Environment() = default;
  // The value, or nullopt when unset. An empty value counts as unset.
  virtual std::optional<std::string> Get(std::string_view name) const = 0;
};

// The process environment (getenv). Stateless.
class ProcessEnvironment final : public Environment {
 public:
  std::optional<std::string> Get(std::string_view name) const override;
};

// A fixed map, for tests and embedding. Thread-safe once built.
class MapEnvironment final : public Environment {
 public:
  MapEnvironment() = default;
  explicit MapEnvironment(const std::map<std::string, std::string>& vars)
      : vars_(vars.begin(), vars.end()) {}
  void Set(std::string name, std::string value) { vars_[std::move(name)] = std::move(value); }
  std::optional<std::string> Get(std::string_view name) const override;

 private:
  std::map<std::string, std::string, std::less<>> vars_;
};

// The whole file, with trailing whitespace and newlines removed (token files end in one).
// kNotFound when it cannot be read.
Result<std::string> ReadTextFile(const std::string& path);

}  // namespace sluice::cloud
