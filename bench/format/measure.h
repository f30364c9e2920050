// What the format benchmarks measure around a step: wall and CPU time and the peak RSS the step
// added (Linux: VmHWM after it minus RSS before it, the mark reset through clear_refs).
#pragma once

#include <malloc.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>

namespace sluice::bench {

// Wall time since `start`.
inline double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// CPU time of the whole process.
inline double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// A field of /proc/<pid>/status in KiB ("VmHWM", "VmRSS"); pid 0 is this process; -1 when
// unreadable.
inline int64_t StatusKb(const std::string& field, int64_t pid = 0) {
  std::ifstream in(pid > 0 ? "/proc/" + std::to_string(pid) + "/status" : "/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1));
  }
  return -1;
}

// The process's peak RSS (VmHWM) in bytes, 0 where it cannot be read.
inline int64_t PeakRssBytes() { return std::max<int64_t>(StatusKb("VmHWM"), 0) * 1024; }

// Resets the kernel's peak-RSS mark (VmHWM) to the current RSS; returns that RSS in KiB, or -1
// where clear_refs cannot be written. Free heap memory is returned first, so that memory an
// earlier case freed does not hide what this one allocates.
inline int64_t ResetPeakRss() {
  malloc_trim(0);
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return out.good() ? StatusKb("VmRSS") : -1;
}

}  // namespace sluice::bench
