#include "service/core/fact_index.h"

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace consentd::core {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Digests are opaque to the index: any 32 bytes name an identifier.
crypto::Digest DigestOf(uint8_t seed) {
  crypto::Digest digest;
  digest.fill(seed);
  return digest;
}

FactIndex::Entry EntryOf(
    const crypto::Digest& digest, int64_t fact_id,
    consent::v1::FactKind kind = consent::v1::FACT_KIND_OBJECTION) {
  FactIndex::Entry entry;
  entry.digest = digest;
  entry.fact.fact_id = fact_id;
  entry.fact.effective_us = 1'000'000 * fact_id;
  entry.fact.kind = kind;
  return entry;
}

// The fact ids held for each of `digests`, as one reader sees them.
std::vector<std::vector<int64_t>> FactIds(
    const FactIndex& index, const std::vector<crypto::Digest>& digests) {
  return index.WithFacts(
      digests, [](absl::Span<const absl::Span<const policy::Fact>> facts) {
        std::vector<std::vector<int64_t>> ids;
        for (absl::Span<const policy::Fact> of_digest : facts) {
          ids.emplace_back();
          for (const policy::Fact& fact : of_digest) {
            ids.back().push_back(fact.fact_id);
          }
        }
        return ids;
      });
}

TEST(FactIndexTest, AnEmptyIndexHoldsNothing) {
  FactIndex index;
  EXPECT_EQ(index.identifier_count(), 0u);
  EXPECT_EQ(index.fact_count(), 0u);
}

TEST(FactIndexTest, AnUnknownDigestHasNoFacts) {
  FactIndex index;
  index.Add({EntryOf(DigestOf(1), 1)});
  EXPECT_THAT(FactIds(index, {DigestOf(2)}), ElementsAre(IsEmpty()));
}

TEST(FactIndexTest, AddedFactsAreFoundUnderTheirDigest) {
  FactIndex index;
  index.Add({EntryOf(DigestOf(1), 1), EntryOf(DigestOf(2), 2),
             EntryOf(DigestOf(1), 3)});
  EXPECT_THAT(FactIds(index, {DigestOf(1), DigestOf(2)}),
              ElementsAre(ElementsAre(1, 3), ElementsAre(2)));
}

TEST(FactIndexTest, AddKeepsTheFactsAlreadyHeld) {
  FactIndex index;
  index.Add({EntryOf(DigestOf(1), 1)});
  index.Add({EntryOf(DigestOf(1), 2)});
  EXPECT_THAT(FactIds(index, {DigestOf(1)}), ElementsAre(ElementsAre(1, 2)));
}

TEST(FactIndexTest, AddedFactsKeepEveryField) {
  FactIndex index;
  FactIndex::Entry entry =
      EntryOf(DigestOf(1), 7, consent::v1::FACT_KIND_CONSENT_GRANTED);
  entry.fact.expires_us = 99'000'000;
  entry.fact.purpose = 2;
  entry.fact.channel = 3;
  entry.fact.subject_initiated = true;
  index.Add({entry});
  index.WithFacts({DigestOf(1)},
                  [](absl::Span<const absl::Span<const policy::Fact>> facts) {
                    ASSERT_EQ(facts.size(), 1u);
                    ASSERT_EQ(facts[0].size(), 1u);
                    const policy::Fact& fact = facts[0][0];
                    EXPECT_EQ(fact.fact_id, 7);
                    EXPECT_EQ(fact.effective_us, 7'000'000);
                    EXPECT_EQ(fact.expires_us, 99'000'000);
                    EXPECT_EQ(fact.kind,
                              consent::v1::FACT_KIND_CONSENT_GRANTED);
                    EXPECT_EQ(fact.purpose, 2);
                    EXPECT_EQ(fact.channel, 3);
                    EXPECT_TRUE(fact.subject_initiated);
                  });
}

TEST(FactIndexTest, WithFactsAnswersInTheOrderAskedWithRepeatsAndUnknowns) {
  FactIndex index;
  index.Add({EntryOf(DigestOf(1), 1), EntryOf(DigestOf(2), 2)});
  EXPECT_THAT(
      FactIds(index, {DigestOf(2), DigestOf(9), DigestOf(1), DigestOf(2)}),
      ElementsAre(ElementsAre(2), IsEmpty(), ElementsAre(1), ElementsAre(2)));
}

TEST(FactIndexTest, WithFactsReturnsWhatItsFunctionReturns) {
  FactIndex index;
  index.Add({EntryOf(DigestOf(1), 1), EntryOf(DigestOf(1), 2)});
  size_t seen = index.WithFacts(
      {DigestOf(1)}, [](absl::Span<const absl::Span<const policy::Fact>> f) {
        return f[0].size();
      });
  EXPECT_EQ(seen, 2u);
}

TEST(FactIndexTest, CountsIdentifiersAndFacts) {
  FactIndex index;
  index.Add({EntryOf(DigestOf(1), 1), EntryOf(DigestOf(1), 2),
             EntryOf(DigestOf(2), 3)});
  index.Add({EntryOf(DigestOf(3), 4)});
  EXPECT_EQ(index.identifier_count(), 3u);
  EXPECT_EQ(index.fact_count(), 4u);
}

TEST(FactIndexTest, ReplaceDropsTheOldFactsAndAddsTheNewInOneStep) {
  FactIndex index;
  index.Add({EntryOf(DigestOf(1), 1), EntryOf(DigestOf(1), 2),
             EntryOf(DigestOf(2), 3)});
  // An erasure: the subject's facts give way to a tombstone.
  index.Replace({DigestOf(1)},
                {EntryOf(DigestOf(1), 4, consent::v1::FACT_KIND_ERASURE)});
  EXPECT_THAT(FactIds(index, {DigestOf(1), DigestOf(2)}),
              ElementsAre(ElementsAre(4), ElementsAre(3)));
  EXPECT_EQ(index.identifier_count(), 2u);
  EXPECT_EQ(index.fact_count(), 2u);
}

TEST(FactIndexTest, ReplaceMayMoveFactsToAnotherDigest) {
  FactIndex index;
  index.Add({EntryOf(DigestOf(1), 1), EntryOf(DigestOf(2), 2)});
  // A rectification: digest 1's fact is copied to digest 2.
  index.Replace({DigestOf(1), DigestOf(2)},
                {EntryOf(DigestOf(2), 2), EntryOf(DigestOf(2), 3)});
  EXPECT_THAT(FactIds(index, {DigestOf(1), DigestOf(2)}),
              ElementsAre(IsEmpty(), ElementsAre(2, 3)));
  EXPECT_EQ(index.identifier_count(), 1u);
  EXPECT_EQ(index.fact_count(), 2u);
}

TEST(FactIndexTest, ReplaceWithNothingForgetsTheDigest) {
  FactIndex index;
  index.Add({EntryOf(DigestOf(1), 1), EntryOf(DigestOf(1), 2)});
  index.Replace({DigestOf(1)}, {});
  EXPECT_THAT(FactIds(index, {DigestOf(1)}), ElementsAre(IsEmpty()));
  EXPECT_EQ(index.identifier_count(), 0u);
  EXPECT_EQ(index.fact_count(), 0u);
}

TEST(FactIndexTest, ReplaceOfAnUnknownDigestOnlyAdds) {
  FactIndex index;
  index.Add({EntryOf(DigestOf(1), 1)});
  index.Replace({DigestOf(9)}, {EntryOf(DigestOf(9), 2)});
  EXPECT_THAT(FactIds(index, {DigestOf(1), DigestOf(9)}),
              ElementsAre(ElementsAre(1), ElementsAre(2)));
  EXPECT_EQ(index.identifier_count(), 2u);
  EXPECT_EQ(index.fact_count(), 2u);
}

// The atomicity tests below pass whenever the code is right. A reader
// sees a half-done Add or Replace only if the writer lets readers in midway
// and one is trying to get in at that moment, so the writer waits for a
// read to end after each write (the reader is then busy, not asleep on the
// lock, when the next write starts), writes many times, and every read
// checks. Planted in a copy, a Replace or an Add that released the lock
// midway (even to take it back at once) failed them on every run.
constexpr int kMinRounds = 1'000;
constexpr absl::Duration kMaxRace = absl::Seconds(3);

// Runs `write(round)` for rounds 1 to kMinRounds (or until kMaxRace has
// passed) while another thread runs `torn()` over and over. Returns how
// many reads found a torn state; `rounds` is set to the rounds written.
template <typename Write, typename Torn>
int TornReads(Write write, Torn torn, int* rounds) {
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::atomic<int> torn_reads{0};
  std::thread reader([&] {
    while (!done.load(std::memory_order_relaxed)) {
      if (torn()) torn_reads.fetch_add(1, std::memory_order_relaxed);
      reads.fetch_add(1, std::memory_order_relaxed);
    }
  });
  const absl::Time give_up = absl::Now() + kMaxRace;
  int round = 0;
  while (round < kMinRounds && absl::Now() < give_up) {
    const int before = reads.load(std::memory_order_relaxed);
    write(++round);
    // Wait for a read to end before writing again, so that the reader is
    // busy trying to get in (not asleep on the lock) while the next write
    // runs: that is when a gap in it shows.
    while (reads.load(std::memory_order_relaxed) < before + 1 &&
           absl::Now() < give_up) {
      std::this_thread::yield();
    }
  }
  done = true;
  reader.join();
  *rounds = round;
  return torn_reads.load();
}

TEST(FactIndexTest, ReadersSeeAllOrNoneOfAnAdd) {
  FactIndex index;
  int rounds = 0;
  const int torn = TornReads(
      [&index](int round) {
        // One write of a person with two identifiers: a fact for each.
        index.Add({EntryOf(DigestOf(1), 2 * round),
                   EntryOf(DigestOf(2), 2 * round + 1)});
      },
      [&index] {
        return index.WithFacts(
            {DigestOf(1), DigestOf(2)},
            [](absl::Span<const absl::Span<const policy::Fact>> facts) {
              return facts[0].size() != facts[1].size();
            });
      },
      &rounds);
  EXPECT_EQ(torn, 0);
  EXPECT_EQ(index.fact_count(), 2u * rounds);
}

TEST(FactIndexTest, ReadersNeverSeeAReplacedDigestHalfReplaced) {
  FactIndex index;
  index.Add({EntryOf(DigestOf(1), 0), EntryOf(DigestOf(1), 1)});
  int rounds = 0;
  const int torn = TornReads(
      [&index](int round) {
        index.Replace({DigestOf(1)}, {EntryOf(DigestOf(1), 10 * round),
                                      EntryOf(DigestOf(1), 10 * round + 1)});
      },
      [&index] {
        // Each round holds two facts, 10 * round and 10 * round + 1:
        // anything else (none, one, three) is a state between two rounds.
        return index.WithFacts(
            {DigestOf(1)},
            [](absl::Span<const absl::Span<const policy::Fact>> facts) {
              return facts[0].size() != 2 ||
                     facts[0][0].fact_id / 10 != facts[0][1].fact_id / 10;
            });
      },
      &rounds);
  EXPECT_EQ(torn, 0);
  EXPECT_THAT(FactIds(index, {DigestOf(1)}),
              ElementsAre(ElementsAre(10 * rounds, 10 * rounds + 1)));
  EXPECT_EQ(index.fact_count(), 2u);
}

}  // namespace
}  // namespace consentd::core
