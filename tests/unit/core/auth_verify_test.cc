// AuthService::Verify on the claims of a correctly signed token: times far
// from now (found by fuzz/jwt_fuzzer: exp * 1000 and iat * 1000 overflowed).

#include <gtest/gtest.h>
#include <jwt.h>

#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <memory>
#include <string>

#include "base/clock.h"
#include "core/auth_service.h"
#include "unit/core/memory_store.h"

namespace parley::core {
namespace {

const std::string kSecret(32, 'k');

// An HS256 token of `claims` (JSON) signed with kSecret.
std::string Signed(const std::string& claims) {
  jwt_t* raw = nullptr;
  EXPECT_EQ(jwt_new(&raw), 0);
  std::unique_ptr<jwt_t, void (*)(jwt_t*)> jwt(raw, jwt_free);
  EXPECT_EQ(jwt_add_grants_json(jwt.get(), claims.c_str()), 0);
  jwt_set_alg(jwt.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(kSecret.data()),
              static_cast<int>(kSecret.size()));
  char* encoded = jwt_encode_str(jwt.get());
  std::string token(encoded);
  std::free(encoded);
  return token;
}

class AuthVerifyTest : public ::testing::Test {
 protected:
  asio::io_context io_;
  base::FakeClock clock_;
  testing::MemoryStore store_;
  AuthService auth_{store_, clock_, AuthOptions{kSecret, std::chrono::hours(1), false},
                    io_.get_executor()};
};

TEST_F(AuthVerifyTest, AnExpiryFarInTheFutureIsNotExpired) {
  const auto verified = auth_.Verify(Signed(R"({"sub":"alice","exp":170001700000000000})"));
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(verified->user_id, "alice");
}

TEST_F(AuthVerifyTest, AnExpiryInThePastIsExpired) {
  EXPECT_FALSE(auth_.Verify(Signed(R"({"sub":"alice","exp":-170001700000000000})")));
  EXPECT_FALSE(auth_.Verify(Signed(R"({"sub":"alice","exp":1700000000})")));  // the clock's now
  EXPECT_TRUE(auth_.Verify(Signed(R"({"sub":"alice","exp":1700000001})")));
}

TEST_F(AuthVerifyTest, AnIssueTimeBeyondInt64MillisecondsSaysNothing) {
  const auto verified =
      auth_.Verify(Signed(R"({"sub":"alice","exp":1900000000,"iat":170001700000000000})"));
  ASSERT_TRUE(verified);
  EXPECT_EQ(verified->issued_at_ms, 0);  // never "issued after a log-out-everywhere"
  const auto normal = auth_.Verify(Signed(R"({"sub":"alice","exp":1900000000,"iat":1700000000})"));
  ASSERT_TRUE(normal);
  EXPECT_EQ(normal->issued_at_ms, 1700000000000);
}

}  // namespace
}  // namespace parley::core
