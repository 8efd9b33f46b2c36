#include <jwt.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>

#include "tools/bench/bench.h"
#include "tools/bench/tls.h"

namespace parley::bench {
using asio::ip::tcp;

Loops::Loops(int n) {
  for (int i = 0; i < std::max(1, n); ++i) ios_.push_back(std::make_unique<asio::io_context>(1));
  for (auto& io : ios_) {
    threads_.emplace_back([ctx = io.get()] {
      auto guard = asio::make_work_guard(*ctx);
      ctx->run();
    });
  }
}

Loops::~Loops() { Stop(); }

void Loops::RunOnAll(const std::function<void(std::size_t)>& f) {
  std::atomic<std::size_t> left{ios_.size()};
  for (std::size_t i = 0; i < ios_.size(); ++i) {
    Post(i, [&f, &left, i] {
      f(i);
      left.fetch_sub(1);
    });
  }
  while (left.load() != 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
}

void Loops::Stop() {
  for (auto& io : ios_) io->stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

std::string UserName(const Options& o, std::string_view role, std::size_t i) {
  return o.user_prefix + std::string(role) + std::to_string(i);
}

std::string MintToken(const std::string& secret, const std::string& user) {
  jwt_t* jwt = nullptr;
  if (jwt_new(&jwt) != 0) return {};
  const long now = static_cast<long>(std::time(nullptr));
  jwt_add_grant(jwt, "sub", user.c_str());
  jwt_add_grant_int(jwt, "iat", now);
  jwt_add_grant_int(jwt, "exp", now + 7 * 24 * 3600);
  jwt_set_alg(jwt, JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret.data()),
              static_cast<int>(secret.size()));
  char* encoded = jwt_encode_str(jwt);
  std::string token = encoded ? encoded : "";
  std::free(encoded);
  jwt_free(jwt);
  return token;
}

namespace {

// Sends `request` (Connection: close) to the HTTP port and reads until the
// server closes; https with --tls (the server's HTTP port speaks TLS then).
std::string HttpExchange(const Options& o, const std::string& request) {
  if (o.security == Security::kTls) return TlsHttpExchange(o.host, o.ws_port, o.ca_file, request);
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(asio::ip::make_address(o.host), o.ws_port));
  asio::write(socket, asio::buffer(request));
  std::string response;
  boost::system::error_code ec;
  asio::read(socket, asio::dynamic_buffer(response), ec);
  return response;
}

// One HTTP/1.1 request with Connection: close; returns the status code (or
// -1) and, when `response_body` is set, the body.
int HttpRequest(const Options& o, const char* method, const std::string& path,
                const std::string& body, std::string* response_body = nullptr,
                std::string_view content_type = "application/json",
                std::string_view token = {}) {
  try {
    std::ostringstream req;
    req << method << " " << path << " HTTP/1.1\r\nHost: " << o.host
        << "\r\nContent-Type: " << content_type;
    if (!token.empty()) req << "\r\nAuthorization: Bearer " << token;
    req << "\r\nContent-Length: " << body.size() << "\r\nConnection: close\r\n\r\n" << body;
    const std::string response = HttpExchange(o, req.str());
    int status = -1;
    if (response.size() > 12) std::from_chars(response.data() + 9, response.data() + 12, status);
    if (response_body) {
      const std::size_t end_of_head = response.find("\r\n\r\n");
      *response_body = end_of_head == std::string::npos ? "" : response.substr(end_of_head + 4);
    }
    return status;
  } catch (const std::exception&) {
    return -1;
  }
}

}  // namespace

std::size_t RegisterUsers(const Options& o, const std::vector<std::string>& users) {
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> failed{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 8; ++t) {
    workers.emplace_back([&] {
      for (std::size_t i = next++; i < users.size(); i = next++) {
        const int status =
            HttpRequest(o, "POST", "/api/register",
                        R"({"user_id":")" + users[i] + R"(","password":"bench-pw-1"})");
        if (status != 200 && status != 409) ++failed;
      }
    });
  }
  for (auto& w : workers) w.join();
  return failed.load();
}

Fleet::Fleet(const Options& o, Loops& loops, std::vector<std::string> users,
             std::vector<std::size_t> gateways)
    : o_(o),
      loops_(loops),
      users_(std::move(users)),
      logged_(users_.size(), 0),
      handshakes_(loops) {
  const int sources = std::max(1, std::min(o.sources, 250));
  for (std::size_t i = 0; i < users_.size(); ++i) {
    Target t;
    t.transport = o.transport;
    t.security = o.security;
    t.ca_file = o.ca_file;
    t.host = o.host;
    t.port = gateways.empty() ? (o.transport == Transport::kTcp ? o.tcp_port : o.ws_port)
                              : GatewayPort(o, gateways[i]);
    t.source = asio::ip::address_v4((127u << 24) | static_cast<unsigned>(1 + i % sources));
    conns_.push_back(MakeConn(loops_.at(LoopOf(i)), t));
    handshakes_.Add(i);
  }
}

Fleet::~Fleet() = default;

double HandshakeQueue::Run(int max_in_flight, double timeout_s, Start start) {
  start_ = std::move(start);
  max_in_flight_ = max_in_flight;
  total_ = 0;
  for (const LoopQueue& q : queues_) total_ += q.todo.size();
  const std::int64_t began = NowNs();
  for (std::size_t l = 0; l < loops_.size(); ++l) loops_.Post(l, [this, l] { StartMore(l); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (ended_.load() < total_ && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return static_cast<double>(NowNs() - began) / 1e9;
}

void HandshakeQueue::StartMore(std::size_t loop) {
  LoopQueue& q = queues_[loop];
  while (q.in_flight < max_in_flight_ && q.next < q.todo.size()) {
    ++q.in_flight;
    start_(q.todo[q.next++], loop);
  }
}

void HandshakeQueue::Ended(std::size_t loop) {
  ++ended_;
  --queues_[loop].in_flight;
  StartMore(loop);
}

double Fleet::ConnectAll(int max_in_flight, double timeout_s) {
  return handshakes_.Run(max_in_flight, timeout_s,
                         [this](std::size_t i, std::size_t loop) { StartLogin(i, loop); });
}

void Fleet::StartLogin(std::size_t i, std::size_t loop) {
  Conn& c = *conns_[i];
  c.OnPacket([this, i, loop](std::uint16_t cmd, std::string_view body) {
    if (logged_[i]) {
      if (handler_) handler_(i, cmd, body);
      return;
    }
    if (cmd != 1) return;
    const bool ok = FindInt(body, "code") == 0;
    logged_[i] = ok ? 1 : 2;
    if (!ok) std::cerr << "login failed: " << body << "\n";
    Done(loop, ok);
  });
  c.OnClosed([this, i, loop] {
    ++closed_;
    if (!logged_[i]) {
      logged_[i] = 2;
      Done(loop, false);
    }
  });
  c.Start([this, i, loop](bool ok) {
    if (!ok) {
      logged_[i] = 2;
      Done(loop, false);
      return;
    }
    conns_[i]->Send(1, R"({"cmd":1,"token":")" + MintToken(o_.jwt_secret, users_[i]) + "\"}");
  });
}

void Fleet::Done(std::size_t loop, bool ok) {
  ++(ok ? logged_in_ : failed_);
  handshakes_.Ended(loop);
}

std::string UploadImage(const Options& o, const std::string& user) {
  // An 8x8 RGB PNG: decoded and thumbnailed like any picture.
  static const std::string kPng(
      "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x08\x00\x00"
      "\x00\x08\x08\x02\x00\x00\x00\x4b\x6d\x29\xdc\x00\x00\x00\x6c\x49\x44\x41\x54\x78\xda"
      "\x15\xcd\x41\x15\x00\x51\x08\x42\x51\xa3\x18\x85\x28\x46\x79\x51\x88\x42\x14\xa2\xcc"
      "\x1f\x97\x5c\x0e\xce\x0c\x3b\x68\xb8\x81\xc1\x43\x86\x0e\x33\xcb\x2e\x5a\x6e\x61\xf1"
      "\x92\xa5\xfb\x40\xac\x90\x38\x81\xb0\x88\xa8\x1e\x1c\x7b\xe8\xb8\x83\xc3\x47\x8e\xde"
      "\x83\x7f\xe0\x55\x5f\xf8\x9f\x21\xd0\xf7\x6e\xcc\x1a\x99\xf3\x1f\xdb\xc4\xd4\x0f\xc2"
      "\x06\x85\xcb\x5f\x76\x48\x68\x1e\x94\x2d\x2a\xd7\x7f\xc2\x25\xa5\xe5\x03\xc6\x7b\x58"
      "\x01\x57\x39\x36\xf2\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82",
      165);
  std::string answer;
  const int status = HttpRequest(o, "POST", "/api/media?name=bench.png", kPng, &answer, "image/png",
                                 MintToken(o.jwt_secret, user));
  if (status != 200) return {};
  return std::string(FindString(answer, "media_id"));
}

std::string ChatBody(std::uint64_t counter, std::int64_t t_ns, std::string_view to_field,
                     std::string_view to_value, const std::string& content,
                     const ChatKind& kind) {
  using Type = ChatKind::Type;
  std::string b;
  b.reserve(160 + content.size() + to_value.size());
  b += R"({"cmd":2,"msg_id":")";
  if (kind.type == Type::kReaction) b += 'e';
  if (kind.type == Type::kImage) b += 'i';
  b += std::to_string(counter);
  b += '.';
  b += std::to_string(t_ns);
  b += R"(",")";
  b += to_field;
  b += R"(":")";
  b += to_value;
  b += R"(","payload":{"content":")";
  switch (kind.type) {
    case Type::kText:
      b += content;
      b += R"(","msg_type":1}})";
      break;
    case Type::kReaction:
      b += kind.remove ? R"(\ud83d\udc4d","msg_type":103,"remove":true,"target_seq":)"
                       : R"(\ud83d\udc4d","msg_type":103,"target_seq":)";
      b += std::to_string(kind.target_seq);
      b += "}}";
      break;
    case Type::kImage:
      b += R"(","msg_type":2,"media":{"media_id":")";
      b += kind.media_id;
      b += R"("}}})";
      break;
  }
  return b;
}

