#include "base/metrics.h"

#include <charconv>

namespace parley::base {
namespace {

constexpr const char* kTransports[] = {"transport=\"tcp\"", "transport=\"ws\""};
constexpr const char* kAuthReasons[] = {"reason=\"bad_token\"", "reason=\"bad_password\"",
                                        "reason=\"other\""};
constexpr const char* kDropReasons[] = {"reason=\"slow_consumer\"", "reason=\"closed\""};
constexpr const char* kTypingOutcomes[] = {"outcome=\"forwarded\"", "outcome=\"throttled\"",
                                           "outcome=\"large_group\""};

template <class T>
T Load(const std::atomic<T>& value) {
  return value.load(std::memory_order_relaxed);
}

void Counter(std::string& out, std::string_view name, std::string_view help,
             const std::atomic<std::uint64_t>& value) {
  AppendFamily(out, name, "counter", help);
  AppendSample(out, name, {}, Load(value));
}

// One family, one sample per label value.
template <class T, std::size_t N>
void LabelledFamily(std::string& out, std::string_view name, std::string_view type,
                    std::string_view help, const std::array<std::atomic<T>, N>& values,
                    const char* const (&labels)[N]) {
  AppendFamily(out, name, type, help);
  for (std::size_t i = 0; i < N; ++i) AppendSample(out, name, labels[i], Load(values[i]));
}

template <class T>
void Sample(std::string& out, std::string_view name, std::string_view labels, T value) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}

}  // namespace

void AppendFamily(std::string& out, std::string_view name, std::string_view type,
                  std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void AppendSample(std::string& out, std::string_view name, std::string_view labels,
                  std::uint64_t value) {
  Sample(out, name, labels, value);
}

void AppendSample(std::string& out, std::string_view name, std::string_view labels,
                  std::int64_t value) {
  Sample(out, name, labels, value);
}

std::string FormatNumber(double value) {
  // Fixed notation ("0.0001" rather than "1e-04"), unless it does not fit.
  char buffer[64];
  std::to_chars_result r =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed);
  if (r.ec != std::errc()) r = std::to_chars(buffer, buffer + sizeof buffer, value);
  return r.ec == std::errc() ? std::string(buffer, r.ptr) : std::string("NaN");
}

void Metrics::AddCollector(std::function<void(std::string& out)> collect) {
  std::lock_guard lock(collectors_mu_);
  collectors_.push_back(std::move(collect));
}

std::string Metrics::RenderPrometheus() const {
  std::string out;
  out.reserve(8192);
  LabelledFamily(out, "parley_connections_open", "gauge", "Client connections open now.",
                 connections_open, kTransports);
  LabelledFamily(out, "parley_connections_total", "counter", "Client connections opened.",
                 connections_total, kTransports);
  Counter(out, "parley_requests_total", "Requests dispatched (every packet a client sent).",
          requests_total);
  Counter(out, "parley_request_errors_total", "Requests answered with an error packet.",
          request_errors_total);
  Counter(out, "parley_protocol_errors_total",
          "Framing errors that closed a connection (bad length, version, WebSocket frame).",
          protocol_errors_total);
  Counter(out, "parley_tls_handshake_failures_total",
          "TLS handshakes that failed (e.g. a plain-text client) or timed out: connection closed.",
          tls_handshake_failures_total);
  LabelledFamily(out, "parley_auth_failures_total", "counter",
                 "Refused authentications: LOGIN, POST /api/login, WebSocket upgrade.",
                 auth_failures_total, kAuthReasons);
  Counter(out, "parley_messages_stored_total", "Messages appended to the store (new seqs).",
          messages_stored_total);
  Counter(out, "parley_messages_duplicate_total",
          "CHATs answered as retries of a stored message (same msg_id).", messages_duplicate_total);
  LabelledFamily(out, "parley_typing_total", "counter",
                 "TYPING packets of members: forwarded, throttled, or in a group above the "
                 "fan-out threshold (forwarded to nobody).",
                 typing_total, kTypingOutcomes);
  Counter(out, "parley_deliveries_total",
          "Pushes handed to a local session (= queued + dropped at once).", deliveries_total);
  Counter(out, "parley_pushes_queued_total", "Pushes put on a connection's outbound queue.",
          pushes_queued_total);
  Counter(out, "parley_pushes_sent_total", "Pushes written to a client's socket.",
          pushes_sent_total);
  LabelledFamily(out, "parley_pushes_dropped_total", "counter",
                 "Pushes never written: slow consumer (queue overflow) or connection closed.",
                 pushes_dropped_total, kDropReasons);
  Counter(out, "parley_slow_consumer_disconnects_total",
          "Connections closed because their outbound queue overflowed.",
          slow_consumer_disconnects_total);
  Counter(out, "parley_idle_disconnects_total", "Connections closed after the idle timeout.",
          idle_disconnects_total);
  Counter(out, "parley_store_batches_total", "Store batches written (group commit).",
          store_batches_total);
  Counter(out, "parley_media_uploads_total", "Media uploads stored (POST /api/media).",
          media_uploads_total);
  Counter(out, "parley_media_upload_bytes_total", "Bytes of the media uploads stored.",
          media_upload_bytes_total);
  Counter(out, "parley_media_uploads_refused_total",
          "Media uploads refused (unauthenticated, too large, malformed, storage failure).",
          media_uploads_refused_total);
  Counter(out, "parley_media_downloads_total",
          "Media downloads answered with bytes (200 or 206).", media_downloads_total);
  Counter(out, "parley_media_download_bytes_total", "Bytes of media sent to clients.",
          media_download_bytes_total);
  chat_ack_seconds.Render(out, "parley_chat_ack_seconds",
                          "Time from a CHAT reaching the dispatcher to its ack (durable).");
  if (Load(store_batch_size_fed)) {
    store_batch_size.Render(out, "parley_store_batch_size", "Writes per committed store batch.");
  }
  if (Load(store_commit_fed)) {
    store_commit_seconds.Render(out, "parley_store_commit_seconds",
                                "Time to make one store batch durable.");
  }
  dependencies.Render(out);
  std::lock_guard lock(collectors_mu_);
  for (const auto& collect : collectors_) collect(out);
  return out;
}

}  // namespace parley::base
