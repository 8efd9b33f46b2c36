#include "base/metrics.h"

namespace parley::base {
namespace {

template <class T>
void Line(std::string& out, const char* name, const char* type, const std::atomic<T>& value) {
  out += "# TYPE parley_";
  out += name;
  out += ' ';
  out += type;
  out += "\nparley_";
  out += name;
  out += ' ';
  out += std::to_string(value.load(std::memory_order_relaxed));
  out += '\n';
}

}  // namespace

std::string Metrics::RenderPrometheus() const {
  std::string out;
  Line(out, "connections_open", "gauge", connections_open);
  Line(out, "connections_total", "counter", connections_total);
  Line(out, "requests_total", "counter", requests_total);
  Line(out, "request_errors_total", "counter", request_errors_total);
  Line(out, "protocol_errors_total", "counter", protocol_errors_total);
  Line(out, "messages_stored_total", "counter", messages_stored_total);
  Line(out, "messages_duplicate_total", "counter", messages_duplicate_total);
  Line(out, "deliveries_total", "counter", deliveries_total);
  Line(out, "slow_consumer_disconnects_total", "counter", slow_consumer_disconnects_total);
  Line(out, "idle_disconnects_total", "counter", idle_disconnects_total);
  Line(out, "store_batches_total", "counter", store_batches_total);
  return out;
}

}  // namespace parley::base
