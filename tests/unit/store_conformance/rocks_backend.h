#pragma once
// RocksStore in a fresh temporary directory, removed on destruction. Used by
// the conformance suite and, through its members, by the RocksStore-only
// tests in tests/unit/store/.

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "base/metrics.h"
#include "store/rocks/rocks_store.h"
#include "unit/store_conformance/store_backend.h"

namespace parley::store::testing {

class RocksBackend : public StoreBackend {
 public:
  RocksBackend() {
    char tmpl[] = "/tmp/parley_store_test_XXXXXX";
    if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    options_.data_dir = tmpl;
    options_.clock = &clock_;
  }
  ~RocksBackend() override {
    store_.reset();
    std::filesystem::remove_all(options_.data_dir);
  }

  // Reopens with options_ as they are.
  void Reopen() {
    store_.reset();
    store_ = RocksStore::Open(options_, &metrics_);
  }
  void Reopen(const BackendOptions& options) override {
    ApplyBackendOptions(options, options_);
    Reopen();
  }
  core::Store& store() override { return *store_; }
  core::Store& Other() override { return *store_; }
  // The embedded store has no backend to lose: healthy while open.
  bool Healthy() override { return store_ != nullptr; }
  base::FakeClock& clock() override { return clock_; }

 protected:
  base::FakeClock clock_;
  RocksOptions options_;
  base::Metrics metrics_;
  std::unique_ptr<RocksStore> store_;
};

}  // namespace parley::store::testing
