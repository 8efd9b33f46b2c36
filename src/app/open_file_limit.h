#pragma once
// parleyd's descriptor budget. Every connection holds a descriptor, and
// the default soft limit (often 1,024) is far below what a gateway serves,
// so parleyd raises it to the hard limit at start, and keeps a reserve for
// its own files (store, listeners, logs, backend connections): the
// connections get the rest (net::NetOptions::max_connections).
//
// Threads: call once from the main thread before the I/O threads start.

#include <cstdint>

namespace parley::app {

// Raises the soft RLIMIT_NOFILE to the hard limit and logs one line with
// the figures. Returns the soft limit in force afterwards (the old one when
// raising failed, which is logged too).
std::uint64_t RaiseOpenFileLimit();

// Connections parleyd admits under `open_file_limit`: the limit minus the
// descriptors kept for the process itself.
std::uint64_t MaxConnectionsFor(std::uint64_t open_file_limit);

}  // namespace parley::app
