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

// A parser's Result: a value, or a client error.
template <typename R>
void expect_value_or_client_error(const R& result, const char* parser) {
  if (!result.ok()) expect_client_error(result.status(), parser);
}

}  // namespace coffer::fuzz
