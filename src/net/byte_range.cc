#include "net/byte_range.h"

#include <charconv>

namespace parley::net {

namespace {

bool ParseCount(std::string_view text, std::int64_t& out) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= 0;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

ByteRange ParseRange(std::string_view header, std::int64_t size) {
  constexpr std::string_view kUnit = "bytes=";
  header = Trim(header);
  if (header.substr(0, kUnit.size()) != kUnit) return {};
  const std::string_view spec = Trim(header.substr(kUnit.size()));
  if (spec.find(',') != std::string_view::npos) return {};
  const std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return {};
  const std::string_view first_text = spec.substr(0, dash);
  const std::string_view last_text = spec.substr(dash + 1);
  const ByteRange unsatisfiable{RangeKind::kUnsatisfiable, 0, 0};

  std::int64_t first = 0;
  std::int64_t last = 0;
  if (first_text.empty()) {  // the last N bytes
    std::int64_t suffix = 0;
    if (!ParseCount(last_text, suffix)) return {};
    if (suffix == 0 || size == 0) return unsatisfiable;
    first = suffix >= size ? 0 : size - suffix;
    return {RangeKind::kPartial, first, size - 1};
  }
  if (!ParseCount(first_text, first)) return {};
  if (last_text.empty()) {
    last = size - 1;
  } else {
    if (!ParseCount(last_text, last) || last < first) return {};
    if (last >= size) last = size - 1;
  }
  if (first >= size) return unsatisfiable;
  return {RangeKind::kPartial, first, last};
}

bool EtagMatches(std::string_view if_none_match, std::string_view etag) {
  std::string_view rest = if_none_match;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    std::string_view item = Trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (item == "*") return true;
    if (item.substr(0, 2) == "W/") item.remove_prefix(2);
    if (item == etag) return true;
  }
  return false;
}

}  // namespace parley::net
