#pragma once
// What the Store conformance suite needs of a backend: a store on data that
// outlives it (Reopen), a second gateway on the same data, and a fake clock
// the store reads. Implemented by RocksBackend (a temporary directory) and
// ClusterBackend (a redis-server and a mariadbd of its own).

#include <chrono>
#include <cstddef>
#include <memory>
#include <ostream>

#include "base/clock.h"
#include "core/store.h"

namespace parley::store::testing {

// The options a conformance case may change; everything else is the
// backend's test default.
struct BackendOptions {
  std::chrono::milliseconds inbox_retention = std::chrono::hours(24 * 7);
  std::size_t fanout_threshold = 500;
};

// Copies `from` into a backend's own options (RocksOptions,
// ClusterStoreOptions).
template <class Options>
void ApplyBackendOptions(const BackendOptions& from, Options& to) {
  to.inbox_retention = from.inbox_retention;
  to.fanout_threshold = from.fanout_threshold;
}

class StoreBackend {
 public:
  virtual ~StoreBackend() = default;
  // Closes the store (if open) and opens it again over the same data.
  virtual void Reopen(const BackendOptions& options) = 0;
  virtual core::Store& store() = 0;
  // Another gateway on the same data. The embedded store has one per data
  // dir, so for it this is store() itself.
  virtual core::Store& Other() = 0;
  // False while the store knows its backend is unreachable.
  virtual bool Healthy() = 0;
  // The wall clock of the store (inbox retention).
  virtual base::FakeClock& clock() = 0;
};

// A backend the suite is instantiated with.
struct BackendFactory {
  const char* name;
  std::unique_ptr<StoreBackend> (*make)();
};

// gtest names a case's parameter by this.
inline void PrintTo(const BackendFactory& factory, std::ostream* os) { *os << factory.name; }

}  // namespace parley::store::testing
