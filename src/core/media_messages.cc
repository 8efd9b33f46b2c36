#include "core/media_messages.h"

#include "core/media_service.h"

namespace parley::core {

bool IsMediaMsgType(std::int64_t msg_type) { return msg_type >= 2 && msg_type <= 5; }

bool ChatMayWaitBeforeAppend(std::string_view body) {
  return body.find("\"media\"") != std::string_view::npos;
}

asio::awaitable<base::Result<std::string>> AttachChatMedia(
    MediaService* media, const Caller& caller, const std::string& conversation_id,
    const std::string& msg_id, std::int64_t msg_type, const boost::json::object& request) {
  if (media == nullptr) {
    co_return base::MakeError(base::Code::kUnavailable, "media is not enabled on this server");
  }
  const boost::json::value* payload = request.if_contains("payload");
  const boost::json::value* field = payload != nullptr && payload->is_object()
                                        ? payload->get_object().if_contains("media")
                                        : nullptr;
  const boost::json::value* id = field != nullptr && field->is_object()
                                     ? field->get_object().if_contains("media_id")
                                     : nullptr;
  if (id == nullptr || !id->is_string()) {
    co_return base::MakeError(base::Code::kBadRequest,
                              "msg_type " + std::to_string(msg_type) +
                                  " needs payload.media.media_id (upload with POST /api/media)");
  }
  // Named locals, not temporaries, in the co_await call (GCC 12 bug).
  std::string sender = caller.user_id;
  std::string media_id(id->get_string());
  media::Citation citation{conversation_id, caller.user_id, msg_id};
  base::Result<std::string> attached = co_await media->AttachToMessage(
      std::move(sender), std::move(media_id), msg_type, std::move(citation));
  co_return attached;
}

}  // namespace parley::core
