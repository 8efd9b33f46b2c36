#pragma once
// Logs the CLI's user in, registering the account first when it is new.

#include <optional>
#include <string>

#include "client/endpoint.h"
#include "client/sync_client.h"

namespace parley::tools {

// LOGIN with the password over the client's transport. When that is refused
// (401) the account may not exist yet: POST /api/register on `http` (https
// with `tls`), then LOGIN again. A taken id (409) means the password was
// wrong: 401.
base::Result<client::LoginReply> LoginOrRegister(client::SyncClient& client,
                                                 const client::Endpoint& http,
                                                 const std::optional<client::TlsOptions>& tls,
                                                 const std::string& user_id,
                                                 const std::string& password);

}  // namespace parley::tools
