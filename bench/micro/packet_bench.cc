// JSON packets: decoding a CHAT request as the server does, encoding the ack
// and the message a push carries.
#include <benchmark/benchmark.h>

#include "protocol/message.h"
#include "protocol/packet.h"
#include "protocol/requests.h"

namespace {

namespace protocol = parley::protocol;

const std::string kChat = R"({"cmd":2,"msg_id":"42.1234567890","to":"bob","payload":{"content":")" +
                          std::string(200, 'x') + R"(","msg_type":1}})";

void BM_DecodeChatRequest(benchmark::State& state) {
  for (auto _ : state) {
    auto body = protocol::ParseObject(kChat);
    auto cmd = protocol::ResolveCmd(*body, 2);
    auto chat = protocol::ParseChat(*body);
    benchmark::DoNotOptimize(cmd);
    benchmark::DoNotOptimize(chat);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeChatRequest);

void BM_EncodeChatAck(benchmark::State& state) {
  const auto request = protocol::ParseObject(kChat);
  for (auto _ : state) {
    benchmark::DoNotOptimize(protocol::OkResponse(
        protocol::Cmd::kChat, &*request,
        {{"conversation_id", "private_alice:bob"}, {"seq", 123456}}));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeChatAck);

void BM_EncodeMessageAndPush(benchmark::State& state) {
  const protocol::Message m{"42.1234567890", "private_alice:bob", 123456, "alice",
                            std::string(200, 'x'), protocol::kMsgTypeText, 1700000000000};
  for (auto _ : state) {
    const std::string json = protocol::SerializeMessage(m);
    benchmark::DoNotOptimize(protocol::PushBody(json));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeMessageAndPush);

void BM_DecodeMessage(benchmark::State& state) {
  const std::string json = protocol::SerializeMessage(
      {"42.1234567890", "private_alice:bob", 123456, "alice", std::string(200, 'x'),
       protocol::kMsgTypeText, 1700000000000});
  for (auto _ : state) benchmark::DoNotOptimize(protocol::ParseMessage(json));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeMessage);

}  // namespace
