#include "protocol/json_writer.h"

#include <boost/json/serialize.hpp>
#include <charconv>
#include <cstdint>
#include <cstring>

namespace parley::protocol {

namespace {

constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHighs = 0x8080808080808080ULL;

// Whether any byte of `word` is < 0x20, '"' or '\\' (bit tricks from
// "Bit Twiddling Hacks": hasless / haszero).
bool NeedsEscape(std::uint64_t word) {
  const std::uint64_t control = (word - kOnes * 0x20) & ~word;
  const std::uint64_t quote = word ^ (kOnes * '"');
  const std::uint64_t backslash = word ^ (kOnes * '\\');
  const std::uint64_t zero_quote = (quote - kOnes) & ~quote;
  const std::uint64_t zero_backslash = (backslash - kOnes) & ~backslash;
  return ((control | zero_quote | zero_backslash) & kHighs) != 0;
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  // The two-character escapes JSON has; any other control byte is \u00XX.
  static constexpr std::string_view kEscaped = "\"\\\b\f\n\r\t";
  static constexpr std::string_view kLetters = "\"\\bfnrt";
  out.reserve(out.size() + text.size() + 2);
  out.push_back('"');
  std::size_t run = 0;  // start of the bytes not yet copied
  for (std::size_t i = 0; i < text.size(); ++i) {
    // Most text needs no escape: skip it 8 bytes at a time.
    while (i + 8 <= text.size()) {
      std::uint64_t word;
      std::memcpy(&word, text.data() + i, sizeof word);
      if (NeedsEscape(word)) break;
      i += 8;
    }
    if (i == text.size()) break;
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    out.push_back('\\');
    if (const std::size_t k = kEscaped.find(static_cast<char>(c)); k != std::string_view::npos) {
      out.push_back(kLetters[k]);
    } else {
      out.append("u00");
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  out.append(text.data() + run, text.size() - run);
  out.push_back('"');
}

void AppendJsonInt(std::string& out, std::int64_t value) {
  char buffer[24];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
  out.append(buffer, end);
}

void AppendJsonValue(std::string& out, const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::string: {
      const auto& s = value.get_string();
      AppendJsonString(out, std::string_view(s.data(), s.size()));
      return;
    }
    case boost::json::kind::int64:
      AppendJsonInt(out, value.get_int64());
      return;
    case boost::json::kind::uint64: {
      char buffer[24];
      const auto end = std::to_chars(buffer, buffer + sizeof buffer, value.get_uint64()).ptr;
      out.append(buffer, end);
      return;
    }
    case boost::json::kind::bool_:
      out.append(value.get_bool() ? "true" : "false");
      return;
    case boost::json::kind::null:
      out.append("null");
      return;
    default:
      out.append(boost::json::serialize(value));
      return;
  }
}

void AppendJsonKey(std::string& out, std::string_view key) {
  if (!out.empty() && out.back() != '{') out.push_back(',');
  out.push_back('"');
  out.append(key);
  out.append("\":");
}

}  // namespace parley::protocol
