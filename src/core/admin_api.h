#pragma once
// The server API for the product's backend (docs/protocol.md "Server API"),
// on the HTTP port under /api/admin/, authorised by
// `Authorization: Bearer <one of the --api-key keys>`:
//
//   POST /api/admin/users                    create a user (password optional)
//   GET  /api/admin/users/{id}               its record: banned, tokens_valid_after
//   POST /api/admin/users/{id}/ban|unban     ban: every device closed, logins refused
//   POST /api/admin/users/{id}/logout        tokens issued before now refused
//   GET  /api/admin/users/{id}/devices       its online sessions on every gateway
//   GET  /api/admin/users/{id}/conversations its conversations and groups
//   POST /api/admin/tokens                   mint a token for a user
//   POST /api/admin/groups                   create a group for an owner
//   GET  /api/admin/groups/{id}              the group, as its owner sees it
//   PUT  /api/admin/groups/{id}/members      set the members (invites and kicks)
//   POST /api/admin/groups/{id}/owner        hand the group to another member
//   POST /api/admin/messages                 a CHAT sent as a user (or a bot user)
//   POST /api/admin/backup                   an online backup (embedded mode)
//
// Everything goes through the services clients use, acting as the named
// user (the group's owner, the sender), so the access rules, the dense seq
// and msg_id idempotency are the same ones. 404 for everything while no key
// is configured (the API is off), 401 for a missing or wrong key, then the
// errors of the protocol. net/ parses HTTP and calls Handle with the pieces.
//
// Threads: Handle runs on the calling connection's executor; the API has no
// state of its own.

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "core/http_api.h"

namespace parley::core {

class AuthService;
class Bus;
class GroupService;
class MessageService;
class Store;

class AdminApi {
 public:
  AdminApi(AuthService& auth, Store& store, Bus& bus, MessageService& messages,
           GroupService& groups, const base::Clock& clock);

  boost::asio::awaitable<HttpReply> Handle(std::string_view method, std::string_view path,
                                           std::string_view authorization, std::string body);

  // What POST /api/admin/backup runs: a backup into the new directory named,
  // answered with its report (app/backup.h). Unset (cluster mode): 400.
  using BackupFn =
      std::function<boost::asio::awaitable<base::Result<boost::json::object>>(std::string dir)>;
  void SetBackup(BackupFn backup) { backup_ = std::move(backup); }

 private:
  boost::asio::awaitable<HttpReply> Users(std::string_view method,
                                          const std::vector<std::string_view>& path,
                                          std::string body);
  boost::asio::awaitable<HttpReply> Groups(std::string_view method,
                                           const std::vector<std::string_view>& path,
                                           std::string body);
  boost::asio::awaitable<HttpReply> CreateUser(const boost::json::object& request);
  boost::asio::awaitable<HttpReply> ShowUser(std::string user_id);
  // Ban, unban or log out everywhere; a ban and a log-out close every
  // device of the user on every gateway.
  enum class StandingChange { kBan, kUnban, kLogoutEverywhere };
  boost::asio::awaitable<HttpReply> ChangeStanding(std::string user_id, StandingChange change);
  boost::asio::awaitable<HttpReply> Devices(std::string user_id);
  boost::asio::awaitable<HttpReply> Conversations(std::string user_id);
  boost::asio::awaitable<HttpReply> MintToken(const boost::json::object& request);
  boost::asio::awaitable<HttpReply> CreateGroup(boost::json::object request);
  boost::asio::awaitable<HttpReply> ShowGroup(std::string group_id);
  boost::asio::awaitable<HttpReply> SetMembers(std::string group_id,
                                               const boost::json::object& request);
  boost::asio::awaitable<HttpReply> SetOwner(std::string group_id,
                                             const boost::json::object& request);
  boost::asio::awaitable<HttpReply> Send(boost::json::object request);
  boost::asio::awaitable<HttpReply> Backup(const boost::json::object& request);

  AuthService& auth_;
  Store& store_;
  Bus& bus_;
  MessageService& messages_;
  GroupService& groups_;
  const base::Clock& clock_;
  BackupFn backup_;
};

}  // namespace parley::core
