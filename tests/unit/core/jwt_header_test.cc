// TokenHeaderAlg: the alg a token claims, read before any key is chosen.

#include "core/jwt_header.h"

#include <gtest/gtest.h>

namespace parley::core {
namespace {

// {"alg":"HS256","typ":"JWT"} etc., base64url without padding.
constexpr const char* kHs256 = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
constexpr const char* kRs256 = "eyJhbGciOiJSUzI1NiJ9";
constexpr const char* kNone = "eyJhbGciOiJub25lIn0";
constexpr const char* kAlgNumber = "eyJhbGciOjF9";  // {"alg":1}
constexpr const char* kNoAlg = "eyJ0eXAiOiJKV1QifQ";  // {"typ":"JWT"}

std::string Token(const char* header) { return std::string(header) + ".e30.c2ln"; }

TEST(TokenHeaderAlgTest, ReadsTheClaimedAlg) {
  EXPECT_EQ(TokenHeaderAlg(Token(kHs256)), "HS256");
  EXPECT_EQ(TokenHeaderAlg(Token(kRs256)), "RS256");
  EXPECT_EQ(TokenHeaderAlg(Token(kNone)), "none");
  EXPECT_EQ(TokenHeaderAlg(std::string(kNone) + ".e30."), "none");  // unsigned form
}

TEST(TokenHeaderAlgTest, MalformedHeadersGiveNothing) {
  EXPECT_EQ(TokenHeaderAlg(""), "");
  EXPECT_EQ(TokenHeaderAlg(kHs256), "");                           // no segments
  EXPECT_EQ(TokenHeaderAlg(std::string(kHs256) + ".e30"), "");     // two segments
  EXPECT_EQ(TokenHeaderAlg(Token(kAlgNumber)), "");
  EXPECT_EQ(TokenHeaderAlg(Token(kNoAlg)), "");
  EXPECT_EQ(TokenHeaderAlg("!!!.e30.c2ln"), "");                   // not base64url
  EXPECT_EQ(TokenHeaderAlg("bm90IGpzb24.e30.c2ln"), "");           // "not json"
  EXPECT_EQ(TokenHeaderAlg(std::string(kHs256) + "=.e30.c2ln"), "");  // padding
}

}  // namespace
}  // namespace parley::core
