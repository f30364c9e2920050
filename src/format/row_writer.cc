#include "format/row_writer.h"

#include <algorithm>

#include "format/schemas.h"

namespace sluice::format {

Status RowWriter::WriteEvents(std::span<const model::Event> events) {
  // Converted in small batches so memory stays bounded whatever the span's size.
  constexpr size_t kBatch = 256;
  const size_t batch = std::min(kBatch, events.size());
  if (event_rows_.size() < batch) event_rows_.resize(batch);
  for (size_t k = 0; k < events.size();) {
    const size_t n = std::min(kBatch, events.size() - k);
    for (size_t j = 0; j < n; ++j) EventToRow(events[k + j], event_rows_[j]);
    SLUICE_RETURN_IF_ERROR(WriteRows(std::span<const Row>(event_rows_.data(), n)));
    k += n;
  }
  return Status::Ok();
}

}  // namespace sluice::format
