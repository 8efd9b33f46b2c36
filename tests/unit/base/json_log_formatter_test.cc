// base::JsonLogFormatter (--log-format json): every line parses as one JSON
// object whatever the message holds, with ts, level, msg, the static fields
// and the line's fields (base/log_fields.h).

#include "base/json_log_formatter.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>
#include <string>

#include "base/log_fields.h"

namespace parley::base {
namespace {

namespace json = boost::json;

// 2026-12-07T14:56:52.123Z
const spdlog::log_clock::time_point kTime =
    spdlog::log_clock::time_point(std::chrono::milliseconds(1796655412123));

std::string Format(JsonLogFormatter& formatter, spdlog::level::level_enum level,
                   std::string_view message) {
  const spdlog::details::log_msg msg(kTime, spdlog::source_loc{}, "parleyd", level,
                                     spdlog::string_view_t(message.data(), message.size()));
  spdlog::memory_buf_t out;
  formatter.format(msg, out);
  return std::string(out.data(), out.size());
}

json::object ParseLine(const std::string& line) {
  EXPECT_TRUE(line.ends_with("}\n")) << line;
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line: " << line;
  boost::system::error_code ec;
  json::value value = json::parse(line, ec);
  EXPECT_FALSE(ec) << ec.message() << ": " << line;
  EXPECT_TRUE(value.is_object()) << line;
  return value.is_object() ? value.as_object() : json::object{};
}

TEST(JsonLogFormatterTest, TimestampLevelAndMessage) {
  JsonLogFormatter formatter;
  const std::string line = Format(formatter, spdlog::level::warn, "mysql down");
  EXPECT_EQ(line,
            R"({"ts":"2026-12-07T14:56:52.123Z","level":"warning","msg":"mysql down"})" "\n");
}

TEST(JsonLogFormatterTest, EscapesWhateverTheMessageHolds) {
  JsonLogFormatter formatter;
  const std::string raw =
      "say \"hi\" \\ path\\to\nnext\rline\ttab\x01\x1f del\x7f caf\xc3\xa9 bad\xff\xfe cut\xe2\x82";
  const json::object line = ParseLine(Format(formatter, spdlog::level::info, raw));
  // Each ill-formed byte is one U+FFFD; everything else comes back as it was.
  const std::string expected =
      "say \"hi\" \\ path\\to\nnext\rline\ttab\x01\x1f del\x7f caf\xc3\xa9 bad"
      "\xef\xbf\xbd\xef\xbf\xbd cut\xef\xbf\xbd\xef\xbf\xbd";
  EXPECT_EQ(line.at("msg").as_string(), expected);
  EXPECT_EQ(line.at("level").as_string(), "info");
}

TEST(JsonLogFormatterTest, StaticAndLineFieldsBecomeKeys) {
  JsonLogFormatter formatter(JsonLogFormatter::StaticFields{{"gateway", "gw\"1"}});
  const LogField fields[] = {{"conn", std::uint64_t{12}},
                             {"user", "alice"},
                             {"reason", ""},  // empty: left out
                             {"peer", "bad\xff"}};
  json::object line;
  {
    const ScopedLogFields scope(fields);
    line = ParseLine(Format(formatter, spdlog::level::info, "conn 12 open"));
  }
  EXPECT_EQ(line.at("gateway").as_string(), "gw\"1");
  EXPECT_EQ(line.at("conn").as_int64(), 12);
  EXPECT_EQ(line.at("user").as_string(), "alice");
  EXPECT_EQ(line.at("peer").as_string(), "bad\xef\xbf\xbd");
  EXPECT_FALSE(line.contains("reason"));

  // Outside the scope the line has the static fields only.
  const json::object after = ParseLine(Format(formatter, spdlog::level::info, "later"));
  EXPECT_FALSE(after.contains("conn"));
  EXPECT_EQ(after.at("gateway").as_string(), "gw\"1");
}

// Through a logger, as parleyd uses it: the sink's clone formats each call.
TEST(JsonLogFormatterTest, OneObjectPerLoggedLine) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  spdlog::logger logger("test", sink);
  logger.set_formatter(std::make_unique<JsonLogFormatter>());
  logger.info("first {}", 1);
  {
    const LogField fields[] = {{"conn", std::uint64_t{7}}};
    const ScopedLogFields scope(fields);
    logger.warn("second \"quoted\"");
  }
  std::istringstream lines(out.str());
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(ParseLine(line + "\n").at("msg").as_string(), "first 1");
  std::getline(lines, line);
  const json::object second = ParseLine(line + "\n");
  EXPECT_EQ(second.at("msg").as_string(), "second \"quoted\"");
  EXPECT_EQ(second.at("conn").as_int64(), 7);
  EXPECT_FALSE(std::getline(lines, line));
}

}  // namespace
}  // namespace parley::base
