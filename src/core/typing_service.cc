#include "core/typing_service.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "core/conversation_access.h"
#include "protocol/commands.h"
#include "protocol/packet.h"
#include "protocol/requests.h"
#include "protocol/typing.h"

namespace parley::core {
namespace json = boost::json;
using protocol::Cmd;

asio::awaitable<base::Result<std::string>> TypingService::Typing(const Caller& caller,
                                                                 TypingThrottle& throttle,
                                                                 const json::object& request) {
  PARLEY_CO_ASSIGN_OR_RETURN(protocol::TypingRequest typing, protocol::ParseTyping(request));
  PARLEY_CO_ASSIGN_OR_RETURN(std::string requested,
                             NamedConversation(caller, typing.conversation_id, typing.to));
  // Membership is checked on every packet, throttled or not: an outsider or
  // a kicked member always gets its 403.
  PARLEY_CO_ASSIGN_OR_RETURN(ConversationTarget target,
                             co_await ResolveConversation(store_, caller, requested));
  const std::string& conversation_id = target.conversation_id;
  auto answer = [&] {
    return protocol::OkResponse(Cmd::kTyping, &request, {{"conversation_id", conversation_id}});
  };

  if (!target.HasLiveEvents(options_.fanout_threshold)) {
    base::Bump(metrics_.typing_total[base::Metrics::Index(base::TypingOutcome::kLargeGroup)]);
    co_return answer();
  }
  if (throttle.Admit(conversation_id, typing.state, clock_.NowMs()) == TypingVerdict::kDrop) {
    base::Bump(metrics_.typing_total[base::Metrics::Index(base::TypingOutcome::kThrottled)]);
    co_return answer();
  }
  // The other members only: none of the typist's devices needs to hear that
  // it types (Publish's skip covers one session, this one).
  std::vector<std::string> others;
  others.reserve(target.members->size());
  std::copy_if(target.members->begin(), target.members->end(), std::back_inserter(others),
               [&](const std::string& member) { return member != caller.user_id; });
  OutboundPacket event{static_cast<std::uint16_t>(Cmd::kTyping),
                       std::make_shared<const std::string>(protocol::TypingEventBody(
                           {conversation_id, caller.user_id, typing.state}))};
  bus_.Publish(others, event, caller.session_id);
  base::Bump(metrics_.typing_total[base::Metrics::Index(base::TypingOutcome::kForwarded)]);
  co_return answer();
}

}  // namespace parley::core