std::int64_t SendTimeOf(std::string_view body) {
  const std::string_view id = FindString(body, "msg_id");
  const std::size_t dot = id.find('.');
  if (dot == std::string_view::npos) return -1;
  std::int64_t t = -1;
  std::from_chars(id.data() + dot + 1, id.data() + id.size(), t);
  return t;
}

std::int64_t ServerCounter(const Options& o, std::string_view name) {
  std::string metrics;
  if (HttpRequest(o, "GET", "/metrics", "", &metrics) != 200) return -1;
  const std::string line_start = "\n" + std::string(name) + " ";
  const std::size_t at = metrics.find(line_start);
  if (at == std::string::npos) return -1;
  std::int64_t value = -1;
  const char* first = metrics.data() + at + line_start.size();
  std::from_chars(first, metrics.data() + metrics.size(), value);
  return value;
}

std::int64_t RssKiB(pid_t pid) {
  if (pid <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return 0;
}

boost::json::object OptionsJson(const Options& o) {
  return {{"transport", TransportName(o)},
          {"threads", o.threads},
          {"sources", o.sources},
          {"connections", o.connections},
          {"hold_s", o.hold_s},
          {"pairs", o.pairs},
          {"duration_s", o.duration_s},
          {"warmup_s", o.warmup_s},
          {"rate", o.rate},
          {"window", o.window},
          {"size", o.size},
          {"members", o.members},
          {"senders", o.senders},
          {"messages", o.messages},
          {"conversations", o.conversations},
          {"sync_limit", o.sync_limit}};
}

void Emit(const Options& o, const boost::json::object& results, const std::string& summary) {
  std::cout << summary << std::endl;
  if (o.json_out.empty()) return;
  boost::json::object doc{
      {"scenario", o.scenario}, {"options", OptionsJson(o)}, {"results", results}};
  std::ofstream out(o.json_out);
  out << boost::json::serialize(doc) << "\n";
}

void SleepS(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }

Stats MergeStats(const std::vector<Stats>& per_thread) {
  Stats m;
  for (const Stats& s : per_thread) {
    m.ack.Merge(s.ack);
    m.delivery.Merge(s.delivery);
    m.sent += s.sent;
    m.acked += s.acked;
    m.delivered += s.delivered;
    m.errors += s.errors;
  }
  return m;
}

boost::json::object Throughput(const Stats& s, double seconds) {
  return {{"seconds", seconds},
          {"sent", s.sent},
          {"acked", s.acked},
          {"delivered", s.delivered},
          {"errors", s.errors},
          {"acked_per_s", static_cast<double>(s.acked) / seconds},
          {"delivered_per_s", static_cast<double>(s.delivered) / seconds},
          {"ack_latency", s.ack.ToJson(true)},
          {"delivery_latency", s.delivery.ToJson(true)}};
}

}  // namespace parley::bench
