#pragma once
// What the Redis and MariaDB test servers (redis_server.h, mysql_server.h)
// share: a child process with its output in a log file, a free loopback
// port, a temporary directory. Test-only; blocking.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace parley::testing {

// A child started with fork + execv. The child gets SIGKILL if the test
// process dies, so a crashed test leaves no server behind.
class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();  // Kill9()
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // argv[0] is the binary's path; stdout and stderr are appended to `log`.
  // Throws std::runtime_error when fork fails.
  void Start(const std::vector<std::string>& argv, const std::filesystem::path& log);
  // False once the child has exited (it is then reaped).
  bool Running();
  void Kill9();
  // SIGTERM, then SIGKILL if it has not exited after `timeout`.
  void Terminate(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
};

// A port that was free on 127.0.0.1 a moment ago (bound to port 0, then
// closed). Servers that cannot listen on port 0 get this; a collision shows
// as a failed start, which the callers retry with another port.
std::uint16_t PickFreeLoopbackPort();

// A fresh directory /tmp/<prefix>-XXXXXX. Throws on failure.
std::filesystem::path MakeTempDir(const std::string& prefix);

// The binary found as `name` on PATH, else `fallback` (which may not exist).
std::string FindBinary(const std::string& name, const std::string& fallback);

std::string ReadTextFile(const std::filesystem::path& path);

}  // namespace parley::testing
