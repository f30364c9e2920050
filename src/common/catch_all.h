// CatchAll: the catch-all at the entry of a background thread (STYLE.md: no exceptions across
// module boundaries; a catch-all only at thread entry and request dispatch). An exception that
// escapes a thread's work would otherwise end the process with no word of where it came from.
#pragma once

#include <functional>
#include <string_view>

#include "common/status.h"

namespace sluice {

// Runs `work`. An exception escaping it is logged as an error naming `thread` and returned as
// kInternal ("<thread>: <what>"), so the thread's owner can fail whatever waits on the thread
// instead of waiting forever. OK when `work` returned normally. Thread-safe.
Status CatchAll(std::string_view thread, const std::function<void()>& work);

}  // namespace sluice
