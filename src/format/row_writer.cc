#include "format/row_writer.h"

#include "format/schemas.h"

namespace sluice::format {

Status RowWriter::WriteEvents(std::span<const model::Event> events) {
  // Converted in small batches so memory stays bounded whatever the span's size.
  constexpr size_t kBatch = 256;
  std::vector<Row> rows(kBatch);
  size_t k = 0;
  while (k < events.size()) {
    size_t n = std::min(kBatch, events.size() - k);
    for (size_t j = 0; j < n; ++j) EventToRow(events[k + j], rows[j]);
    SLUICE_RETURN_IF_ERROR(WriteRows(std::span<const Row>(rows.data(), n)));
    k += n;
  }
  return Status::Ok();
}

}  // namespace sluice::format
