#include "cli_args.h"

#include "base/ids.h"
#include "cli_format.h"

namespace parley::tools {

std::string_view TrimLeft(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string_view NextWord(std::string_view& rest) {
  rest = TrimLeft(rest);
  std::size_t end = rest.find_first_of(" \t\r");
  std::string_view word = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  return word;
}

std::vector<std::string> Words(std::string_view rest) {
  std::vector<std::string> out;
  for (std::string_view w = NextWord(rest); !w.empty(); w = NextWord(rest)) out.emplace_back(w);
  return out;
}

base::Result<std::string> ConversationOf(const std::string& me, std::string_view target) {
  bool group = target.starts_with('#');
  std::string_view id = group ? target.substr(1) : target;
  if (!base::IsValidUserId(id)) {
    return base::MakeError(base::Code::kBadRequest,
                           "not a valid user or group id: '" + std::string(target) + "'");
  }
  return group ? base::GroupConversationId(id) : base::PrivateConversationId(me, id);
}

CommandStatus Fail(const Output& out, const base::Error& error) {
  out.error(FormatError(error));
  return CommandStatus::kFailed;
}

CommandStatus Usage(const Output& out, std::string_view usage) {
  return Fail(out, base::MakeError(base::Code::kBadRequest, "usage: " + std::string(usage)));
}

}  // namespace parley::tools
