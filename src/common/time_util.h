// RFC 3339 timestamps in UTC: formatting and parsing of the `created` and similar fields.
// sluice always writes "YYYY-MM-DDTHH:MM:SS.ffffffZ"; it reads any RFC 3339 offset.
#pragma once

#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"

namespace sluice {

// "2024-05-01T12:00:00.123456Z" (always 6 fractional digits, always Z).
std::string FormatRfc3339(TimestampMicros t);
// FormatRfc3339's text appended to `out`.
void AppendRfc3339(std::string& out, TimestampMicros t);
// "2024-05-01" for the day (UTC) that holds t.
std::string FormatDate(TimestampMicros t);

// Parses "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)" ('t', ' ' and 'z' accepted), or a bare
// "YYYY-MM-DD" (midnight UTC). Fractions beyond microseconds are truncated.
// Returns kInvalidArgument naming what is wrong.
Result<TimestampMicros> ParseRfc3339(std::string_view text);

// The HTTP date of RFC 9110 §5.6.7 (IMF-fixdate): "Sun, 06 Nov 1994 08:49:37 GMT".
std::string FormatHttpDate(TimestampMicros t);
// Parses an IMF-fixdate; 0 when it is not one.
TimestampMicros ParseHttpDate(const std::string& text);

// Days since 1970-01-01 for a proleptic Gregorian date (negative before).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);

}  // namespace sluice
