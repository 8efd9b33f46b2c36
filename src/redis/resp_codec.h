#pragma once
// The RESP codec: hiredis's command formatter and reply reader, and nothing
// else of hiredis (its networking is replaced by our Asio sockets). Pure: no
// I/O, no threads.
//
// Thread contract: AppendCommand is a free function, safe anywhere. A
// ReplyReader is used by one thread (or strand) at a time.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "redis/reply.h"

struct redisReader;

namespace parley::redis {

using Args = std::vector<std::string>;

// Appends `args` encoded as one RESP command (an array of bulk strings) to
// `out`. Arguments may hold any bytes, NUL included. An empty `args` appends
// nothing and returns false.
bool AppendCommand(std::string& out, const Args& args);

// Incremental reply parser: Feed bytes as they arrive from the socket, then
// take complete replies with Next until it returns nullopt.
class ReplyReader {
 public:
  ReplyReader();
  ~ReplyReader();
  ReplyReader(const ReplyReader&) = delete;
  ReplyReader& operator=(const ReplyReader&) = delete;

  void Feed(const char* data, std::size_t size);
  // A complete reply, nullopt when more bytes are needed, or an error when
  // the stream is not RESP (the connection must then be dropped).
  base::Result<std::optional<Reply>> Next();

 private:
  struct Free {
    void operator()(redisReader* reader) const;
  };
  std::unique_ptr<redisReader, Free> reader_;
};

}  // namespace parley::redis
