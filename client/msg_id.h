#pragma once
// Client-chosen message ids. The server makes (sender_id, msg_id) unique, so a
// retried send that reuses its msg_id is answered with the original seq.

#include <string>

namespace parley::client {

// 32 lowercase hex digits from 128 random bits. Thread-safe.
std::string NewMsgId();

}  // namespace parley::client
