// parleyctl: the operator's command line, on the server API (docs/protocol.md
// "Server API") and /metrics. `parleyctl --help` lists every command.
//
// Exit codes, for scripts: 0 done; 1 anything else; 2 a usage error or a
// request the server called malformed (400); 3 not found (404); 4 refused
// (401, 403: a wrong API key, a banned user...); 5 conflict (409: taken,
// already a member); 6 the server is unreachable or unavailable (5xx).

#include <CLI/CLI.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "app/config.h"
#include "tools/parleyctl/admin_client.h"
#include "tools/parleyctl/migrate_command.h"
#include "tools/parleyctl/stats.h"

namespace parley::ctl {
namespace {

namespace json = boost::json;

enum ExitCode : int {
  kDone = 0,
  kOther = 1,
  kUsage = 2,
  kNotFound = 3,
  kRefused = 4,
  kConflict = 5,
  kUnavailable = 6,
  kDifferent = 7,  // migrate --verify: the cluster does not hold what the node held
};

int ExitCodeOf(const base::Error& error) {
  switch (error.code) {
    case base::Code::kBadRequest: return kUsage;
    case base::Code::kNotFound: return kNotFound;
    case base::Code::kConflict: return kConflict;
    case base::Code::kUnavailable: return kUnavailable;
    default: return kOther;
  }
}

int ExitCodeOf(int status) {
  if (status >= 200 && status < 300) return kDone;
  if (status == 400 || status == 405 || status == 413) return kUsage;
  if (status == 404) return kNotFound;
  if (status == 401 || status == 403) return kRefused;
  if (status == 409) return kConflict;
  if (status >= 500) return kUnavailable;
  return kOther;
}

std::string Quoted(std::string_view s) { return json::serialize(json::string(s)); }

// A scalar as a person reads it: strings bare, whole numbers without a
// fraction, others with two decimals (JSON's doubles print as "2E-1").
std::string ScalarText(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_double()) {
    const double d = v.as_double();
    char text[64];
    if (d == static_cast<double>(static_cast<long long>(d))) {
      std::snprintf(text, sizeof text, "%lld", static_cast<long long>(d));
    } else {
      std::snprintf(text, sizeof text, "%.2f", d);
    }
    return text;
  }
  return json::serialize(v);
}

// The human form of an answer: "key: value" per field, arrays one item per line.
void PrintHuman(const json::value& v, const std::string& indent = "") {
  if (v.is_object()) {
    for (const auto& field : v.as_object()) {
      const json::value& value = field.value();
      if (value.is_array() || value.is_object()) {
        std::cout << indent << field.key() << ":\n";
        PrintHuman(value, indent + "  ");
      } else {
        std::cout << indent << field.key() << ": " << ScalarText(value) << "\n";
      }
    }
  } else if (v.is_array()) {
    if (v.as_array().empty()) std::cout << indent << "(none)\n";
    for (const json::value& item : v.as_array()) {
      if (item.is_object()) {
        std::string line;
        for (const auto& field : item.as_object()) {
          line += line.empty() ? "" : "  ";
          line += std::string(field.key()) + "=" + ScalarText(field.value());
        }
        std::cout << indent << "- " << line << "\n";
      } else {
        std::cout << indent << "- " << ScalarText(item) << "\n";
      }
    }
  } else {
    std::cout << indent << json::serialize(v) << "\n";
  }
}

struct Globals {
  std::string url = "http://127.0.0.1:8080";
  std::string api_key;
  std::string ca_file;
  bool json_output = false;
};

// Sends one request and prints its answer; returns the exit code.
int Call(const Globals& g, std::string_view method, const std::string& path,
         const std::string& body = {}) {
  auto server = ParseServerUrl(g.url);
  if (!server) {
    std::cerr << "parleyctl: " << server.error().message << "\n";
    return kUsage;
  }
  const AdminClient client(*server, g.api_key, g.ca_file);
  auto answer = client.Request(method, path, body);
  if (!answer) {
    std::cerr << "parleyctl: " << answer.error().message << "\n";
    return answer.error().code == base::Code::kUnavailable ? kUnavailable : kOther;
  }
  const int code = ExitCodeOf(answer->status);
  boost::system::error_code ec;
  const json::value parsed = json::parse(answer->body, ec);
  if (code != kDone) {
    const json::value* error = !ec && parsed.is_object() ? parsed.as_object().if_contains("error")
                                                         : nullptr;
    std::cerr << "parleyctl: " << answer->status << " "
              << (error != nullptr && error->is_string() ? std::string(error->as_string())
                                                         : answer->body)
              << "\n";
    return code;
  }
  if (g.json_output || ec) {
    std::cout << answer->body << "\n";
  } else {
    PrintHuman(parsed);
  }
  return kDone;
}

int Stats(const Globals& g, double interval_s) {
  auto server = ParseServerUrl(g.url);
  if (!server) {
    std::cerr << "parleyctl: " << server.error().message << "\n";
    return kUsage;
  }
  const AdminClient client(*server, "", g.ca_file);
  auto first = client.Request("GET", "/metrics");
  if (first && first->status == 200) {
    std::this_thread::sleep_for(std::chrono::duration<double>(interval_s));
  }
  auto second = first && first->status == 200 ? client.Request("GET", "/metrics") : first;
  if (!second) {
    std::cerr << "parleyctl: " << second.error().message << "\n";
    return kUnavailable;
  }
  if (second->status != 200) {
    std::cerr << "parleyctl: /metrics answered " << second->status << "\n";
    return ExitCodeOf(second->status);
  }
  const json::object stats =
      ctl::Stats(ParseMetrics(first->body), ParseMetrics(second->body), interval_s);
  if (g.json_output) {
    std::cout << json::serialize(stats) << "\n";
  } else {
    PrintHuman(stats);
  }
  return kDone;
}

std::string JsonArray(const std::vector<std::string>& items) {
  json::array out;
  for (const std::string& item : items) out.emplace_back(item);
  return json::serialize(out);
}

int Run(int argc, char** argv) {
  CLI::App app{
      "parleyctl: operate a Parley server through its server API (--api-key) and /metrics.\n"
      "Exit codes: 0 done, 1 other error, 2 usage or 400, 3 not found, 4 refused (401/403),\n"
      "5 conflict (409), 6 server unreachable or unavailable (5xx), 7 migrate --verify found\n"
      "differences."};
  app.require_subcommand(1);
  Globals g;
  if (const char* url = std::getenv("PARLEY_URL")) g.url = url;
  if (const char* key = std::getenv("PARLEY_API_KEY")) g.api_key = key;
  app.add_option("--url", g.url, "the server's HTTP port (env PARLEY_URL)")->capture_default_str();
  app.add_option("--api-key", g.api_key, "one of parleyd's --api-key keys (env PARLEY_API_KEY)");
  app.add_option("--ca", g.ca_file, "https: trust the CAs in this PEM file (default: the system's)")
      ->check(CLI::ExistingFile);
  app.add_flag("--json", g.json_output, "print the server's JSON as it is");

  int code = kDone;
  std::string id, user, password, name, owner, from, to, group, msg_id, text;
  std::vector<std::string> members;
  std::int64_t ttl = 0;
  double interval = 1.0;

  CLI::App* users = app.add_subcommand("users", "users: create, show, ban, unban, logout, devices, "
                                                "conversations");
  users->require_subcommand(1);
  CLI::App* create = users->add_subcommand("create", "create a user (without --password: the "
                                                     "backend mints its tokens)");
  create->add_option("ID", id)->required();
  create->add_option("--password", password, "lets the user log in with a password");
  create->callback([&] {
    json::object body{{"user_id", id}};
    if (!password.empty()) body["password"] = password;
    code = Call(g, "POST", "/api/admin/users", json::serialize(body));
  });
  for (const auto& [verb, help] :
       std::vector<std::pair<std::string, std::string>>{
           {"show", "the user's record: banned, tokens_valid_after"},
           {"ban", "close every device on every gateway and refuse logins until unbanned"},
           {"unban", "let the user log in again"},
           {"logout", "close every device and refuse every token issued before now"},
           {"devices", "the user's connections, on every gateway"},
           {"conversations", "the user's conversations and groups"}}) {
    CLI::App* sub = users->add_subcommand(verb, help);
    sub->add_option("ID", id)->required();
    sub->callback([&, verb = verb] {
      const std::string path = "/api/admin/users/" + id;
      if (verb == "show") code = Call(g, "GET", path);
      if (verb == "ban" || verb == "unban" || verb == "logout") code = Call(g, "POST", path + "/" + verb);
      if (verb == "devices" || verb == "conversations") code = Call(g, "GET", path + "/" + verb);
    });
  }

  CLI::App* token = app.add_subcommand("token", "mint a token for a user");
  token->add_option("ID", id)->required();
  token->add_option("--ttl", ttl, "lifetime in seconds (default 7 days, at most 30)");
  token->callback([&] {
    json::object body{{"user_id", id}};
    if (ttl > 0) body["ttl_seconds"] = ttl;
    code = Call(g, "POST", "/api/admin/tokens", json::serialize(body));
  });

  CLI::App* groups = app.add_subcommand("groups", "groups: create, show, set-members, set-owner");
  groups->require_subcommand(1);
  CLI::App* gcreate = groups->add_subcommand("create", "create a group owned by --owner");
  gcreate->add_option("--owner", owner, "the owner (a user)")->required();
  gcreate->add_option("--name", name, "the group's name")->required();
  gcreate->add_option("--id", group, "its id (default: generated)");
  gcreate->add_option("MEMBERS", members, "its first members besides the owner");
  gcreate->callback([&] {
    json::object body{{"owner", owner}, {"name", name}, {"members", json::parse(JsonArray(members))}};
    if (!group.empty()) body["group_id"] = group;
    code = Call(g, "POST", "/api/admin/groups", json::serialize(body));
  });
  CLI::App* gshow = groups->add_subcommand("show", "members, admins, mutes, bans and settings");
  gshow->add_option("ID", group)->required();
  gshow->callback([&] { code = Call(g, "GET", "/api/admin/groups/" + group); });
  CLI::App* gmembers = groups->add_subcommand(
      "set-members", "make these the members (the owner included): invites and kicks");
  gmembers->add_option("ID", group)->required();
  gmembers->add_option("MEMBERS", members)->required();
  gmembers->callback([&] {
    code = Call(g, "PUT", "/api/admin/groups/" + group + "/members",
                R"({"members":)" + JsonArray(members) + "}");
  });
  CLI::App* gowner = groups->add_subcommand("set-owner", "hand the group to a member");
  gowner->add_option("ID", group)->required();
  gowner->add_option("USER", user)->required();
  gowner->callback([&] {
    code = Call(g, "POST", "/api/admin/groups/" + group + "/owner",
                R"({"user_id":)" + Quoted(user) + "}");
  });

  CLI::App* send = app.add_subcommand("send", "send a message as a user or a bot");
  send->add_option("--from", from, "the sender (a user; a bot is a user without a password)")
      ->required();
  auto* to_option = send->add_option("--to", to, "a user (a 1:1 conversation)");
  send->add_option("--group", group, "a group id")->excludes(to_option);
  send->add_option("--msg-id", msg_id, "the message's id: a retry with it is the same message")
      ->required();
  send->add_option("TEXT", text)->required();
  send->callback([&] {
    json::object body{{"from", from}, {"msg_id", msg_id}, {"payload", {{"content", text}}}};
    if (!to.empty()) body["to"] = to;
    if (!group.empty()) body["conversation_id"] = "group_" + group;
    if (to.empty() && group.empty()) {
      std::cerr << "parleyctl: send needs --to USER or --group ID\n";
      code = kUsage;
      return;
    }
    code = Call(g, "POST", "/api/admin/messages", json::serialize(body));
  });

  std::string backup_dir;
  CLI::App* backup = app.add_subcommand(
      "backup", "an online backup of an embedded node into a new directory on the server's "
                "machine (a complete --data-dir: start parleyd on it to restore)");
  backup->add_option("DIR", backup_dir, "absolute path; must not exist, its parent must")
      ->required();
  backup->callback([&] {
    code = Call(g, "POST", "/api/admin/backup", R"({"dir":)" + Quoted(backup_dir) + "}");
  });

  migrate::MigrateOptions migration;
  std::string inbox_retention = "7d";
  bool verify = false;
  CLI::App* migrate = app.add_subcommand(
      "migrate", "copy a stopped embedded node (or a backup of one) into cluster mode: users, "
                 "groups, messages with their seqs and msg_ids, positions, inboxes, media; "
                 "resumable (run it again to continue or catch up)");
  migrate->add_option("--from", migration.data_dir, "the node's --data-dir (parleyd stopped)")
      ->required()
      ->check(CLI::ExistingDirectory);
  migrate->add_option("--mysql", migration.mysql_url, "the cluster's --mysql URL")->required();
  migrate->add_option("--redis", migration.redis, "the cluster's --redis HOST:PORT")->required();
  migrate->add_option("--media-dir", migration.media_dir,
                      "the gateways' shared --media-dir: the node's media are copied there");
  migrate->add_option("--media-from", migration.media_from,
                      "the node's --media-dir, if it was not DATA_DIR/media");
  migrate->add_option("--inbox-retention", inbox_retention,
                      "the cluster's --inbox-retention: older inbox entries are not copied")
      ->capture_default_str();
  migrate->add_flag("--verify", verify,
                    "copy nothing: compare the cluster with the node (counts, and a SHA-256 per "
                    "conversation); exit code 7 when they differ");
  migrate->callback([&] {
    const auto retention = app::ParseDuration(inbox_retention);
    if (!retention) {
      std::cerr << "parleyctl: --inbox-retention: '" << inbox_retention
                << "' is not a duration (e.g. 7d, 12h)\n";
      code = kUsage;
      return;
    }
    migration.inbox_retention = *retention;
    auto outcome = RunMigrate(migration, verify ? MigrateMode::kVerify : MigrateMode::kCopy);
    if (!outcome) {
      std::cerr << "parleyctl migrate: " << outcome.error().message << "\n";
      code = ExitCodeOf(outcome.error());
      return;
    }
    if (g.json_output) {
      std::cout << json::serialize(outcome->report) << "\n";
    } else {
      PrintHuman(outcome->report);
    }
    code = outcome->differences ? kDifferent : kDone;
  });

  CLI::App* stats = app.add_subcommand(
      "stats", "connections, messages/s, commit and ack latency, queued pushes (from /metrics)");
  stats->add_option("--interval", interval, "seconds between the two scrapes")
      ->check(CLI::Range(0.1, 60.0))
      ->capture_default_str();
  stats->callback([&] { code = Stats(g, interval); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kUsage;
  }
  return code;
}

}  // namespace
}  // namespace parley::ctl

int main(int argc, char** argv) { return parley::ctl::Run(argc, argv); }
