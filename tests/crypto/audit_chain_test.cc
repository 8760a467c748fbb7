#include "crypto/audit_chain.h"

#include <string>
#include <vector>

#include "crypto/sha256.h"
#include "gtest/gtest.h"

namespace consentd::crypto {
namespace {

Digest DigestOf(uint8_t fill) {
  Digest digest;
  digest.fill(fill);
  return digest;
}

struct Entry {
  int64_t sequence = 7;
  int64_t at_us = 1'795'428'000'000'000;
  std::string actor = "spiffe://callcentre.example/dialer/1";
  std::string role = "dialer";
  std::string action = "fact.objection";
  std::vector<Digest> subjects = {DigestOf(1), DigestOf(2)};
  std::vector<std::string> object_ids = {"fact:10", "fact:11"};

  AuditEntryFields Fields() const {
    return {sequence, at_us, actor, role, action, subjects, object_ids};
  }
};

Digest HashOf(const Entry& entry, const Digest& previous = DigestOf(9)) {
  return AuditEntryHash(previous, entry.Fields());
}

TEST(AuditChainTest, TheHashIsSha256OfTheDocumentedEncoding) {
  Entry entry;
  entry.subjects = {DigestOf(1)};
  entry.object_ids = {"fact:10"};
  const auto be64 = [](uint64_t v) {
    std::string out;
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.push_back(static_cast<char>((v >> shift) & 0xFF));
    }
    return out;
  };
  const auto field = [&](const std::string& s) { return be64(s.size()) + s; };
  const std::string encoded =
      "consentd audit entry v1" + std::string(DigestBytes(DigestOf(9))) +
      be64(7) + be64(1'795'428'000'000'000) + field(entry.actor) +
      field("dialer") + field("fact.objection") + be64(1) +
      std::string(DigestBytes(DigestOf(1))) + be64(1) + field("fact:10");
  EXPECT_EQ(HashOf(entry), Sha256(encoded));
}

TEST(AuditChainTest, EveryFieldAndThePreviousHashChangeTheHash) {
  const Entry base;
  const Digest hash = HashOf(base);
  std::vector<Entry> changed(8, base);
  changed[0].sequence = 8;
  changed[1].at_us += 1;
  changed[2].actor = "spiffe://callcentre.example/dialer/2";
  changed[3].role = "campaign";
  changed[4].action = "fact.consent_granted";
  changed[5].subjects = {DigestOf(2), DigestOf(1)};
  changed[6].object_ids = {"fact:11", "fact:10"};
  changed[7].object_ids.push_back("request:r-1");
  for (size_t i = 0; i < changed.size(); ++i) {
    EXPECT_NE(HashOf(changed[i]), hash) << "change " << i;
  }
  EXPECT_NE(HashOf(base, DigestOf(8)), hash);
  EXPECT_EQ(HashOf(base), hash);
}

TEST(AuditChainTest, FieldBoundariesCannotBeShifted) {
  Entry a;
  a.actor = "ab";
  a.role = "c";
  Entry b;
  b.actor = "a";
  b.role = "bc";
  EXPECT_NE(HashOf(a), HashOf(b));
  Entry ids_a;
  ids_a.object_ids = {"x", "y"};
  Entry ids_b;
  ids_b.object_ids = {"xy"};
  EXPECT_NE(HashOf(ids_a), HashOf(ids_b));
}

}  // namespace
}  // namespace consentd::crypto
