// ScannedRows: every row a scan returns, in its order, for tests. A failed scan or read is a
// test failure (non-fatal); the rows read before it are returned.
#pragma once

#include <gtest/gtest.h>

#include <vector>

#include "model/scan.h"

namespace sluice::testing {

inline std::vector<model::Event> ScannedRows(model::EventSource& source,
                                             const model::ScanRequest& request) {
  std::vector<model::Event> out;
  auto stream = source.Scan(request);
  EXPECT_TRUE(stream.ok()) << stream.status().ToString();
  if (!stream.ok()) return out;
  model::Event e;
  while (true) {
    auto more = (*stream)->Next(&e);
    EXPECT_TRUE(more.ok()) << more.status().ToString();
    if (!more.ok() || !*more) break;
    out.push_back(e);
  }
  return out;
}

}  // namespace sluice::testing
