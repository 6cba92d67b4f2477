#include "usd1pay/status.h"

#include <gtest/gtest.h>

#include <string>

namespace usd1pay {
namespace {

TEST(StatusTest, DefaultIsOk) {
  const Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kOk);
  EXPECT_EQ(to_string(s), "ok");
}

TEST(StatusTest, CarriesCodeAndMessage) {
  const Status s(ErrorCode::kChecksumMismatch, "address: checksum does not match");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kChecksumMismatch);
  EXPECT_EQ(to_string(s), "checksum_mismatch: address: checksum does not match");
}

TEST(StatusTest, WithContextPrefixesErrorsOnly) {
  EXPECT_EQ(Status().with_context("line 3"), Status());
  EXPECT_EQ(Status(ErrorCode::kInvalidArgument, "amount: empty").with_context("line 3").message(),
            "line 3: amount: empty");
}

TEST(StatusTest, EveryCodeHasAStableName) {
  EXPECT_STREQ(error_code_name(ErrorCode::kInvalidArgument), "invalid_argument");
  EXPECT_STREQ(error_code_name(ErrorCode::kOutOfRange), "out_of_range");
  EXPECT_STREQ(error_code_name(ErrorCode::kInternal), "internal");
  EXPECT_STREQ(error_code_name(static_cast<ErrorCode>(999)), "unknown");
}

Result<int> half(int x) {
  if (x % 2 != 0) return Status(ErrorCode::kInvalidArgument, "odd: " + std::to_string(x));
  return x / 2;
}

TEST(ResultTest, HoldsValueOrStatus) {
  const auto good = half(8);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 4);
  EXPECT_TRUE(good.status().ok());
  const auto bad = half(3);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "odd: 3");
  EXPECT_EQ(bad.value_or(-1), -1);
}

TEST(ResultTest, OkStatusWithoutValueBecomesInternalError) {
  const Result<int> r{Status()};
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInternal);
}

Status check_even(int x) {
  USD1PAY_RETURN_IF_ERROR(half(x).status());
  return Status();
}

TEST(ResultTest, ReturnIfErrorPropagates) {
  EXPECT_TRUE(check_even(2).ok());
  EXPECT_EQ(check_even(5).message(), "odd: 5");
}

}  // namespace
}  // namespace usd1pay
