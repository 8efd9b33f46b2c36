#pragma once
// CPU time of the server and of the load generator over a measured window,
// so every report says where a message's CPU goes: the server's own code, the
// server's kernel work (sockets, fsync), and the load generator's.

#include <sys/types.h>

#include <boost/json/object.hpp>

namespace parley::bench {

struct CpuSample {
  double server_user_s = 0;
  double server_kernel_s = 0;
  double loadgen_user_s = 0;
  double loadgen_kernel_s = 0;
  bool has_server = false;  // false when the server's /proc/<pid>/stat is unreadable
};

// Now: the utime/stime of `server_pid` (0: none) and this process's rusage.
CpuSample SampleCpu(pid_t server_pid);

// {"server_user", "server_kernel", "loadgen_user", "loadgen_kernel"}: CPU
// microseconds per unit of work between two samples (e.g. per acked message);
// the server's entries only when both samples have them. Empty if units is 0.
boost::json::object CpuPerUnit(const CpuSample& before, const CpuSample& after, double units);

}  // namespace parley::bench
