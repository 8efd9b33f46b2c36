// ReadTokenHeader: the alg and kid a token claims, read before any key is chosen.

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

constexpr const char* kWithKid = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImtleS0yIn0";  // {"alg":"RS256","kid":"key-2"}

std::string Token(const char* header) { return std::string(header) + ".e30.c2ln"; }
std::string Alg(const std::string& token) { return ReadTokenHeader(token).alg; }

TEST(TokenHeaderTest, ReadsTheKid) {
  EXPECT_EQ(ReadTokenHeader(Token(kWithKid)).kid, "key-2");
  EXPECT_EQ(ReadTokenHeader(Token(kWithKid)).alg, "RS256");
  EXPECT_EQ(ReadTokenHeader(Token(kRs256)).kid, "");
}

TEST(TokenHeaderAlgTest, ReadsTheClaimedAlg) {
  EXPECT_EQ(Alg(Token(kHs256)), "HS256");
  EXPECT_EQ(Alg(Token(kRs256)), "RS256");
  EXPECT_EQ(Alg(Token(kNone)), "none");
  EXPECT_EQ(Alg(std::string(kNone) + ".e30."), "none");  // unsigned form
}

TEST(TokenHeaderAlgTest, MalformedHeadersGiveNothing) {
  EXPECT_EQ(Alg(""), "");
  EXPECT_EQ(Alg(kHs256), "");                           // no segments
  EXPECT_EQ(Alg(std::string(kHs256) + ".e30"), "");     // two segments
  EXPECT_EQ(Alg(Token(kAlgNumber)), "");
  EXPECT_EQ(Alg(Token(kNoAlg)), "");
  EXPECT_EQ(Alg("!!!.e30.c2ln"), "");                   // not base64url
  EXPECT_EQ(Alg("bm90IGpzb24.e30.c2ln"), "");           // "not json"
  EXPECT_EQ(Alg(std::string(kHs256) + "=.e30.c2ln"), "");  // padding
  EXPECT_EQ(Alg(".e30.c2ln"), "");  // empty header (fuzz/jwt_fuzzer: libsodium got a null buffer)
}

}  // namespace
}  // namespace parley::core
