#pragma once
// The binary protocol's frames over any Asio stream: what the plain TCP
// (tcp_conn.cc) and TLS (tls_conn.cc) connections share. The derived class
// opens the stream, then calls Read() and on_open(true); Send comes after.
//
// Thread contract: Conn's (one io_context thread).

#include <boost/asio/buffer.hpp>
#include <boost/asio/write.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "protocol/frame_codec.h"
#include "tools/bench/conn.h"

namespace parley::bench {

template <class Stream>
class FramedConn : public Conn {
 public:
  void Send(std::uint16_t cmd, std::string_view body) override {
    const protocol::FrameHeaderBytes h = protocol::EncodeFrameHeader(cmd, body.size());
    pending_.append(h.data(), h.size());
    pending_.append(body);
    if (!writing_) Flush();
  }

 protected:
  // A SYNC page of 500 messages is larger than the server's request limit
  // (--max-frame bounds what the server reads, not what it writes).
  static constexpr std::uint32_t kMaxInboundFrame = 16u << 20;

  template <class... Args>
  explicit FramedConn(Args&&... stream_args)
      : stream_(std::forward<Args>(stream_args)...), decoder_(kMaxInboundFrame) {}

  void Read() {
    // Room for a whole batch of pushes (a fan-out writes ~20 at once) in one read.
    std::span<char> space = decoder_.WritableSpace(16384);
    stream_.async_read_some(boost::asio::buffer(space.data(), space.size()),
                            [this](auto ec, std::size_t n) {
                              if (ec) {
                                Closed();
                                return;
                              }
                              decoder_.Commit(n);
                              for (;;) {
                                auto next = decoder_.Next();
                                if (!next) {
                                  Closed();
                                  return;
                                }
                                if (!*next) break;
                                if (on_packet_) on_packet_((*next)->cmd, (*next)->body);
                              }
                              Read();
                            });
  }

  Stream stream_;

 private:
  // Everything queued since the last write goes out in one write.
  void Flush() {
    writing_ = true;
    in_flight_.swap(pending_);
    pending_.clear();
    boost::asio::async_write(stream_, boost::asio::buffer(in_flight_),
                             [this](auto ec, std::size_t) {
                               writing_ = false;
                               if (ec) return;  // the read side reports the close
                               if (!pending_.empty()) Flush();
                             });
  }

  void Closed() {
    if (closed_) return;
    closed_ = true;
    if (on_closed_) on_closed_();
  }

  protocol::FrameDecoder decoder_;
  std::string pending_;
  std::string in_flight_;
  bool writing_ = false;
  bool closed_ = false;
};

}  // namespace parley::bench
