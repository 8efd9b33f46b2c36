#pragma once
// Runs a command line through the shell and collects what it printed, for
// the tests of command-line tools (parleyctl).

#include <string>

namespace parley::testing {

struct Ran {
  int exit_code = -1;  // -1: it did not run or did not exit normally
  std::string out;     // stdout (stderr goes to the test's log)
};

Ran RunCommand(const std::string& command_line);

}  // namespace parley::testing
