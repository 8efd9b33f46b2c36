// The store append path: RocksStore in a temporary dir, with its real synced
// group commit. Arg = appends in flight at once (1: one fsync per message;
// more: how group commit amortises it).
#include <benchmark/benchmark.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <filesystem>

#include "base/ids.h"
#include "base/metrics.h"
#include "store/rocks/rocks_store.h"

namespace {

namespace asio = boost::asio;
namespace core = parley::core;

void BM_StoreAppend(benchmark::State& state) {
  std::string dir = "/tmp/parley-micro-XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) {
    state.SkipWithError("mkdtemp failed");
    return;
  }
  parley::base::Metrics metrics;
  parley::store::RocksOptions options;
  options.data_dir = dir;
  auto store = parley::store::RocksStore::Open(options, &metrics);
  const auto in_flight = static_cast<int>(state.range(0));
  std::uint64_t next_id = 0;
  std::uint64_t failed = 0;
  asio::io_context io;
  for (auto _ : state) {
    for (int i = 0; i < in_flight; ++i) {
      core::AppendRequest request;
      const std::string sender = "u" + std::to_string(i % 64);
      request.message = {std::to_string(++next_id),
                         parley::base::PrivateConversationId(sender, "zz"),
                         0,
                         sender,
                         std::string(200, 'x'),
                         1,
                         1700000000000};
      request.members = {sender, "zz"};
      asio::co_spawn(io, store->Append(std::move(request)),
                     [&failed](std::exception_ptr e, parley::base::Result<core::AppendResult> r) {
                       if (e || !r) ++failed;
                     });
    }
    io.run();
    io.restart();
  }
  store->Close();
  store.reset();
  std::filesystem::remove_all(dir);
  if (failed != 0) state.SkipWithError("appends failed");
  state.SetItemsProcessed(state.iterations() * in_flight);
}
BENCHMARK(BM_StoreAppend)->Arg(1)->Arg(64)->Arg(1024)->UseRealTime();

}  // namespace
