// The in-process check path, piece by piece and whole: normalise, digest,
// look up and decide. Run: build/bench/check_path_benchmark
#include <benchmark/benchmark.h>

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "crypto/blind_index.h"
#include "google/protobuf/arena.h"
#include "identifiers/identifier_normaliser.h"
#include "policy/decision.h"
#include "policy/default_policy.h"
#include "service/core/contact_checker.h"
#include "service/core/fact_index.h"
#include "service/core/identifier_resolver.h"
#include "service/core/live_policy.h"
#include "service/core/suppression_lists.h"

namespace consentd {
namespace {

constexpr int kIndexedIdentifiers = 1'000'000;

// Everything the checker needs, with `kIndexedIdentifiers` objections
// loaded straight into the index (Slovenian mobile numbers +38640xxxxxxx).
struct CheckPath {
  CheckPath()
      : policy(
            *policy::PolicyModel::FromTextProto(policy::DefaultPolicyText())),
        normaliser(policy.Current()->email(),
                   policy.Current()->default_region()),
        blind_index(crypto::SecretKey()),
        resolver(&normaliser, &blind_index),
        checker(&policy, &resolver, &index, &lists,
                [] { return absl::Now(); }) {
    std::vector<core::FactIndex::Entry> entries;
    entries.reserve(kIndexedIdentifiers);
    for (int i = 0; i < kIndexedIdentifiers; ++i) {
      policy::Fact fact;
      fact.fact_id = i + 1;
      fact.kind = consent::v1::FACT_KIND_OBJECTION;
      entries.push_back(
          {blind_index.Compute(consent::v1::IDENTIFIER_KIND_PHONE,
                               absl::StrCat("+38640", 100000 + i)),
           fact});
    }
    index.Add(entries);
  }

  core::LivePolicy policy;
  identifiers::IdentifierNormaliser normaliser;
  crypto::BlindIndex blind_index;
  core::IdentifierResolver resolver;
  core::FactIndex index;
  core::SuppressionLists lists;
  core::ContactChecker checker;
};

CheckPath& Path() {
  static CheckPath* const path = new CheckPath();
  return *path;
}

void BM_NormaliseE164(benchmark::State& state) {
  const identifiers::IdentifierNormaliser& normaliser = Path().normaliser;
  for (auto _ : state) {
    benchmark::DoNotOptimize(normaliser.NormalisePhone("+38640123456", ""));
  }
}
BENCHMARK(BM_NormaliseE164)->ThreadRange(1, 2);

void BM_NormaliseNational(benchmark::State& state) {
  const identifiers::IdentifierNormaliser& normaliser = Path().normaliser;
  for (auto _ : state) {
    benchmark::DoNotOptimize(normaliser.NormalisePhone("040 123 456", "SI"));
  }
}
BENCHMARK(BM_NormaliseNational);

void BM_NormaliseEmail(benchmark::State& state) {
  const identifiers::IdentifierNormaliser& normaliser = Path().normaliser;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        normaliser.NormaliseEmail(" Ana.Novak@Example.SI"));
  }
}
BENCHMARK(BM_NormaliseEmail);

void BM_BlindIndexDigest(benchmark::State& state) {
  const crypto::BlindIndex& index = Path().blind_index;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        index.Compute(consent::v1::IDENTIFIER_KIND_PHONE, "+38640123456"));
  }
}
BENCHMARK(BM_BlindIndexDigest);

void CheckOne(benchmark::State& state, const char* phone) {
  consent::v1::CheckRequest request;
  request.add_identifiers()->set_phone(phone);
  request.set_default_region("SI");
  request.set_purpose("customer-care");
  request.set_channel("email");
  const core::ContactChecker& checker = Path().checker;
  // As consentd answers a Check (MethodTable::AddUnary): the response on an
  // arena that starts in a 4 KiB block and is freed whole.
  alignas(std::max_align_t) char block[4096];
  for (auto _ : state) {
    google::protobuf::Arena arena(block, sizeof(block));
    auto* response =
        google::protobuf::Arena::CreateMessage<consent::v1::CheckResponse>(
            &arena);
    benchmark::DoNotOptimize(checker.Check(request, response));
    benchmark::DoNotOptimize(response);
  }
}

// A number on file (an objection), written in E.164.
void BM_CheckIndexedE164(benchmark::State& state) {
  CheckOne(state, "+38640150000");
}
BENCHMARK(BM_CheckIndexedE164);

// The same number in national format.
void BM_CheckIndexedNational(benchmark::State& state) {
  CheckOne(state, "040 150 000");
}
BENCHMARK(BM_CheckIndexedNational);

// A number with nothing on file.
void BM_CheckUnknownE164(benchmark::State& state) {
  CheckOne(state, "+38631999888");
}
BENCHMARK(BM_CheckUnknownE164);

// A CheckBatch of 1,000 E.164 numbers, half of them on file, answered
// without per-identifier detail: the server's share of bench/run's
// CheckBatch figure (items/s is identifiers/s).
void BM_CheckBatchE164(benchmark::State& state) {
  constexpr int kContacts = 1000;
  consent::v1::CheckBatchRequest request;
  request.set_default_region("SI");
  request.set_purpose("customer-care");
  request.set_channel("email");
  for (int i = 0; i < kContacts; ++i) {
    // Spread over the index, so the lookups miss the cache as a large
    // list's do; the +38641 half is not on file.
    const int n = 100000 + (i * 7919) % 900000;
    request.add_contacts()->add_identifiers()->set_phone(
        absl::StrCat(i % 2 == 0 ? "+38640" : "+38641", n));
  }
  const core::ContactChecker& checker = Path().checker;
  for (auto _ : state) {
    google::protobuf::Arena arena;
    auto* response =
        google::protobuf::Arena::CreateMessage<consent::v1::CheckBatchResponse>(
            &arena);
    benchmark::DoNotOptimize(checker.CheckBatch(request, response));
    benchmark::DoNotOptimize(response);
  }
  state.SetItemsProcessed(state.iterations() * kContacts);
}
BENCHMARK(BM_CheckBatchE164);

}  // namespace
}  // namespace consentd

int main(int argc, char** argv) {
  // As consentd's main does: Debian's Abseil keeps a deadlock-detection
  // graph on every Mutex operation unless told not to.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
}
