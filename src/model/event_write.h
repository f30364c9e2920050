// EventWrite: one event of an insert request (`POST /v1/<object>/<id>/insert`), validated, and
// the rules that turn it into a stored Event: replace, deep merge (`_is_merge`), merge with
// replaced paths (`_merge_paths`) and delete (`_object_delete`), as Braintrust's insert API.
#pragma once

#include <array>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "model/event.h"

namespace sluice::model {

struct EventWrite {
  std::string id;  // given, or a new UUID when absent
  bool is_merge = false;
  bool object_delete = false;
  std::vector<std::vector<std::string>> merge_paths;
  // The event's user fields that were present, validated, as compact JSON text in request
  // order (no `_`-prefixed control fields).
  std::vector<std::pair<std::string, std::string>> fields;

  // The compact text of a field, or nullptr when the request did not give it.
  const std::string* Find(std::string_view name) const;
};

// Maximum events in one insert request.
inline constexpr size_t kMaxEventsPerInsert = 100'000;

// Parses `{"events":[...]}`. Every event is validated; the first problem is reported as
// kInvalidArgument naming the event and field ("events[3].scores.accuracy: must be a number
// between 0 and 1"). Nothing is returned for a request with any bad event.
Result<std::vector<EventWrite>> ParseInsertRequest(std::string_view body);

// The user fields of a stored event as a JSON object (for merging).
Json EventFieldsToJson(const Event& e);

// Produces the row to store for write `w` given the current row (nullptr when none). Ownership
// fields and xact_id are left to the caller. `now` fills `created` for new rows.
// A merge onto no row behaves as an insert.
Result<Event> ApplyEventWrite(const EventWrite& w, const Event* existing, TimestampMicros now);

// ApplyEventWrite(w, nullptr, now) without copying the texts of the JSON fields (input, output,
// metadata, …): the row's are left empty, and WrittenTexts(w) gives them, for a caller that
// binds them straight from the write while `w` lives.
Result<Event> ApplyEventWriteLeavingTexts(const EventWrite& w, TimestampMicros now);

// The texts a write applied without a merge stores in the JSON fields, in kJsonFields' order: the
// request's compact text of each (the first, should a field be named twice), "" when absent or
// null. One pass over the write's fields.
using WrittenTextsArray = std::array<std::string_view, std::size(kJsonFields)>;
WrittenTextsArray WrittenTexts(const EventWrite& w);

}  // namespace sluice::model
