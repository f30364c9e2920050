// Constructors of the per-type column writers (column_writer.h): byte arrays (strings, JSON,
// list elements) with dictionary and PLAIN fallback; INT64 (integers, timestamps); DOUBLE;
// BOOLEAN.
#pragma once

#include <memory>

#include "format/parquet/column_writer.h"

namespace sluice::format::parquet {

std::unique_ptr<ColumnWriter> NewByteArrayColumnWriter(const Column& column,
                                                       const ColumnWriterOptions& options);
std::unique_ptr<ColumnWriter> NewInt64ColumnWriter(const Column& column,
                                                   const ColumnWriterOptions& options);
std::unique_ptr<ColumnWriter> NewDoubleColumnWriter(const Column& column,
                                                    const ColumnWriterOptions& options);
std::unique_ptr<ColumnWriter> NewBooleanColumnWriter(const Column& column,
                                                     const ColumnWriterOptions& options);

}  // namespace sluice::format::parquet
