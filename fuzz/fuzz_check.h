#pragma once
// What the harnesses share: a property that must hold for every input. A
// failed check aborts, so libFuzzer keeps the input like any crash.

#include <cstdio>
#include <cstdlib>

namespace parley::fuzz {

inline void Check(bool holds, const char* what) {
  if (holds) return;
  std::fprintf(stderr, "fuzz check failed: %s\n", what);
  std::abort();
}

}  // namespace parley::fuzz
