#include "redis/resp_codec.h"

#include <hiredis/hiredis.h>
#include <hiredis/read.h>

#include <new>

namespace parley::redis {
namespace {

// hiredis 0.14 allocates a multi-bulk reply's element array as soon as it
// reads "*N", for any N up to INT_MAX (16 GiB of pointers for
// "*2147483647"; it has no maxelements). Parley's replies are pages and
// script results far below this bound: a larger one is a broken or hostile
// peer, refused before anything is allocated.
constexpr int kMaxArrayElements = 1 << 20;

// hiredis's own reply functions (static in hiredis.c: reachable only through
// a reader made with them).
const redisReplyObjectFunctions& DefaultFunctions() {
  static const redisReplyObjectFunctions defaults = [] {
    redisReader* reader = redisReaderCreate();
    if (reader == nullptr) throw std::bad_alloc();
    const redisReplyObjectFunctions fn = *reader->fn;
    redisReaderFree(reader);
    return fn;
  }();
  return defaults;
}

// A null object makes hiredis fail the stream (with its "Out of memory").
void* CreateBoundedArray(const redisReadTask* task, int elements) {
  if (elements > kMaxArrayElements) return nullptr;
  return DefaultFunctions().createArray(task, elements);
}

redisReplyObjectFunctions* BoundedFunctions() {
  static redisReplyObjectFunctions functions = [] {
    redisReplyObjectFunctions fn = DefaultFunctions();
    fn.createArray = CreateBoundedArray;
    return fn;
  }();
  return &functions;
}

// Copies hiredis's reply tree into our value type; the caller frees `r`.
Reply Convert(const redisReply* r) {
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      return Reply::Integer(r->integer);
    case REDIS_REPLY_STRING:
      return Reply::String(std::string(r->str, r->len));
    case REDIS_REPLY_STATUS:
      return Reply::Status(std::string(r->str, r->len));
    case REDIS_REPLY_ERROR:
      return Reply::Error(std::string(r->str, r->len));
    case REDIS_REPLY_ARRAY: {
      std::vector<Reply> elements;
      elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) elements.push_back(Convert(r->element[i]));
      return Reply::Array(std::move(elements));
    }
    default:
      return Reply::Nil();
  }
}

}  // namespace

bool AppendCommand(std::string& out, const Args& args) {
  if (args.empty()) return false;
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (const std::string& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  char* command = nullptr;
  const int size =
      redisFormatCommandArgv(&command, static_cast<int>(args.size()), argv.data(), lengths.data());
  if (size < 0) throw std::bad_alloc();  // hiredis fails only when out of memory
  out.append(command, static_cast<std::size_t>(size));
  redisFreeCommand(command);
  return true;
}

void ReplyReader::Free::operator()(redisReader* reader) const { redisReaderFree(reader); }

ReplyReader::ReplyReader() : reader_(redisReaderCreateWithFunctions(BoundedFunctions())) {
  if (!reader_) throw std::bad_alloc();
  // hiredis keeps at most maxbuf bytes of consumed buffer around; 0 would
  // never shrink it. Its default (16 KB) is right for us.
}

ReplyReader::~ReplyReader() = default;

void ReplyReader::Feed(const char* data, std::size_t size) {
  // Fails only on allocation failure; the reader then holds an error that
  // Next reports.
  redisReaderFeed(reader_.get(), data, size);
}

base::Result<std::optional<Reply>> ReplyReader::Next() {
  void* raw = nullptr;
  if (redisReaderGetReply(reader_.get(), &raw) != REDIS_OK) {
    return base::MakeError(base::Code::kUnavailable,
                           std::string("redis protocol error: ") + reader_->errstr);
  }
  if (raw == nullptr) return std::optional<Reply>();
  auto* reply = static_cast<redisReply*>(raw);
  Reply out = Convert(reply);
  freeReplyObject(reply);
  return std::optional<Reply>(std::move(out));
}

}  // namespace parley::redis
