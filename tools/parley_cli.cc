// parley: interactive command-line chat client (docs/design.md "Goals and origins": the first
// origin's CLI). `parley --server HOST:PORT --user alice` opens a REPL;
// trailing words run one command and exit.
//
// What the REPL shows: at start, the unread messages of every conversation
// (then marked read, as the first origin's offline box was emptied at login);
// afterwards every new message as it arrives, including what a reconnect's
// catch-up fetches, and "bob is typing…" when another member says so. The
// CLI keeps no state between runs, so it turns off
// ClientOptions::catch_up_unknown_conversations: a conversation first seen
// starts where it was seen instead of replaying its whole history, and the
// catch-up at login runs silently (the unread listing replaces it).

#include <unistd.h>

#include <CLI/CLI.hpp>

#include <atomic>
#include <iostream>
#include <string>
#include <vector>

#include "cli_commands.h"
#include "cli_format.h"
#include "cli_login.h"
#include "client/sync_client.h"
#include "terminal.h"

namespace {

using namespace parley;

constexpr std::uint16_t kDefaultHttpPort = 8080;

struct Flags {
  std::string server = "127.0.0.1:8090";
  std::string http;  // default: the --server host on 8080, or --server itself with --ws
  std::string user;
  std::string password;
  bool ws = false;
  bool tls = false;
  std::string ca;  // PEM; empty: the system's trust store
  std::vector<std::string> command;
};

int Repl(client::SyncClient& client, const std::string& me, tools::Console& console,
         std::atomic<bool>& live) {
  tools::Output out{[&](std::string_view line) { console.Print(line); },
                    [&](std::string_view line) { console.Print(line); }};
  if (console.interactive()) console.Print("logged in as " + me + " — type help for commands");
  // The login's catch-up ran silently; what it brought that is unread is
  // listed once here. From now on pushes are printed as they come.
  if (auto synced = client.Sync(); !synced) out.error(tools::FormatError(synced.error()));
  live = true;
  tools::RunCommand(client, me, "unread", out);
  while (auto line = console.ReadLine()) {
    if (line->find_first_not_of(" \t\r") == std::string::npos) continue;
    if (tools::RunCommand(client, me, *line, out) == tools::CommandStatus::kQuit) break;
  }
  return 0;
}

int OneShot(client::SyncClient& client, const std::string& me,
            const std::vector<std::string>& words) {
  std::string line;
  for (const std::string& word : words) line += (line.empty() ? "" : " ") + word;
  tools::Output out{[](std::string_view text) { std::cout << text << '\n'; },
                    [](std::string_view text) { std::cerr << text << '\n'; }};
  return tools::RunCommand(client, me, line, out) == tools::CommandStatus::kFailed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  CLI::App app{"parley: chat with a Parley server"};
  app.add_option("--server", flags.server, "server HOST:PORT (TCP, or WebSocket with --ws)")
      ->capture_default_str();
  app.add_option("--user", flags.user, "your user id")->required();
  app.add_option("--password", flags.password, "password (prompted for when omitted)");
  app.add_flag("--ws", flags.ws, "connect over WebSocket instead of TCP");
  app.add_flag("--tls", flags.tls,
               "TLS on the connection (TCP, or wss:// with --ws) and https for registering; the "
               "server's certificate and host name are verified");
  app.add_option("--ca", flags.ca,
                 "PEM file of the CA(s) to trust with --tls (default: the system's trust store)")
      ->check(CLI::ExistingFile);
  app.add_option("--http", flags.http,
                 "HTTP HOST:PORT for registering new users (default: server host, port 8080; "
                 "https with --tls)");
  app.add_option("command", flags.command,
                 "run one command and exit (see help): send USER TEXT..., history USER [N], "
                 "conversations, unread, typing USER|#GROUP [stop], group ...");
  // Everything after the first command word belongs to the command.
  app.prefix_command();
  CLI11_PARSE(app, argc, argv);
  for (const std::string& extra : app.remaining()) flags.command.push_back(extra);

  if (!flags.ca.empty() && !flags.tls) {
    std::cerr << "error: --ca goes with --tls\n";
    return 2;
  }
  auto server = client::ParseEndpoint(flags.server);
  if (!server) {
    std::cerr << tools::FormatError(server.error()) << '\n';
    return 2;
  }
  client::Endpoint http{server->host, flags.ws ? server->port : kDefaultHttpPort};
  if (!flags.http.empty()) {
    auto parsed = client::ParseEndpoint(flags.http);
    if (!parsed) {
      std::cerr << tools::FormatError(parsed.error()) << '\n';
      return 2;
    }
    http = *parsed;
  }
  if (flags.password.empty()) {
    auto typed = tools::ReadPassword("password for " + flags.user + ": ");
    if (!typed) {
      std::cerr << "error: no password given\n";
      return 2;
    }
    flags.password = *typed;
  }

  client::ClientOptions options;
  options.server = *server;
  options.catch_up_unknown_conversations = false;  // see the top of this file
  options.transport = flags.ws ? client::TransportKind::kWebSocket : client::TransportKind::kTcp;
  if (flags.tls) options.tls = client::TlsOptions{flags.ca};  // the HTTP port's too
  client::SyncClient client(options);

  bool interactive = flags.command.empty();
  tools::Console console(isatty(STDIN_FILENO) != 0);
  std::atomic<bool> live{false};
  if (interactive) {
    client.SetPushHandler([&client, &console, &live](const protocol::Message& m) {
      if (!live) return;
      console.Print(tools::FormatMessage(m));
      // Shown is read: the ACK keeps unread counts honest. Nothing waits on it.
      client.Async().Request(client::AckBody(m.conversation_id, m.seq), [](auto) {});
    });
    client.SetReceiptHandler([&console, &live](const client::ReceiptNotice& receipt) {
      if (live) console.Print(tools::FormatReceipt(receipt));
    });
    client.SetTypingHandler([&console, &live](const protocol::TypingEvent& event) {
      if (live) console.Print(tools::FormatTyping(event));
    });
    client.SetStateHandler([&console](client::ConnectionState state) {
      if (state == client::ConnectionState::kReconnecting) {
        console.Print("(connection lost, reconnecting…)");
      } else if (state == client::ConnectionState::kOnline) {
        console.Print("(reconnected)");
      }
    });
  }

  auto login = tools::LoginOrRegister(client, http, options.tls, flags.user, flags.password);
  if (!login) {
    std::cerr << tools::FormatError(login.error()) << '\n';
    return 1;
  }
  return interactive ? Repl(client, login->user_id, console, live)
                     : OneShot(client, login->user_id, flags.command);
}
