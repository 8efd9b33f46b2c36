#include "integration/harness/command.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>

namespace parley::testing {

Ran RunCommand(const std::string& command_line) {
  Ran ran;
  FILE* pipe = ::popen(command_line.c_str(), "r");
  if (pipe == nullptr) return ran;
  std::array<char, 4096> buffer;
  while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) {
    ran.out.append(buffer.data(), n);
  }
  const int status = ::pclose(pipe);
  ran.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return ran;
}

}  // namespace parley::testing
