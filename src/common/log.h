// Logging: spdlog, one line per event with "key=value" context in the message. Secrets are
// never passed to these functions (callers redact credentials before logging).
#pragma once

#include <spdlog/spdlog.h>

#include <string>

namespace sluice {

// Sets the global level from a name ("debug", "info", "warn", "error", "off") and a pattern with
// UTC timestamps. Call once at start-up; tests may skip it.
void InitLogging(const std::string& level);

}  // namespace sluice

#define SLUICE_LOG_DEBUG(...) SPDLOG_DEBUG(__VA_ARGS__)
#define SLUICE_LOG_INFO(...) SPDLOG_INFO(__VA_ARGS__)
#define SLUICE_LOG_WARN(...) SPDLOG_WARN(__VA_ARGS__)
#define SLUICE_LOG_ERROR(...) SPDLOG_ERROR(__VA_ARGS__)
