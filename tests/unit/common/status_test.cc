#include "common/status.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "common/catch_all.h"

namespace sluice {
namespace {

Result<int> Half(int x) {
  if (x % 2) return InvalidArgumentError("odd: " + std::to_string(x));
  return x / 2;
}

Result<int> Quarter(int x) {
  SLUICE_ASSIGN_OR_RETURN(int h, Half(x));
  SLUICE_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

Status CheckEven(int x) {
  SLUICE_RETURN_IF_ERROR(Half(x));
  return Status();
}

TEST(Status, OkHasNoMessage) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "ok");
  EXPECT_EQ(s.message(), "");
}

TEST(Status, CarriesCodeAndMessageWithContext) {
  Status s = NotFoundError("no such bucket").WithContext("PutObject s3://b/k");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.ToString(), "not_found: PutObject s3://b/k: no such bucket");
}

TEST(Status, MacrosPropagateTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().message(), "odd: 3");
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_EQ(CheckEven(5).code(), StatusCode::kInvalidArgument);
}

TEST(Status, OnlyTransientCodesAreRetryable) {
  EXPECT_TRUE(IsRetryable(UnavailableError("503")));
  EXPECT_TRUE(IsRetryable(DeadlineExceededError("timeout")));
  EXPECT_FALSE(IsRetryable(PermissionDeniedError("AccessDenied")));
  EXPECT_FALSE(IsRetryable(InvalidArgumentError("bad")));
  EXPECT_FALSE(IsRetryable(Status()));
}

TEST(Result, FromOkStatusIsAnInternalError) {
  Result<int> r(Status{});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

TEST(CatchAll, TurnsAnExceptionIntoAnInternalError) {
  EXPECT_TRUE(CatchAll("worker", [] {}).ok());
  Status s = CatchAll("worker", [] { throw std::runtime_error("disk on fire"); });
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_EQ(s.message(), "worker: unexpected exception: disk on fire");
  EXPECT_EQ(CatchAll("worker", [] { throw 42; }).code(), StatusCode::kInternal);
}

TEST(ResultDeathTest, ValueOfAnErrorAbortsWithItsMessage) {
  Result<int> r = NotFoundError("no such bucket");
  EXPECT_DEATH((void)r.value(), "Result::value\\(\\) on an error: not_found: no such bucket");
  EXPECT_DEATH((void)*Half(3), "odd: 3");
}

TEST(Status, ReasonSurvivesContextAndCopies) {
  const Status s = NotFoundError("gone").WithReason(7);
  EXPECT_EQ(s.reason(), 7);
  EXPECT_EQ(s.WithContext("Get x").reason(), 7);
  const Status copy = s;
  EXPECT_EQ(copy.reason(), 7);
  EXPECT_EQ(NotFoundError("gone").reason(), 0);
  EXPECT_TRUE(Status().WithReason(3).ok());
  EXPECT_EQ(Status().WithReason(3).reason(), 0);
}

}  // namespace
}  // namespace sluice
