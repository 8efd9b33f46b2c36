// An inbox row of the embedded store (store/rocks/inbox_run.h), in any of
// the three formats it reads, as a corrupt RocksDB could hold it: nullopt,
// never a crash. Properties: a run that parses ends at its key's inbox_seq
// with consecutive entries, agrees with InboxRunNewestTime, and rebuilt by
// InboxRunBuilder parses to the same entries.
//
// Input: the value; the key's inbox_seq from the last 8 bytes.

#include <fuzzer/FuzzedDataProvider.h>

#include <string>

#include "fuzz_check.h"
#include "store/rocks/inbox_run.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace parley::store;
  using parley::fuzz::Check;
  FuzzedDataProvider input(data, size);
  const auto last_inbox_seq = input.ConsumeIntegral<std::int64_t>();
  const std::string value = input.ConsumeRemainingBytesAsString();

  const auto newest = InboxRunNewestTime(value);
  const auto run = ParseInboxRun(last_inbox_seq, value);
  if (!run) return 0;
  Check(newest && *newest == run->newest_send_time, "InboxRunNewestTime disagrees");
  Check(!run->entries.empty() && run->entries.front().inbox_seq == run->first_inbox_seq &&
            run->entries.back().inbox_seq == last_inbox_seq,
        "a run does not end at its key");
  for (std::size_t i = 1; i < run->entries.size(); ++i) {
    Check(run->entries[i].inbox_seq == run->entries[i - 1].inbox_seq + 1,
          "a run's inbox_seqs are not consecutive");
  }
  if (value[0] == 0) return 0;  // legacy rows are read, never written

  InboxRunBuilder builder(run->first_inbox_seq);
  for (const InboxRunEntry& e : run->entries)
    builder.Add(e.conversation_id, e.seq, run->newest_send_time);
  const std::string rebuilt_value = builder.Value();
  const auto rebuilt = ParseInboxRun(last_inbox_seq, rebuilt_value);
  Check(rebuilt && rebuilt->entries.size() == run->entries.size() &&
            rebuilt->newest_send_time == run->newest_send_time,
        "a rebuilt run does not parse the same");
  for (std::size_t i = 0; i < run->entries.size(); ++i) {
    Check(rebuilt->entries[i].conversation_id == run->entries[i].conversation_id &&
              rebuilt->entries[i].seq == run->entries[i].seq,
          "a rebuilt run's entries differ");
  }
  return 0;
}
