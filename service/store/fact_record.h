// FactRecord: one recorded fact as the store keeps it. Identifiers appear
// only as blind-index digests.
#ifndef CONSENTD_SERVICE_STORE_FACT_RECORD_H_
#define CONSENTD_SERVICE_STORE_FACT_RECORD_H_

#include <cstdint>
#include <limits>
#include <string>

#include "consent/v1/types.pb.h"
#include "crypto/digest.h"

namespace consentd::store {

// expires_us of a fact that never lapses (stored as NULL).
inline constexpr int64_t kNeverExpires = std::numeric_limits<int64_t>::max();

struct FactRecord {
  // Assigned by the store on append; ignored on input.
  int64_t fact_id = 0;
  crypto::Digest digest{};
  consent::v1::FactKind kind = consent::v1::FACT_KIND_UNSPECIFIED;
  // "" = every purpose / every channel.
  std::string purpose;
  std::string channel;
  consent::v1::LawfulBasis lawful_basis = consent::v1::LAWFUL_BASIS_UNSPECIFIED;
  consent::v1::Evidence evidence;
  // Microseconds since the Unix epoch.
  int64_t occurred_us = 0;
  int64_t recorded_us = 0;
  int64_t expires_us = kNeverExpires;
  bool subject_initiated = false;
  bool lifted_refusal = false;
  std::string policy_version;
  // The authenticated principal that recorded it ("" before schema v7).
  std::string recorded_by;
};

// The part of a FactRecord the in-memory index needs; what a start-up scan
// reads, so that evidence is not loaded for millions of facts.
struct FactSummary {
  int64_t fact_id = 0;
  crypto::Digest digest{};
  consent::v1::FactKind kind = consent::v1::FACT_KIND_UNSPECIFIED;
  std::string purpose;
  std::string channel;
  // When consentd recorded it: when it took effect.
  int64_t recorded_us = 0;
  int64_t expires_us = kNeverExpires;
  bool subject_initiated = false;
};

}  // namespace consentd::store

#endif  // CONSENTD_SERVICE_STORE_FACT_RECORD_H_
