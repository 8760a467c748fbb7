// Fact: what the decision function needs to know of one recorded fact about
// an identifier. Compact on purpose (32 bytes): the in-memory index holds one
// per recorded fact.
#ifndef CONSENTD_POLICY_FACT_H_
#define CONSENTD_POLICY_FACT_H_

#include <cstdint>
#include <limits>

#include "absl/time/time.h"
#include "consent/v1/types.pb.h"
#include "policy/policy_model.h"

namespace consentd::policy {

inline constexpr int64_t kNoExpiry = std::numeric_limits<int64_t>::max();

struct Fact {
  // The store's id; orders facts recorded at the same instant.
  int64_t fact_id = 0;
  // When it took effect: when consentd recorded it, whatever the caller
  // said it occurred (a backdated or future-dated fact cannot outrank what
  // was recorded meanwhile). Microseconds since the Unix epoch.
  int64_t effective_us = 0;
  // For consent grants: when the consent lapses (kNoExpiry for never).
  int64_t expires_us = kNoExpiry;
  consent::v1::FactKind kind = consent::v1::FACT_KIND_UNSPECIFIED;
  // kAnyScope = every purpose / every channel.
  ScopeId purpose = kAnyScope;
  ScopeId channel = kAnyScope;
  // For consent grants: collected by a method the policy counted as
  // subject-initiated when it was recorded, so it may lift a refusal.
  bool subject_initiated = false;
};

inline int64_t ToUnixMicrosClamped(absl::Time t) {
  if (t == absl::InfiniteFuture()) return kNoExpiry;
  return absl::ToUnixMicros(t);
}

// Whether `a` took effect after `b`; the store id breaks ties.
inline bool HappenedAfter(const Fact& a, const Fact& b) {
  return a.effective_us != b.effective_us ? a.effective_us > b.effective_us
                                          : a.fact_id > b.fact_id;
}

}  // namespace consentd::policy

#endif  // CONSENTD_POLICY_FACT_H_
