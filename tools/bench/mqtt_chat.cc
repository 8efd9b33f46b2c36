// mqtt-chat: the peer workload of the report, the same 1:1 load as `chat`
// (P pairs, `size`-byte payloads, each sender waiting for its ack) against an
// MQTT broker through libmosquitto: QoS 1 PUBLISH → PUBACK is the ack, the
// subscriber's QoS 1 delivery is the push. libmosquitto runs without its
// own threads: each load thread drives its clients' sockets from one epoll.
#include <mosquitto.h>
#include <sys/epoll.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <unordered_map>

#include "tools/bench/bench.h"
#include "tools/bench/cpu_sample.h"

namespace parley::bench {
namespace {

struct Run;

struct Client {
  Run* run = nullptr;
  mosquitto* m = nullptr;
  std::size_t thread = 0;
  bool sender = false;
  std::string topic;
  std::unordered_map<int, std::int64_t> in_flight;  // mid → send time
};

struct Run {
  const Options* o = nullptr;
  std::string payload;
  std::vector<Stats> stats;  // per thread
  std::atomic<int> connected{0};
  std::atomic<int> subscribed{0};
  std::atomic<bool> go{false};
  std::atomic<bool> recording{false};
  std::atomic<bool> stop{false};
  std::atomic<bool> quit{false};
};

void Publish(Client& c) {
  const std::int64_t t = NowNs();
  std::memcpy(c.run->payload.data(), &t, sizeof t);
  int mid = 0;
  const int rc =
      mosquitto_publish(c.m, &mid, c.topic.c_str(), static_cast<int>(c.run->payload.size()),
                        c.run->payload.data(), 1, false);
  if (rc != MOSQ_ERR_SUCCESS) {
    ++c.run->stats[c.thread].errors;
    return;
  }
  c.in_flight[mid] = t;
  ++c.run->stats[c.thread].sent;
}

void OnConnect(mosquitto* m, void* obj, int rc) {
  auto& c = *static_cast<Client*>(obj);
  if (rc != 0) return;
  ++c.run->connected;
  if (!c.sender) mosquitto_subscribe(m, nullptr, c.topic.c_str(), 1);
}

void OnSubscribe(mosquitto*, void* obj, int, int, const int*) {
  ++static_cast<Client*>(obj)->run->subscribed;
}

void OnPublish(mosquitto*, void* obj, int mid) {
  auto& c = *static_cast<Client*>(obj);
  Stats& st = c.run->stats[c.thread];
  auto it = c.in_flight.find(mid);
  if (it != c.in_flight.end()) {
    if (c.run->recording.load(std::memory_order_relaxed)) {
      st.ack.Record(NowNs() - it->second);
      ++st.acked;
    }
    c.in_flight.erase(it);
  }
  if (!c.run->stop.load(std::memory_order_relaxed)) Publish(c);
}

void OnMessage(mosquitto*, void* obj, const mosquitto_message* msg) {
  auto& c = *static_cast<Client*>(obj);
  if (msg->payloadlen < 8 || !c.run->recording.load(std::memory_order_relaxed)) return;
  std::int64_t t;
  std::memcpy(&t, msg->payload, sizeof t);
  Stats& st = c.run->stats[c.thread];
  st.delivery.Record(NowNs() - t);
  ++st.delivered;
}

void Drive(Run& run, std::vector<Client*> clients) {
  const int ep = ::epoll_create1(0);
  for (Client* c : clients) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = c;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, mosquitto_socket(c->m), &ev);
  }
  bool started = false;
  std::int64_t last_misc = NowNs();
  std::vector<epoll_event> events(256);
  while (!run.quit.load()) {
    if (!started && run.go.load()) {
      started = true;
      for (Client* c : clients) {
        for (int w = 0; c->sender && w < std::max(1, run.o->window); ++w) Publish(*c);
      }
    }
    const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 5);
    for (int i = 0; i < n; ++i)
      mosquitto_loop_read(static_cast<Client*>(events[i].data.ptr)->m, 1000);
    for (Client* c : clients) {
      if (mosquitto_want_write(c->m)) mosquitto_loop_write(c->m, 1000);
    }
    if (NowNs() - last_misc > 1'000'000'000) {
      last_misc = NowNs();
      for (Client* c : clients) mosquitto_loop_misc(c->m);
    }
  }
  ::close(ep);
}

}  // namespace

