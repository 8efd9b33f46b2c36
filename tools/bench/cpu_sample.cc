#include "tools/bench/cpu_sample.h"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace parley::bench {
namespace {

double Seconds(const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; }

// Fields 14 and 15 of /proc/<pid>/stat (utime, stime, in clock ticks). The
// command name (field 2) may hold spaces, so fields count from its ')'.
bool ReadProcCpu(pid_t pid, double* user_s, double* kernel_s) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return false;
  const std::size_t close = line.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream rest(line.substr(close + 1));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  if (!rest) return false;
  const double hz = static_cast<double>(::sysconf(_SC_CLK_TCK));
  *user_s = static_cast<double>(utime) / hz;
  *kernel_s = static_cast<double>(stime) / hz;
  return true;
}

}  // namespace

CpuSample SampleCpu(pid_t server_pid) {
  CpuSample s;
  if (server_pid > 0) s.has_server = ReadProcCpu(server_pid, &s.server_user_s, &s.server_kernel_s);
  rusage self{};
  ::getrusage(RUSAGE_SELF, &self);
  s.loadgen_user_s = Seconds(self.ru_utime);
  s.loadgen_kernel_s = Seconds(self.ru_stime);
  return s;
}

boost::json::object CpuPerUnit(const CpuSample& before, const CpuSample& after, double units) {
  boost::json::object out;
  if (units <= 0) return out;
  const auto us = [units](double a, double b) { return (b - a) * 1e6 / units; };
  if (before.has_server && after.has_server) {
    out["server_user"] = us(before.server_user_s, after.server_user_s);
    out["server_kernel"] = us(before.server_kernel_s, after.server_kernel_s);
  }
  out["loadgen_user"] = us(before.loadgen_user_s, after.loadgen_user_s);
  out["loadgen_kernel"] = us(before.loadgen_kernel_s, after.loadgen_kernel_s);
  return out;
}

}  // namespace parley::bench
