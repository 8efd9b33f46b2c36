#pragma once
// The spdlog formatter of --log-format json (docs/operations.md "Logs"): each
// log line is one JSON object, for log shippers (Loki, Elasticsearch,
// journald's JSON export, ...):
//
//   {"ts":"2026-12-07T14:56:52.123Z","level":"info","msg":"conn 12 open tcp ...",
//    "gateway":"gw1","conn":12,"event":"open","transport":"tcp",...}
//
// ts: UTC, milliseconds. level: spdlog's names (trace, debug, info, warning,
// error, critical). msg: the message as the text log shows it. Then the
// formatter's static fields (the cluster gateway id: every line), then the
// fields of the line (base/log_fields.h); empty string fields are left out.
// Strings are escaped (quotes, backslashes, control characters) and
// ill-formed UTF-8 becomes U+FFFD, one per bad byte, so every line parses
// whatever a message carries (a peer's bytes, a backend's error text).
//
// Threads: spdlog calls format under its sink's lock; a clone per sink.

#include <spdlog/formatter.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace parley::base {

class JsonLogFormatter final : public spdlog::formatter {
 public:
  // Key and value pairs every line carries after "msg"; keys other than
  // ts, level and msg.
  using StaticFields = std::vector<std::pair<std::string, std::string>>;
  explicit JsonLogFormatter(StaticFields static_fields = {});

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;

 private:
  const StaticFields static_fields_;
};

}  // namespace parley::base
