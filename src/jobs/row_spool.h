// RowSpool: rows waiting on disk. A custom query's file gets a schema inferred from all of its
// rows (docs/formats.md), so its rows are known in full before the file starts; the spool keeps
// them in a temporary file instead of memory, in a compact binary form, and gives them back in
// the order they came.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "format/row.h"

namespace sluice::jobs {

// One cell of a sparse row: the column index and its value.
using SpooledCell = std::pair<int, format::Value>;

// Not thread-safe. Memory is bounded by the file buffer whatever the rows; the temporary file
// has no name (it is unlinked at once) and goes away when the spool is destroyed.
class RowSpool {
 public:
  // A spool in `dir` ("" = the system's temporary directory). kUnavailable when no file can be
  // made there.
  static Result<std::unique_ptr<RowSpool>> Create(const std::string& dir);
  ~RowSpool();
  RowSpool(const RowSpool&) = delete;
  RowSpool& operator=(const RowSpool&) = delete;

  // Appends one row. REQUIRES: not reading (before Rewind, or after Clear).
  Status Append(std::span<const SpooledCell> row);
  int64_t rows() const { return rows_; }

  // Starts reading the rows from the first one.
  Status Rewind();
  // Fills *row with the next row (its storage reused); false after the last one.
  Result<bool> Next(std::vector<SpooledCell>* row);

  // Forgets every row; appending starts again.
  Status Clear();

 private:
  RowSpool(std::FILE* file, std::string dir) : file_(file), dir_(std::move(dir)) {}
  Status Flush();
  Status ReadBytes(void* out, size_t n);
  Result<uint64_t> ReadVarint();
  Result<std::string> ReadString();

  std::FILE* file_;
  const std::string dir_;  // for messages
  std::string buffer_;     // encoded rows not yet written
  std::vector<char> in_;   // read buffer
  size_t in_pos_ = 0;
  size_t in_len_ = 0;
  int64_t rows_ = 0;
  int64_t read_ = 0;
  bool reading_ = false;
};

}  // namespace sluice::jobs
