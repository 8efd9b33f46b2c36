#include "store/rocks/outbox_record.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "store/rocks/rocks_keys.h"

namespace parley::store {

namespace json = boost::json;

std::optional<StoredOutboxEntry> DecodeOutboxEntry(std::string_view key, std::string_view value) {
  const auto id = keys::DecodeU64(key);
  if (!id) return std::nullopt;
  boost::system::error_code ec;
  json::value v = json::parse(value, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const json::object& o = v.get_object();
  const auto* c = o.if_contains("c");
  if (c == nullptr || !c->is_string()) return std::nullopt;
  auto int_of = [&](const char* name) -> std::int64_t {
    const auto* f = o.if_contains(name);
    return f != nullptr && f->is_int64() ? f->get_int64() : 0;
  };
  StoredOutboxEntry out;
  out.entry.id = static_cast<std::int64_t>(*id);
  out.entry.conversation_id = std::string(c->get_string());
  out.entry.seq = int_of("s");
  out.entry.created_at = int_of("t");
  out.entry.attempts = int_of("a");
  out.next_attempt_at = int_of("n");
  return out;
}

std::string EncodeOutboxValue(const core::OutboxEntry& e, std::int64_t next_attempt_at) {
  return json::serialize(json::object{{"c", e.conversation_id},
                                      {"s", e.seq},
                                      {"t", e.created_at},
                                      {"n", next_attempt_at},
                                      {"a", e.attempts}});
}

}  // namespace parley::store
