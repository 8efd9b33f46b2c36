#pragma once
// TypingService: TYPING (cmd 10, docs/protocol.md "TYPING"). A member says
// it is typing in a conversation (or stopped); the other members' online
// devices hear of it through the Bus. Nothing is stored, and nothing goes to
// the typist's own devices. Only in 1:1 conversations and groups of at most
// `fanout_threshold` members: in a bigger group the packet is accepted and
// forwarded to nobody (a typing line for hundreds of people is noise, and
// each event would cost a publish per member). Each connection's
// TypingThrottle decides which packets are forwarded.
//
// Threads: runs on the calling connection's executor; no mutable state of
// its own (the throttle belongs to the connection).

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <cstddef>
#include <string>

#include "base/clock.h"
#include "base/error.h"
#include "base/metrics.h"
#include "core/bus.h"
#include "core/caller.h"
#include "core/store.h"
#include "core/typing_throttle.h"

namespace parley::core {

struct TypingOptions {
  // --fanout-threshold: the groups whose members get typing events are those
  // whose messages go into every member's inbox.
  std::size_t fanout_threshold = 500;
};

class TypingService {
 public:
  TypingService(Store& store, Bus& bus, const base::Clock& clock, base::Metrics& metrics,
                TypingOptions options)
      : store_(store), bus_(bus), clock_(clock), metrics_(metrics), options_(options) {}

  // Checks and forwards one TYPING request of `caller`'s connection, whose
  // throttle is `throttle`. Returns the success answer (sent only when the
  // request carries "req_id", see Dispatcher::Handle); accepted means
  // checked, not forwarded. Errors: 400 bad fields, 403 not a member, 404 no
  // such group, 503 the store could not tell.
  asio::awaitable<base::Result<std::string>> Typing(const Caller& caller, TypingThrottle& throttle,
                                                    const boost::json::object& request);

 private:
  Store& store_;
  Bus& bus_;
  const base::Clock& clock_;
  base::Metrics& metrics_;
  TypingOptions options_;
};

}  // namespace parley::core
