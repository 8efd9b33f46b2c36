#include "soak/checker.h"

#include <boost/json/parse.hpp>

namespace parley::soak {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxProblems = 20;
constexpr std::int64_t kSystemMessage = 100;

std::string StringField(const json::object& o, const char* name) {
  const json::value* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::int64_t IntField(const json::object& o, const char* name) {
  const json::value* v = o.if_contains(name);
  return v != nullptr && v->is_int64() ? v->as_int64() : 0;
}

// The members after a system message's change.
void ApplyChange(const json::object& message, std::set<std::string>& members) {
  boost::system::error_code ec;
  const json::value change = json::parse(StringField(message, "content"), ec);
  if (ec || !change.is_object()) return;
  const std::string event = StringField(change.as_object(), "event");
  const std::string actor = StringField(message, "sender_id");
  std::vector<std::string> users;
  if (const json::value* list = change.as_object().if_contains("users"); list && list->is_array()) {
    for (const json::value& u : list->as_array()) {
      if (u.is_string()) users.emplace_back(u.as_string());
    }
  }
  if (event == "create") {
    members.insert(actor);
    members.insert(users.begin(), users.end());
  } else if (event == "join") {
    members.insert(actor);
  } else if (event == "leave") {
    members.erase(actor);
  } else if (event == "invite") {
    members.insert(users.begin(), users.end());
  } else if (event == "kick") {
    for (const std::string& u : users) members.erase(u);
  }
}

}  // namespace

void Checker::Problem(std::string text) {
  if (counts_.problems.size() < kMaxProblems) counts_.problems.push_back(std::move(text));
}

void Checker::RecordAttempt(const std::string& sender, const std::string& msg_id,
                            const std::string& conversation_id, const std::string& content,
                            bool retry) {
  std::lock_guard lock(mu_);
  auto [it, fresh] = attempts_.try_emplace(Key{sender, msg_id});
  if (fresh) {
    it->second.conversation_id = conversation_id;
    it->second.content = content;
    ++counts_.attempted;
  }
  if (retry) ++counts_.retried;
}

void Checker::RecordAck(const std::string& sender, const std::string& msg_id, std::int64_t seq) {
  std::lock_guard lock(mu_);
  Attempt& attempt = attempts_[Key{sender, msg_id}];
  if (attempt.acked_seq == 0) {
    attempt.acked_seq = seq;
    ++counts_.acked;
  } else if (attempt.acked_seq == seq) {
    ++counts_.duplicate_acks;
  } else {
    ++counts_.duplicated;
    Problem(sender + "/" + msg_id + " acked with seq " + std::to_string(attempt.acked_seq) +
            " and again with seq " + std::to_string(seq));
  }
}

void Checker::RecordDeviceView(const std::string& device,
                               const std::map<std::string, std::set<std::int64_t>>& seen,
                               const std::vector<std::string>& must_converge) {
  std::lock_guard lock(mu_);
  devices_.push_back(DeviceView{device, seen, must_converge});
}

void Checker::CheckTimeline(const std::string& conversation_id,
                            const std::vector<json::object>& timeline) {
  std::lock_guard lock(mu_);
  std::set<std::string> members;
  std::int64_t expected_seq = 1;
  std::map<Key, std::int64_t> seq_of;
  for (const json::object& m : timeline) {
    const std::int64_t seq = IntField(m, "seq");
    for (; expected_seq < seq; ++expected_seq) {
      ++counts_.holes;
      Problem(conversation_id + ": seq " + std::to_string(expected_seq) + " is missing");
    }
    expected_seq = seq + 1;
    if (m.contains("hole")) {
      ++counts_.hole_markers;
      continue;
    }
    const std::string sender = StringField(m, "sender_id");
    const std::int64_t msg_type = IntField(m, "msg_type");
    if (msg_type == kSystemMessage) {
      ApplyChange(m, members);
      continue;
    }
    const Key key{sender, StringField(m, "msg_id")};
    if (conversation_id.starts_with("group_") && !members.contains(sender)) {
      ++counts_.membership_violations;
      Problem(conversation_id + ": seq " + std::to_string(seq) + " from " + sender +
              ", not a member then");
    }
    if (auto [it, fresh] = seq_of.try_emplace(key, seq); !fresh) {
      ++counts_.duplicated;
      Problem(conversation_id + ": " + key.first + "/" + key.second + " at seqs " +
              std::to_string(it->second) + " and " + std::to_string(seq));
      continue;
    }
    stored_.insert(key);
    auto attempt = attempts_.find(key);
    if (attempt == attempts_.end() || attempt->second.conversation_id != conversation_id ||
        attempt->second.content != StringField(m, "content")) {
      ++counts_.unexpected;
      Problem(conversation_id + ": seq " + std::to_string(seq) + " (" + key.first + "/" +
              key.second + ") was never sent here with this content");
      continue;
    }
    if (attempt->second.acked_seq == 0) {
      ++counts_.stored_unacked;
    } else if (attempt->second.acked_seq != seq) {
      ++counts_.lost;
      Problem(conversation_id + ": " + key.first + "/" + key.second + " acked at seq " +
              std::to_string(attempt->second.acked_seq) + ", stored at " + std::to_string(seq));
    }
  }
  timeline_end_[conversation_id] = expected_seq - 1;
}

Counts Checker::Finish() {
  std::lock_guard lock(mu_);
  for (const auto& [key, attempt] : attempts_) {
    if (attempt.acked_seq == 0 || stored_.contains(key)) continue;
    ++counts_.lost;
    Problem(attempt.conversation_id + ": " + key.first + "/" + key.second + " acked at seq " +
            std::to_string(attempt.acked_seq) + " is not in the timeline");
  }
  for (const DeviceView& view : devices_) {
    ++counts_.devices;
    bool converged = true;
    for (const std::string& conversation_id : view.must_converge) {
      const std::int64_t end = timeline_end_[conversation_id];
      auto seen = view.seen.find(conversation_id);
      // Every seq up to the end, hole markers included (a PULL returns them).
      const std::size_t have = seen == view.seen.end() ? 0 : seen->second.size();
      const bool whole = end == 0 || (have == static_cast<std::size_t>(end) &&
                                      *seen->second.begin() == 1 && *seen->second.rbegin() == end);
      if (!whole) {
        converged = false;
        Problem(view.device + " saw " + std::to_string(have) + " of " + std::to_string(end) +
                " seqs of " + conversation_id);
      }
    }
    if (converged) ++counts_.devices_converged;
  }
  return counts_;
}

}  // namespace parley::soak
