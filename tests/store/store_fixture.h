// What the SQLCipher store's tests share: a store in a temporary directory,
// keys and digests made from one byte, a sample fact with every field set,
// and a look at the files' raw bytes.
#ifndef CONSENTD_TESTS_STORE_STORE_FIXTURE_H_
#define CONSENTD_TESTS_STORE_STORE_FIXTURE_H_

#include <array>
#include <cstdint>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "service/store/sqlcipher_store.h"
#include "tests/testing/secret_keys.h"
#include "tests/testing/temp_dir.h"

namespace consentd::store {

inline crypto::SecretKey KeyOf(uint8_t fill) {
  return testing::SecretKeyOf(fill);
}

inline crypto::Digest DigestOf(uint8_t fill) {
  crypto::Digest digest;
  digest.fill(fill);
  return digest;
}

inline FactRecord SampleFact(uint8_t digest_fill, int64_t occurred_us) {
  FactRecord fact;
  fact.digest = DigestOf(digest_fill);
  fact.kind = consent::v1::FACT_KIND_CONSENT_GRANTED;
  fact.purpose = "marketing";
  fact.channel = "phone";
  fact.lawful_basis = consent::v1::LAWFUL_BASIS_CONSENT;
  fact.evidence.set_collection_method(
      consent::v1::COLLECTION_METHOD_WEB_FORM_DOUBLE_OPT_IN);
  fact.evidence.set_notice_version("notice-7");
  fact.evidence.set_evidence_reference("form-submission-991");
  fact.evidence.set_collector("signup-form");
  fact.evidence.set_source("web");
  fact.occurred_us = occurred_us;
  fact.recorded_us = occurred_us + 5;
  fact.expires_us = occurred_us + 1000;
  fact.subject_initiated = true;
  fact.lifted_refusal = true;
  fact.policy_version = "p1";
  fact.recorded_by = "spiffe://callcentre.example/collector/web-1";
  return fact;
}

// An audit entry for a write of `facts` facts.
inline AuditDraft Audit(const std::string& action, int facts = 0) {
  AuditDraft draft;
  draft.at_us = 1;
  draft.actor = "spiffe://callcentre.example/test/1";
  draft.role = "admin";
  draft.action = action;
  draft.fact_count = facts;
  return draft;
}

// EraseFacts' bound that deletes every fact of the digests.
inline constexpr int64_t kEveryFact = std::numeric_limits<int64_t>::max();

// Appends `facts` with one audit entry for them all.
inline absl::StatusOr<std::vector<int64_t>> Append(
    FactStore& store, const std::vector<FactRecord>& facts) {
  absl::StatusOr<AppendOutcome> outcome = store.AppendFacts(
      facts, {Audit("fact.test", static_cast<int>(facts.size()))}, {});
  if (!outcome.ok()) return outcome.status();
  return outcome->fact_ids;
}

inline std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

inline bool FileHolds(const std::string& path, const std::string& needle) {
  return ReadBytes(path).find(needle) != std::string::npos;
}

class SqlcipherStoreFixture : public ::testing::Test {
 protected:
  std::string path() const { return dir_.File("consentd.db"); }
  std::unique_ptr<SqlcipherStore> OpenOrDie(uint8_t key_fill = 1) {
    absl::StatusOr<std::unique_ptr<SqlcipherStore>> store =
        SqlcipherStore::Open(path(), {KeyOf(key_fill)});
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  testing::TempDir dir_;
};

}  // namespace consentd::store

#endif  // CONSENTD_TESTS_STORE_STORE_FIXTURE_H_
