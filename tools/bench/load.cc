#include "tools/bench/load.h"

namespace parley::bench {

struct Load::Ticker {
  explicit Ticker(asio::io_context& io) : timer(io) {}
  asio::steady_timer timer;
  std::vector<std::size_t> senders;  // indexes into senders_
  std::size_t rr = 0;
  double rate = 0;  // msg/s for this loop
  std::int64_t start_ns = 0;
  std::uint64_t sent = 0;
};

Load::Load(const Options& o, Loops& loops, Fleet& fleet, std::vector<SenderSpec> senders)
    : o_(o),
      loops_(loops),
      fleet_(fleet),
      content_(static_cast<std::size_t>(o.size), 'x'),
      sender_of_conn_(fleet.size(), -1),
      stats_(loops.size()) {
  for (std::size_t i = 0; i < senders.size(); ++i) {
    sender_of_conn_[senders[i].conn] = static_cast<int>(i);
    senders_.push_back(SenderState{std::move(senders[i])});
  }
}

Load::~Load() = default;

ChatKind Load::NextKind(SenderState& s) const {
  // Spread over every 100 messages: images first, then reactions, the rest text.
  const auto slot = static_cast<int>(s.sent % 100);
  ChatKind kind;
  if (slot < o_.images_pct && !s.spec.media_id.empty()) {
    kind.type = ChatKind::Type::kImage;
    kind.media_id = s.spec.media_id;
  } else if (slot < o_.images_pct + o_.events_pct && s.last_text_seq > 0) {
    kind.type = ChatKind::Type::kReaction;
    kind.target_seq = s.last_text_seq;
    kind.remove = s.reactions++ % 2 == 1;
  }
  return kind;
}

void Load::SendOne(SenderState& s, std::int64_t stamp_ns) {
  ++s.sent;
  ++stats_[fleet_.LoopOf(s.spec.conn)].sent;
  const ChatKind kind = NextKind(s);
  fleet_.conn(s.spec.conn)
      .Send(2, ChatBody(s.sent, stamp_ns, s.spec.to_field, s.spec.to_value, content_, kind));
}

void Load::Start() {
  if (o_.rate <= 0) {
    for (SenderState& s : senders_) {
      loops_.Post(fleet_.LoopOf(s.spec.conn), [this, &s] {
        for (int w = 0; w < std::max(1, o_.window); ++w) {
          if (s.spec.max_messages != 0 && s.sent >= s.spec.max_messages) break;
          SendOne(s, NowNs());
        }
      });
    }
    return;
  }
  for (std::size_t l = 0; l < loops_.size(); ++l)
    tickers_.push_back(std::make_unique<Ticker>(loops_.at(l)));
  for (std::size_t i = 0; i < senders_.size(); ++i) {
    tickers_[fleet_.LoopOf(senders_[i].spec.conn)]->senders.push_back(i);
  }
  const std::int64_t start = NowNs();
  for (std::size_t l = 0; l < loops_.size(); ++l) {
    Ticker& t = *tickers_[l];
    t.rate = o_.rate * static_cast<double>(t.senders.size()) / static_cast<double>(senders_.size());
    t.start_ns = start;
    if (!t.senders.empty()) loops_.Post(l, [this, l] { Tick(l); });
  }
}

void Load::Tick(std::size_t loop) {
  Ticker& t = *tickers_[loop];
  if (stop_.load()) return;
  const std::int64_t now = NowNs();
  const auto due = static_cast<std::uint64_t>(static_cast<double>(now - t.start_ns) * t.rate / 1e9);
  while (t.sent < due) {
    const auto stamp =
        t.start_ns + static_cast<std::int64_t>(static_cast<double>(t.sent) * 1e9 / t.rate);
    SendOne(senders_[t.senders[t.rr++ % t.senders.size()]], stamp);
    ++t.sent;
  }
  t.timer.expires_after(std::chrono::microseconds(200));
  t.timer.async_wait([this, loop](auto ec) {
    if (!ec) Tick(loop);
  });
}

void Load::OnPacket(std::size_t conn, std::uint16_t cmd, std::string_view body) {
  Stats& st = stats_[fleet_.LoopOf(conn)];
  if (cmd == 5) {
    const std::int64_t t = SendTimeOf(body);
    if (t > 0 && recording_.load(std::memory_order_relaxed)) {
      st.delivery.Record(NowNs() - t);
      ++st.delivered;
    }
    return;
  }
  if (cmd != 2) return;
  const int si = sender_of_conn_[conn];
  if (si < 0) return;
  SenderState& s = senders_[static_cast<std::size_t>(si)];
  const std::int64_t t = SendTimeOf(body);
  if (FindInt(body, "code") != 0) {
    ++st.errors;
    if (st.errors < 5)
      fprintf(stderr, "chat error: %.*s\n", static_cast<int>(body.size()), body.data());
  } else {
    // A text (its msg_id starts with a digit) is what the next reaction targets.
    const std::string_view msg_id = FindString(body, "msg_id");
    if (!msg_id.empty() && msg_id[0] >= '0' && msg_id[0] <= '9') s.last_text_seq = FindInt(body, "seq");
    total_acked_.fetch_add(1, std::memory_order_relaxed);
    if (recording_.load(std::memory_order_relaxed)) {
      if (t > 0) st.ack.Record(NowNs() - t);
      ++st.acked;
    }
  }
  if (o_.rate <= 0 && !stop_.load(std::memory_order_relaxed) &&
      (s.spec.max_messages == 0 || s.sent < s.spec.max_messages)) {
    SendOne(s, NowNs());
  }
}

Stats Load::Merged() const { return MergeStats(stats_); }

}  // namespace parley::bench
