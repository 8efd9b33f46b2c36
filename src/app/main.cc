// parleyd: parse the configuration, start a Node, wait for SIGTERM/SIGINT,
// shut down gracefully, exit 0. SIGHUP reloads what can be reloaded
// (app/reload_actions.h) and the server goes on.

#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <exception>

#include "app/config.h"
#include "app/journal_log.h"
#include "app/node.h"
#include "base/json_log_formatter.h"

namespace {

// Blocks SIGINT/SIGTERM/SIGHUP in every thread (the mask is inherited), so
// that sigwait below is the one place they arrive.
sigset_t BlockHandledSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

// The process's logger, on stderr: coloured text when it is a terminal, or
// one JSON object per line (docs/operations.md "Logs"). Synchronous, so
// that a line's fields (base/log_fields.h) are read on its own thread.
std::shared_ptr<spdlog::logger> MakeLogger(const parley::app::Config& config) {
  if (config.log_format != "json") return spdlog::stderr_color_mt("parleyd");
  auto logger = spdlog::stderr_logger_mt("parleyd");
  parley::base::JsonLogFormatter::StaticFields fields;
  if (!config.gateway_id.empty()) fields.emplace_back("gateway", config.gateway_id);
  logger->set_formatter(std::make_unique<parley::base::JsonLogFormatter>(std::move(fields)));
  return logger;
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = parley::app::ParseConfig(argc, argv);
  if (!parsed.config) return parsed.exit_code;
  const parley::app::Config& config = *parsed.config;

  auto logger = MakeLogger(config);
  // Text lines under systemd carry their syslog priority (journal_log.h);
  // JSON lines go to shippers as they are.
  if (config.log_format != "json" && parley::app::StderrIsJournal()) {
    parley::app::UseJournalPattern(*logger);
  }
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(config.log_level));

  const sigset_t signals = BlockHandledSignals();
  std::unique_ptr<parley::app::Node> node;
  try {
    node = std::make_unique<parley::app::Node>(config);
    node->Run();
  } catch (const std::exception& e) {
    spdlog::critical("cannot start: {}", e.what());
    return 1;
  }

  int signal_number = 0;
  for (;;) {
    sigwait(&signals, &signal_number);
    if (signal_number != SIGHUP) break;
    spdlog::info("received SIGHUP, reloading");
    node->Reload();
  }
  spdlog::info("received {}, shutting down", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  node->Shutdown();
  node.reset();
  spdlog::info("stopped");
  return 0;
}
