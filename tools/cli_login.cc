#include "cli_login.h"

#include "client/http_auth.h"

namespace parley::tools {
namespace {
constexpr std::chrono::seconds kHttpTimeout{10};
}  // namespace

base::Result<client::LoginReply> LoginOrRegister(client::SyncClient& client,
                                                 const client::Endpoint& http,
                                                 const std::optional<client::TlsOptions>& tls,
                                                 const std::string& user_id,
                                                 const std::string& password) {
  auto login = client.Login(user_id, password);
  if (login || login.error().code != base::Code::kUnauthenticated) return login;
  auto registered = client::HttpAuth(http, tls, client::AuthAction::kRegister, user_id, password,
                                     kHttpTimeout);
  if (!registered) {
    if (registered.error().code == base::Code::kConflict) {
      return base::MakeError(base::Code::kUnauthenticated, "wrong password for " + user_id);
    }
    // Keep the login's answer first: it is the likelier explanation.
    return base::MakeError(login.error().code,
                           login.error().message + "; registering via " + http.ToString() +
                               " failed: " + registered.error().message);
  }
  return client.Login(user_id, password);
}

}  // namespace parley::tools
