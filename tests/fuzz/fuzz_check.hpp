// What every fuzz target asserts beyond "no crash, no sanitizer report": a
// parser answers bad input with a client error, never kInternal (which the
// API maps to a 500). A violation aborts, so libFuzzer keeps the input.
#pragma once

#include <cstdio>
#include <cstdlib>

#include "common/status.hpp"

namespace coffer::fuzz {

inline void expect_client_error(const Status& st, const char* parser) {
  if (st.code() == Code::kInternal) {
    std::fprintf(stderr, "%s answered bad input with kInternal: %s\n", parser, st.message().c_str());
    std::abort();
  }
}

}  // namespace coffer::fuzz
