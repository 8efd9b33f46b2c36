#pragma once
// The media message types of CHAT (docs/protocol.md "Media"): 2 image,
// 3 file, 4 audio, 5 video, with payload.media = {media_id, ...} and an
// optional caption in `content`. Kept apart from message_service.cc, which
// calls AttachChatMedia once per media CHAT.
//
// Threads: the caller's executor (see MediaService).

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.h"
#include "core/caller.h"

namespace parley::core {

class MediaService;

bool IsMediaMsgType(std::int64_t msg_type);

// Whether a CHAT's body (JSON text) may carry media, whose check waits on
// the media workers before the Append: such a CHAT must not be pipelined
// with the CHATs after it, or they could take earlier seqs. A cheap test
// (no parse) that errs on the side of "yes": a text that merely mentions
// "media" only loses pipelining.
bool ChatMayWaitBeforeAppend(std::string_view body);

// The stored payload.media of a media message (IsMediaMsgType; for any
// other type the CHAT stores none, and a media field a client sent along is
// dropped, without entering this coroutine): the catalog's fields of the
// media `request`'s payload.media.media_id names, cited by this message in
// `conversation_id`. Whatever else the client put in
// payload.media (content_type, size, ...) is replaced. 400 without a
// media_id, 404 for a media the sender may not read, 503 when media is not
// configured (`media` null).
boost::asio::awaitable<base::Result<std::string>> AttachChatMedia(
    MediaService* media, const Caller& caller, const std::string& conversation_id,
    const std::string& msg_id, std::int64_t msg_type, const boost::json::object& request);

}  // namespace parley::core
