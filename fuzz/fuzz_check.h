// FUZZ_CHECK: the invariants the fuzz targets assert. A failed check prints
// the condition and aborts, which libFuzzer reports as a crash and saves
// the input that caused it.
#ifndef CONSENTD_FUZZ_FUZZ_CHECK_H_
#define CONSENTD_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                         \
  do {                                                                \
    if (!(condition)) {                                               \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, \
                   __LINE__, #condition);                             \
      std::abort();                                                   \
    }                                                                 \
  } while (false)

#endif  // CONSENTD_FUZZ_FUZZ_CHECK_H_
