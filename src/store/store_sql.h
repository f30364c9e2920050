// Pieces both store backends share (internal to store/): how list-valued columns and key grants
// are kept as JSON text, the SQL condition that retention marks hide rows with (the events
// tables of both backends have the same column names), and scan request rules.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/auth.h"
#include "model/automation.h"
#include "model/scan.h"

namespace sluice::store {

// JSON array text of strings; "" for an empty list (stored as NULL).
std::string StringsToJson(const std::vector<std::string>& v);
// JSON array text of integers, "[]" for none (row keys bound as one parameter, so that a
// statement's text does not change with them).
std::string IntsToJson(std::span<const int64_t> v);

// A key's grants as JSON text, and back (entries that do not parse are dropped).
std::string GrantsToJson(const std::vector<model::Grant>& grants);
std::vector<model::Grant> JsonToGrants(std::string_view text);

// " AND NOT (<hidden by any mark>)" over the events table's columns, or "" when no marks.
std::string VisibleSql(const std::vector<model::RetentionMark>& marks);

// The condition (without AND/NOT) that one mark hides a row; a mark id with no exemptions
// (e.g. -1 for a mark not stored yet) exempts nothing.
std::string MarkHidesSql(const model::RetentionMark& m);

// " AND id NOT IN (…)": the condition on experiments that keeps those a whole-experiment
// retention mark hides (an active mark of the experiment with cutoff INT64_MAX) out of reads.
inline constexpr char kVisibleExperimentsSql[] =
    " AND id NOT IN (SELECT object_id FROM retention_marks WHERE object_type = 1 AND state = 0 "
    "AND cutoff = 9223372036854775807)";

// kInvalidArgument for a request no scan can serve (a cursor outside _xact_id order).
Status CheckScanRequest(const model::ScanRequest& r);
// kInvalidArgument unless Store::NthRowPosition can serve (r, n): _xact_id order, no limit,
// n >= 1.
Status CheckPositionRequest(const model::ScanRequest& r, int64_t n);

// Rows the next page of a scan may hold: the store's page size, less once the request's limit
// is near; 0 or less when the scan is done.
int64_t NextPageRows(int64_t page_rows, const model::ScanRequest& r, int64_t returned);

}  // namespace sluice::store
