// protocol/json_writer.h: AppendJsonString escapes exactly what JSON
// requires, wherever it sits in a string (its fast path skips 8 bytes at a
// time), and a parser reads back the very bytes that went in.

#include "protocol/json_writer.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <random>
#include <string>

namespace parley::protocol {
namespace {

std::string Quoted(std::string_view text) {
  std::string out;
  AppendJsonString(out, text);
  return out;
}

std::string RoundTrip(std::string_view text) {
  const boost::json::value v = boost::json::parse(Quoted(text));
  return std::string(v.as_string());
}

TEST(JsonWriterTest, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(Quoted("plain"), "\"plain\"");
  EXPECT_EQ(Quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Quoted("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(Quoted(std::string("\x01\x1f", 2)), "\"\\u0001\\u001f\"");
  EXPECT_EQ(Quoted("héllo ✓"), "\"héllo ✓\"") << "UTF-8 passes through";
  EXPECT_EQ(Quoted(""), "\"\"");
}

TEST(JsonWriterTest, EverySpecialByteAtEveryPositionRoundTrips) {
  const std::string specials("\"\\\n\x01\x1f\x7f", 6);
  for (std::size_t length = 1; length <= 20; ++length) {
    for (std::size_t at = 0; at < length; ++at) {
      for (char special : specials) {
        std::string text(length, 'x');
        text[at] = special;
        EXPECT_EQ(RoundTrip(text), text) << "length " << length << " at " << at;
      }
    }
  }
}

TEST(JsonWriterTest, RandomAsciiRoundTrips) {
  std::mt19937 random(7);
  std::uniform_int_distribution<int> byte(0, 127);
  std::uniform_int_distribution<std::size_t> size(0, 100);
  for (int i = 0; i < 2000; ++i) {
    std::string text(size(random), '\0');
    for (char& c : text) c = static_cast<char>(byte(random));
    EXPECT_EQ(RoundTrip(text), text);
  }
}

}  // namespace
}  // namespace parley::protocol