int RunMqttChat(const Options& o) {
  mosquitto_lib_init();
  Run run;
  run.o = &o;
  run.payload.assign(static_cast<std::size_t>(o.size), 'x');
  const std::size_t threads = static_cast<std::size_t>(std::max(1, o.threads));
  run.stats.resize(threads);
  std::vector<std::unique_ptr<Client>> clients;
  const int sources = std::max(1, std::min(o.sources, 250));
  for (int i = 0; i < 2 * o.pairs; ++i) {
    auto c = std::make_unique<Client>();
    c->run = &run;
    c->sender = i < o.pairs;
    c->thread = static_cast<std::size_t>(i) % threads;
    c->topic = "bench/" + o.user_prefix + "/" + std::to_string(i % o.pairs);
    const std::string id =
        UserName(o, c->sender ? "s" : "r", static_cast<std::size_t>(i % o.pairs));
    c->m = mosquitto_new(id.c_str(), true, c.get());
    mosquitto_connect_callback_set(c->m, OnConnect);
    mosquitto_subscribe_callback_set(c->m, OnSubscribe);
    mosquitto_publish_callback_set(c->m, OnPublish);
    mosquitto_message_callback_set(c->m, OnMessage);
    const std::string source = "127.0.0." + std::to_string(1 + i % sources);
    const int rc = mosquitto_connect_bind(c->m, o.host.c_str(), o.mqtt_port, 60, source.c_str());
    if (rc != MOSQ_ERR_SUCCESS) {
      std::cerr << "parley-bench: mosquitto connect: " << mosquitto_strerror(rc) << "\n";
      return 1;
    }
    clients.push_back(std::move(c));
  }
  std::vector<std::thread> drivers;
  for (std::size_t t = 0; t < threads; ++t) {
    std::vector<Client*> mine;
    for (auto& c : clients) {
      if (c->thread == t) mine.push_back(c.get());
    }
    drivers.emplace_back([&run, mine] { Drive(run, mine); });
  }
  const std::int64_t wait_start = NowNs();
  while ((run.connected.load() < 2 * o.pairs || run.subscribed.load() < o.pairs) &&
         NowNs() - wait_start < static_cast<std::int64_t>(30e9)) {
    SleepS(0.001);
  }
  bool ok = run.connected.load() == 2 * o.pairs && run.subscribed.load() == o.pairs;
  double seconds = 0;
  CpuSample cpu_before;
  CpuSample cpu_after;
  if (ok) {
    run.go.store(true);
    SleepS(o.warmup_s);
    run.recording.store(true);
    cpu_before = SampleCpu(o.server_pid);
    const std::int64_t t0 = NowNs();
    SleepS(o.duration_s);
    run.recording.store(false);
    seconds = static_cast<double>(NowNs() - t0) / 1e9;
    cpu_after = SampleCpu(o.server_pid);
    run.stop.store(true);
    SleepS(0.2);
  }
  run.quit.store(true);
  for (auto& d : drivers) d.join();
  for (auto& c : clients) {
    mosquitto_disconnect(c->m);
    mosquitto_destroy(c->m);
  }
  mosquitto_lib_cleanup();
  if (!ok) {
    std::cerr << "parley-bench: mosquitto clients not ready (" << run.connected.load()
              << " connected, " << run.subscribed.load() << " subscribed)\n";
    return 1;
  }
  const Stats s = MergeStats(run.stats);
  boost::json::object r = Throughput(s, seconds);
  r["cpu_us_per_message"] = CpuPerUnit(cpu_before, cpu_after, static_cast<double>(s.acked));
  char summary[400];
  std::snprintf(
      summary, sizeof summary,
      "mqtt-chat pairs=%d qos1: acked %.0f/s delivered %.0f/s ack p50 %.3f p99 %.3f p99.9 %.3f ms; "
      "delivery p99 %.3f ms",
      o.pairs, s.acked / seconds, s.delivered / seconds, s.ack.Percentile(0.5) / 1e6,
      s.ack.Percentile(0.99) / 1e6, s.ack.Percentile(0.999) / 1e6,
      s.delivery.Percentile(0.99) / 1e6);
  Emit(o, r, summary);
  return s.acked > 0 ? 0 : 1;
}

}  // namespace parley::bench
