#include "integration/harness/server_process.h"

#include "integration/harness/backend.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#ifndef PARLEYD_PATH
#error "PARLEYD_PATH must name the parleyd binary"
#endif

namespace parley::testing {
namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool WaitExit(pid_t pid, std::chrono::milliseconds timeout, int* status) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const pid_t r = ::waitpid(pid, status, WNOHANG);
    if (r == pid || r < 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace

TempDir::TempDir() {
  std::string pattern = "/tmp/parley-test-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::unique_ptr<ServerProcess> ServerProcess::Start(const std::filesystem::path& data_dir,
                                                    std::vector<std::string> extra_args) {
  if (ClusterBackend()) return StartGateway(data_dir.parent_path(), "gw1", std::move(extra_args));
  return Launch(data_dir, std::move(extra_args));
}

std::unique_ptr<ServerProcess> ServerProcess::StartGateway(const std::filesystem::path& deployment,
                                                           const std::string& gateway_id,
                                                           std::vector<std::string> extra_args) {
  std::vector<std::string> flags = DepsFor(deployment).GatewayFlags(gateway_id);
  flags.insert(flags.end(), extra_args.begin(), extra_args.end());
  // Each gateway keeps its JWT secret file and logs in a dir of its own.
  return Launch(deployment / ("gateway-" + gateway_id), std::move(flags));
}

std::unique_ptr<ServerProcess> ServerProcess::Launch(const std::filesystem::path& data_dir,
                                                     std::vector<std::string> extra_args) {
  std::unique_ptr<ServerProcess> server(new ServerProcess());
  std::filesystem::create_directories(data_dir);
  // Logs live beside the data dir, so a restart on the same dir appends.
  server->stdout_path_ = data_dir.string() + ".stdout";
  server->stderr_path_ = data_dir.string() + ".stderr";
  std::filesystem::remove(server->stdout_path_);

  std::vector<std::string> args = {PARLEYD_PATH,
                                   "--data-dir", data_dir.string(),
                                   "--tcp-listen", "127.0.0.1:0",
                                   "--ws-listen", "127.0.0.1:0",
                                   "--jwt-secret", kJwtSecret,
                                   "--threads", "2",
                                   "--password-cost", "min"};
  // Tests drive one user far faster than a human (floods, crash loops) and
  // register many users from 127.0.0.1: the rate limits are off unless a
  // test sets them itself (rate_limits_test).
  auto given = [&extra_args](std::string_view prefix) {
    return std::any_of(extra_args.begin(), extra_args.end(),
                       [prefix](const std::string& a) { return a.starts_with(prefix); });
  };
  if (!given("--chat-")) args.insert(args.end(), {"--chat-rate", "0"});
  if (!given("--auth-rate")) args.insert(args.end(), {"--auth-rate", "0"});
  if (!given("--auth-user-rate")) args.insert(args.end(), {"--auth-user-rate", "0"});
  if (!given("--max-connections-per-ip")) {
    args.insert(args.end(), {"--max-connections-per-ip", "0"});
  }
  const bool metrics_listener = given("--metrics-listen");
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  // Everything the child needs is prepared before fork: the test process has
  // threads, so after fork only async-signal-safe calls (no allocation).
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int out_fd = ::open(server->stdout_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int err_fd = ::open(server->stderr_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);

  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    // A client socket of the test that a child inherits stays open when the
    // test closes it, so the server at its other end never sees the close (a
    // gateway draining on SIGTERM waited seconds for such peers).
    ::close_range(3, ~0U, 0);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out_fd);
  ::close(err_fd);
  if (pid < 0) {
    ADD_FAILURE() << "fork failed";
    return nullptr;
  }
  server->pid_ = pid;

  const std::regex tcp_re(R"(listening tcp [0-9.]+:([0-9]+))");
  const std::regex ws_re(R"(listening ws [0-9.]+:([0-9]+))");
  const std::regex metrics_re(R"(listening metrics [0-9.]+:([0-9]+))");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string out = ReadFile(server->stdout_path_);
    std::smatch tcp, ws, metrics;
    if (std::regex_search(out, tcp, tcp_re) && std::regex_search(out, ws, ws_re) &&
        (!metrics_listener || std::regex_search(out, metrics, metrics_re))) {
      server->tcp_port_ = static_cast<std::uint16_t>(std::stoi(tcp[1]));
      server->ws_port_ = static_cast<std::uint16_t>(std::stoi(ws[1]));
      if (metrics_listener) server->metrics_port_ = static_cast<std::uint16_t>(std::stoi(metrics[1]));
      return server;
    }
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      server->pid_ = -1;
      ADD_FAILURE() << "parleyd exited during start-up; its log:\n" << server->Log();
      return nullptr;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ADD_FAILURE() << "parleyd did not start listening within 30 s; its log:\n" << server->Log();
  return nullptr;
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Kill9();
}

void ServerProcess::Kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

int ServerProcess::Terminate(std::chrono::seconds timeout) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  if (!WaitExit(pid_, timeout, &status)) {
    Kill9();
    return -1;
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string ServerProcess::Log() const { return ReadFile(stderr_path_); }

}  // namespace parley::testing
