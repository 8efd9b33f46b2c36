// Connection lifecycle of the Client: connect, log in, run the reader, writer
// and heartbeat loops, and reconnect with backoff when any of them ends.

#include "client/client.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

namespace parley::client {
namespace json = boost::json;
namespace {
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

asio::awaitable<bool> Cancelled() {
  auto state = co_await asio::this_coro::cancellation_state;
  co_return state.cancelled() != asio::cancellation_type::none;
}
}  // namespace

Client::Client(asio::any_io_executor executor, ClientOptions options)
    : options_(std::move(options)),
      strand_(asio::make_strand(std::move(executor))),
      write_signal_(strand_),
      backoff_timer_(strand_),
      jitter_(std::random_device{}()),
      tracker_(options_.max_buffered_per_conversation,
               options_.catch_up_unknown_conversations) {}

void Client::Start(Credentials credentials, LoginHandler done) {
  asio::post(strand_, [this, credentials = std::move(credentials), done = std::move(done)]() mutable {
    if (phase_ != Phase::kIdle) {
      done(base::MakeError(base::Code::kBadRequest,
                           phase_ == Phase::kClosed ? "client is closed" : "already started"));
      return;
    }
    phase_ = Phase::kStarting;
    credentials_ = std::move(credentials);
    login_done_ = std::move(done);
    asio::co_spawn(strand_, Run(), [this](std::exception_ptr e) {
      if (e) Shutdown(base::MakeError(base::Code::kInternal, "client loop failed"));
    });
  });
}

void Client::Close() {
  asio::post(strand_, [this] {
    Shutdown(base::MakeError(base::Code::kUnavailable, "client closed"));
  });
}

void Client::Shutdown(const base::Error& reason) {
  if (phase_ == Phase::kClosed) return;
  bool was_running = phase_ == Phase::kRunning;
  phase_ = Phase::kClosed;
  if (transport_) transport_->Close();
  backoff_timer_.cancel();
  write_signal_.cancel();
  if (login_done_) std::exchange(login_done_, nullptr)(reason);
  pull_backlog_.clear();
  while (!pending_.empty()) Complete(pending_.begin()->first, reason);
  while (!sync_waiters_.empty()) FinishSyncWaiter(sync_waiters_.begin()->first, reason);
  if (was_running && state_handler_) state_handler_(ConnectionState::kClosed);
}

asio::awaitable<void> Client::Run() {
  std::chrono::milliseconds delay = options_.backoff_initial;
  while (phase_ == Phase::kStarting || phase_ == Phase::kRunning) {
    auto login = co_await ConnectAndLogin();
    if (phase_ == Phase::kClosed) co_return;
    if (!login) {
      if (phase_ == Phase::kStarting) {
        // Never connected: tell the caller instead of retrying behind its back.
        phase_ = Phase::kIdle;
        std::exchange(login_done_, nullptr)(login.error());
        co_return;
      }
      if (login.error().code == base::Code::kUnauthenticated) {
        if (credentials_.token.empty() || credentials_.password.empty()) {
          Shutdown(login.error());  // nothing else to log in with
          co_return;
        }
        credentials_.token.clear();  // expired token: the password gets a new one
      }
      co_await Backoff(delay);
      continue;
    }
    delay = options_.backoff_initial;
    OnOnline(*login);
    {
      using namespace asio::experimental::awaitable_operators;
      co_await (ReadLoop() || WriteLoop() || HeartbeatLoop());
    }
    OnOffline();
  }
}

asio::awaitable<base::Result<LoginReply>> Client::ConnectAndLogin() {
  using namespace asio::experimental::awaitable_operators;
  transport_ = MakeTransport(options_.transport, strand_, options_.max_frame, options_.tls);
  auto outcome = co_await (Establish() || Watchdog(options_.connect_timeout));
  base::Result<LoginReply> login =
      outcome.index() == 0 ? std::get<0>(std::move(outcome))
                           : base::MakeError(base::Code::kUnavailable,
                                             "connect " + options_.server.ToString() +
                                                 ": timed out");
  if (!login) {
    transport_->Close();
    transport_.reset();
  }
  co_return login;
}

asio::awaitable<base::Result<LoginReply>> Client::Establish() {
  auto connected = co_await transport_->Connect(options_.server);
  if (!connected) co_return connected.error();
  json::object body = credentials_.token.empty()
                          ? LoginBody(credentials_.user_id, credentials_.password)
                          : TokenLoginBody(credentials_.token);
  std::string text = json::serialize(body);
  auto sent = co_await transport_->Write(static_cast<std::uint16_t>(protocol::Cmd::kLogin),
                                         std::move(text));
  if (!sent) co_return sent.error();
  for (;;) {  // the watchdog bounds this wait
    auto packet = co_await transport_->Read();
    if (!packet) co_return packet.error();
    if (packet->cmd != static_cast<std::uint16_t>(protocol::Cmd::kLogin)) continue;
    if (auto error = ErrorOf(packet->body)) co_return *error;
    co_return ParseLoginReply(packet->body);
  }
}

asio::awaitable<void> Client::Watchdog(std::chrono::milliseconds timeout) {
  asio::steady_timer timer(strand_, timeout);
  auto [ec] = co_await timer.async_wait(kNoThrow);
  // Closing the socket makes the stuck step fail, whether or not it supports
  // cancellation.
  if (!ec && transport_) transport_->Close();
}

void Client::OnOnline(const LoginReply& reply) {
  bool first = phase_ == Phase::kStarting;
  phase_ = Phase::kRunning;
  online_ = true;
  ++generation_;
  last_received_ = std::chrono::steady_clock::now();
  credentials_.user_id = reply.user_id;
  if (!reply.token.empty()) credentials_.token = reply.token;
  if (first) {
    std::exchange(login_done_, nullptr)(reply);
  } else if (state_handler_) {
    state_handler_(ConnectionState::kOnline);
  }
  for (auto& entry : pending_) Transmit(entry.second);
  StartCatchup();
}

void Client::OnOffline() {
  online_ = false;
  transport_->Close();
  transport_.reset();
  write_queue_.clear();
  // Collect first: Complete runs handlers, which may add requests.
  std::vector<std::int64_t> lost;
  for (auto& [req_id, request] : pending_) {
    if (request.sent_on == generation_ && !request.resend_after_reconnect) lost.push_back(req_id);
  }
  for (std::int64_t req_id : lost) {
    Complete(req_id, base::MakeError(base::Code::kUnavailable, "connection lost"));
  }
  if (phase_ == Phase::kRunning && state_handler_) state_handler_(ConnectionState::kReconnecting);
}

void Client::DropConnection() {
  if (transport_) transport_->Close();
}

asio::awaitable<void> Client::ReadLoop() {
  for (;;) {
    auto packet = co_await transport_->Read();
    if (!packet) break;
    last_received_ = std::chrono::steady_clock::now();
    OnPacket(std::move(*packet));
  }
  DropConnection();
}

asio::awaitable<void> Client::WriteLoop() {
  for (;;) {
    while (!write_queue_.empty()) {
      auto [cmd, body] = std::move(write_queue_.front());
      write_queue_.pop_front();
      auto written = co_await transport_->Write(cmd, std::move(body));
      if (!written) {
        DropConnection();
        co_return;
      }
    }
    write_signal_.expires_at(asio::steady_timer::time_point::max());
    co_await write_signal_.async_wait(kNoThrow);
    if (co_await Cancelled()) co_return;
  }
}

asio::awaitable<void> Client::HeartbeatLoop() {
  asio::steady_timer timer(strand_);
  for (;;) {
    timer.expires_after(options_.heartbeat_interval);
    auto [ec] = co_await timer.async_wait(kNoThrow);
    if (ec) co_return;
    // The server answers every heartbeat, so three silent intervals mean the
    // connection is dead even if TCP has not noticed yet.
    if (std::chrono::steady_clock::now() - last_received_ > 3 * options_.heartbeat_interval) {
      DropConnection();
      co_return;
    }
    Enqueue(static_cast<std::uint16_t>(protocol::Cmd::kHeartbeat),
            json::serialize(CmdBody(protocol::Cmd::kHeartbeat)));
  }
}

asio::awaitable<void> Client::Backoff(std::chrono::milliseconds& delay) {
  // Jitter in [delay/2, delay] keeps clients dropped together from
  // reconnecting in lockstep.
  std::uniform_int_distribution<std::int64_t> pick(delay.count() / 2, delay.count());
  backoff_timer_.expires_after(std::chrono::milliseconds(pick(jitter_)));
  co_await backoff_timer_.async_wait(kNoThrow);
  delay = std::min(delay * 2, options_.backoff_max);
}

}  // namespace parley::client
