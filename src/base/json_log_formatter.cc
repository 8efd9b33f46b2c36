#include "base/json_log_formatter.h"

#include <ctime>

#include "base/log_fields.h"
#include "base/utf8.h"

namespace parley::base {
namespace {

// Escapes well-formed UTF-8. Not protocol::AppendJsonString: that one trusts
// its input (parsed JSON, valid already) and lives a layer above.
void AppendEscapedValid(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += kHex[(c >> 4) & 0xF];
          out += kHex[c & 0xF];
        } else {
          out += c;
        }
    }
  }
}

void AppendString(std::string& out, std::string_view text) {
  out += '"';
  for (;;) {
    const Utf8Scan scan = ScanUtf8(text);
    AppendEscapedValid(out, text.substr(0, scan.complete));
    if (scan.status == Utf8Scan::Status::kValid) break;
    out += "\\ufffd";  // the replacement character, for one bad byte
    text.remove_prefix(scan.complete + 1);
  }
  out += '"';
}

void AppendKey(std::string& out, std::string_view key) {
  out += ',';
  AppendString(out, key);
  out += ':';
}

// "2026-12-07T14:56:52.123Z"
void AppendTimestamp(std::string& out, spdlog::log_clock::time_point time) {
  const auto since_epoch = time.time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds).count();
  const std::time_t t = seconds.count();
  std::tm utc{};
  ::gmtime_r(&t, &utc);
  char text[32];
  const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  out += '"';
  out.append(text, n);
  out += '.';
  out += static_cast<char>('0' + millis / 100);
  out += static_cast<char>('0' + millis / 10 % 10);
  out += static_cast<char>('0' + millis % 10);
  out += "Z\"";
}

}  // namespace

JsonLogFormatter::JsonLogFormatter(StaticFields static_fields)
    : static_fields_(std::move(static_fields)) {}

void JsonLogFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  std::string line = "{\"ts\":";
  AppendTimestamp(line, msg.time);
  AppendKey(line, "level");
  const spdlog::string_view_t level = spdlog::level::to_string_view(msg.level);
  AppendString(line, std::string_view(level.data(), level.size()));
  AppendKey(line, "msg");
  AppendString(line, std::string_view(msg.payload.data(), msg.payload.size()));
  for (const auto& [key, value] : static_fields_) {
    AppendKey(line, key);
    AppendString(line, value);
  }
  for (const LogField& field : CurrentLogFields()) {
    if (const auto* text = std::get_if<std::string_view>(&field.value)) {
      if (text->empty()) continue;
      AppendKey(line, field.key);
      AppendString(line, *text);
    } else {
      AppendKey(line, field.key);
      line += std::to_string(std::get<std::uint64_t>(field.value));
    }
  }
  line += "}\n";
  dest.append(line.data(), line.data() + line.size());
}

std::unique_ptr<spdlog::formatter> JsonLogFormatter::clone() const {
  return std::make_unique<JsonLogFormatter>(static_fields_);
}

}  // namespace parley::base
