#include "common/time_util.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(Rfc3339, FormatsWithMicrosecondsAndZ) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatRfc3339(1'714'564'800'123'456LL), "2024-05-01T12:00:00.123456Z");
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatDate(1'714'564'800'123'456LL), "2024-05-01");
}

TEST(Rfc3339, ParsesOffsetsFractionsAndDates) {
  EXPECT_EQ(*ParseRfc3339("2024-05-01T12:00:00Z"), 1'714'564'800'000'000LL);
  EXPECT_EQ(*ParseRfc3339("2024-05-01T14:00:00.5+02:00"), 1'714'564'800'500'000LL);
  EXPECT_EQ(*ParseRfc3339("2024-05-01t12:00:00.1234567z"), 1'714'564'800'123'456LL);
  EXPECT_EQ(*ParseRfc3339("2024-05-01"), 1'714'521'600'000'000LL);
  EXPECT_EQ(*ParseRfc3339("2024-02-29T00:00:00Z"), 1'709'164'800'000'000LL);
}

TEST(Rfc3339, RoundTripsAcrossCenturies) {
  for (int64_t t = -2'000'000'000'000'000LL; t < 4'000'000'000'000'000LL;
       t += 123'456'789'012'345LL) {
    ASSERT_EQ(*ParseRfc3339(FormatRfc3339(t)), t);
  }
}

TEST(Rfc3339, RejectsBadInputWithAReason) {
  EXPECT_NE(ParseRfc3339("2023-02-29T00:00:00Z").status().message().find("day out of range"),
            std::string::npos);
  EXPECT_FALSE(ParseRfc3339("2024-05-01T12:00:00").ok());
  EXPECT_FALSE(ParseRfc3339("yesterday").ok());
  EXPECT_FALSE(ParseRfc3339("2024-13-01").ok());
  EXPECT_FALSE(ParseRfc3339("2024-05-01T25:00:00Z").ok());
  EXPECT_FALSE(ParseRfc3339("2024-05-01T12:00:00Zjunk").ok());
}

TEST(HttpDate, FormatsAndParsesImfFixdate) {
  // RFC 9110's example date.
  EXPECT_EQ(FormatHttpDate(784'111'777'000'000LL), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), 784'111'777'000'000LL);
  EXPECT_EQ(ParseHttpDate("yesterday"), 0);
}

}  // namespace
}  // namespace sluice
