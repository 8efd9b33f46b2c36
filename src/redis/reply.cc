#include "redis/reply.h"

#include <utility>

namespace parley::redis {
namespace {

base::Error Unexpected(const Reply& reply) {
  if (reply.IsError()) return base::MakeError(base::Code::kInternal, "redis: " + reply.str());
  return base::MakeError(base::Code::kInternal, "redis: unexpected reply " + reply.DebugString());
}

}  // namespace

Reply Reply::Integer(std::int64_t value) {
  Reply r(Type::kInteger);
  r.integer_ = value;
  return r;
}

Reply Reply::String(std::string value) {
  Reply r(Type::kString);
  r.str_ = std::move(value);
  return r;
}

Reply Reply::Status(std::string value) {
  Reply r(Type::kStatus);
  r.str_ = std::move(value);
  return r;
}

Reply Reply::Error(std::string message) {
  Reply r(Type::kError);
  r.str_ = std::move(message);
  return r;
}

Reply Reply::Array(std::vector<Reply> elements) {
  Reply r(Type::kArray);
  r.elements_ = std::move(elements);
  return r;
}

base::Result<std::int64_t> Reply::AsInteger() const {
  if (IsInteger()) return integer_;
  return Unexpected(*this);
}

base::Result<std::string> Reply::AsString() const {
  if (IsString() || IsStatus()) return str_;
  return Unexpected(*this);
}

std::string Reply::DebugString() const {
  switch (type_) {
    case Type::kNil:
      return "(nil)";
    case Type::kInteger:
      return "(integer) " + std::to_string(integer_);
    case Type::kString:
      return "\"" + str_ + "\"";
    case Type::kStatus:
      return str_;
    case Type::kError:
      return "(error) " + str_;
    case Type::kArray: {
      std::string out = "[";
      for (std::size_t i = 0; i < elements_.size(); ++i) {
        if (i > 0) out += ", ";
        out += elements_[i].DebugString();
      }
      return out + "]";
    }
  }
  return "?";
}

}  // namespace parley::redis
