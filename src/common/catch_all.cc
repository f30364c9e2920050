#include "common/catch_all.h"

#include <exception>
#include <string>

#include "common/log.h"

namespace sluice {

Status CatchAll(std::string_view thread, const std::function<void()>& work) {
  std::string what;
  try {
    work();
    return Status();
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "an exception that is not a std::exception";
  }
  SLUICE_LOG_ERROR("{} thread: unexpected exception: {}", thread, what);
  return InternalError(std::string(thread) + ": unexpected exception: " + what);
}

}  // namespace sluice
