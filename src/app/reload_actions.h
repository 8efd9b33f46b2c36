#pragma once
// What SIGHUP does (docs/operations.md "Reloading on SIGHUP"): every action
// registered here runs, in order of registration; each one reads its files
// again and either takes the new state or keeps the old one and says why.
// A failing action does not stop the others, and never stops the server.
// Today: the TLS certificate and key (--tls-cert, --tls-key) and the
// product's JWKS (--jwt-jwks). Whatever else reads a file an operator
// rotates joins with Add.
//
// Threads: Add before the first Run; Run from one thread at a time (main's
// signal loop).

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"

namespace parley::app {

class ReloadActions {
 public:
  using Action = std::function<base::Result<void>()>;

  // `name` is for the log: "TLS certificate".
  void Add(std::string name, Action action);

  // Runs them all, one log line each ("reloaded <name>" or "cannot reload
  // <name>: <error>; keeping the current one"). Returns how many failed.
  std::size_t Run() const;

  std::size_t size() const { return actions_.size(); }

 private:
  std::vector<std::pair<std::string, Action>> actions_;
};

}  // namespace parley::app
