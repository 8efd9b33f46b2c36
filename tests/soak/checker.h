#pragma once
// The soak's independent checker (Jepsen's queue checker, for a chat):
// every send attempt and every ack is recorded as the driver makes it; at
// the end each conversation's whole timeline, read afresh from the server,
// is checked against them:
//   lost        an acknowledged message missing from its seq (or another there)
//   duplicated  one (sender, msg_id) stored at two seqs, or acked with two seqs
//   holes       a seq below the newest that reads as nothing (hole markers
//               are counted apart: cluster mode's seqs given up by design)
//   unexpected  a message whose (sender, msg_id) nobody sent
//   membership  a message from a sender who was not a member at its seq,
//               replaying the group's system messages
// and each device's view (pushes, SYNC, PULL) must have reached the end of
// every conversation it stayed a member of.
//
// Threads: Record* from any thread; Check after every device thread ended.

#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace parley::soak {

struct Counts {
  std::int64_t attempted = 0;
  std::int64_t acked = 0;
  std::int64_t retried = 0;          // sends repeated with the same msg_id
  std::int64_t duplicate_acks = 0;   // retries of acked msg_ids answered with the same seq
  std::int64_t refused = 0;          // 403: a churned-out member tried
  std::int64_t lost = 0;
  std::int64_t duplicated = 0;
  std::int64_t holes = 0;
  std::int64_t hole_markers = 0;
  std::int64_t unexpected = 0;
  std::int64_t membership_violations = 0;
  std::int64_t stored_unacked = 0;   // in the timeline though its sender never saw the ack
  std::int64_t devices = 0;
  std::int64_t devices_converged = 0;
  std::vector<std::string> problems;  // the first few, for the report
};

class Checker {
 public:
  void RecordAttempt(const std::string& sender, const std::string& msg_id,
                     const std::string& conversation_id, const std::string& content, bool retry);
  void RecordAck(const std::string& sender, const std::string& msg_id, std::int64_t seq);
  void RecordRefused() { std::lock_guard lock(mu_); ++counts_.refused; }

  // A device's final view: per conversation, every seq it saw.
  void RecordDeviceView(const std::string& device,
                        const std::map<std::string, std::set<std::int64_t>>& seen,
                        const std::vector<std::string>& must_converge);

  // Checks one conversation's whole timeline (PULL pages concatenated,
  // seq ascending). A group's members are replayed from its system
  // messages, its creation first.
  void CheckTimeline(const std::string& conversation_id,
                     const std::vector<boost::json::object>& timeline);
  // After every CheckTimeline: acked messages of conversations never read
  // count as lost; device views are compared with the timelines' ends.
  Counts Finish();

 private:
  struct Attempt {
    std::string conversation_id;
    std::string content;
    std::int64_t acked_seq = 0;  // 0: never acked
  };
  using Key = std::pair<std::string, std::string>;  // sender, msg_id

  void Problem(std::string text);

  std::mutex mu_;
  std::map<Key, Attempt> attempts_;
  std::map<std::string, std::int64_t> timeline_end_;  // conversation -> max seq read
  std::set<Key> stored_;                               // seen in some timeline
  struct DeviceView {
    std::string device;
    std::map<std::string, std::set<std::int64_t>> seen;
    std::vector<std::string> must_converge;
  };
  std::vector<DeviceView> devices_;
  Counts counts_;
};

}  // namespace parley::soak
