#pragma once
// Bus: presence and delivery to online sessions (docs/design.md "Deployment
// modes"). LocalBus serves one process; RedisBus spans gateways.
//
// Threads: every method is safe from any thread.

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/error.h"
#include "core/session.h"

namespace parley::core {

class Bus {
 public:
  virtual ~Bus() = default;

  // Marks the session online for the user: it receives what is published to
  // that user until Detach.
  virtual void Attach(const std::string& user_id, std::shared_ptr<Session> session) = 0;
  virtual void Detach(const std::string& user_id, std::uint64_t session_id) = 0;

  // Delivers the packet to every online session of every user listed, except
  // the session `skip_session_id` (the sender's own connection, which gets
  // the ack instead). Never blocks.
  virtual void Publish(std::span<const std::string> user_ids, const OutboundPacket& packet,
                       std::uint64_t skip_session_id) = 0;

  // Whether each user has an online session anywhere (any gateway), in the
  // order given. A user whose presence cannot be read (Redis down) is an
  // error for the whole call.
  virtual boost::asio::awaitable<base::Result<std::vector<bool>>> Online(
      std::vector<std::string> user_ids) = 0;
  // Closes every online session of the user on every gateway, each after
  // what is already queued for it (a ban, a log-out-everywhere). Never
  // blocks; like Publish, a gateway the bus cannot reach keeps its sessions.
  virtual void Disconnect(const std::string& user_id, const std::string& reason) = 0;

  // The user's online sessions on every gateway. Errors like Online.
  struct Device {
    std::string gateway_id;  // "" in embedded mode
    std::uint64_t session_id = 0;
  };
  virtual boost::asio::awaitable<base::Result<std::vector<Device>>> Devices(
      std::string user_id) = 0;

  // Number of sessions attached on this process (metrics, tests).
  virtual std::size_t LocalSessionCount() const = 0;
};

}  // namespace parley::core
