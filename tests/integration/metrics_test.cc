// consentd's Prometheus endpoint, scraped over HTTP from a real consentd:
// every metric is there, the ones a call moves move, and no label or value
// names a person.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/consent_client.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/testing/consentd_process.h"
#include "tests/testing/identifiers.h"
#include "tests/testing/temp_dir.h"

namespace consentd {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kEmail[] = "metrics.person@example.si";

// The body of GET /metrics at `address` ("127.0.0.1:PORT"); empty on error.
std::string Scrape(const std::string& address) {
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port)) {
    return "";
  }
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  peer.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, address.substr(0, colon).c_str(), &peer.sin_addr);
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&peer), sizeof(peer)) == 0) {
    const std::string request =
        "GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n";
    if (write(fd, request.data(), request.size()) ==
        static_cast<ssize_t>(request.size())) {
      char block[4096];
      for (ssize_t got; (got = read(fd, block, sizeof(block))) > 0;) {
        response.append(block, static_cast<size_t>(got));
      }
    }
  }
  close(fd);
  const size_t body = response.find("\r\n\r\n");
  return body == std::string::npos ? "" : response.substr(body + 4);
}

// The value of the sample line that starts with `series` (name and
// labels), or -1.
double Sample(const std::string& scrape, const std::string& series) {
  for (absl::string_view line : absl::StrSplit(scrape, '\n')) {
    if (line.substr(0, series.size()) != series) continue;
    if (line.size() <= series.size() || line[series.size()] != ' ') continue;
    double value = -1;
    return absl::SimpleAtod(line.substr(series.size() + 1), &value) ? value
                                                                    : -1;
  }
  return -1;
}

// Where `server` serves its metrics, from its log line; empty without one.
std::string MetricsAddress(const testing::ConsentdProcess& server) {
  const std::string kUrl = "event=metrics_serving url=http://";
  const std::string log = server.log();
  const size_t at = log.find(kUrl);
  if (at == std::string::npos) return "";
  const size_t from = at + kUrl.size();
  return log.substr(from, log.find("/metrics", from) - from);
}

// Starts a development consentd in `dir` serving metrics; `address` is
// where.
void StartWithMetrics(const testing::TempDir& dir,
                      std::optional<testing::ConsentdProcess>& server,
                      std::string& address) {
  absl::StatusOr<testing::ConsentdProcess> started =
      testing::ConsentdProcess::Start(
          dir.File("data"), {"--dev", "--metrics-listen", "127.0.0.1:0"});
  ASSERT_TRUE(started.ok()) << started.status();
  server.emplace(*std::move(started));
  address = MetricsAddress(*server);
  ASSERT_FALSE(address.empty()) << server->log();
}

TEST(MetricsTest, AScrapeShowsWhatConsentdDidAndNoOne) {
  testing::TempDir dir;
  std::optional<testing::ConsentdProcess> server;
  std::string address;
  ASSERT_NO_FATAL_FAILURE(StartWithMetrics(dir, server, address));

  const std::string before = Scrape(address);
  for (const char* name :
       {"consentd_indexed_identifiers", "consentd_facts",
        "consentd_list_entries", "consentd_open_requests",
        "consentd_overdue_requests", "consentd_store_bytes",
        "consentd_last_backup_age_seconds", "consentd_audit_anchor_failures"}) {
    EXPECT_THAT(before, HasSubstr(absl::StrCat("# TYPE ", name, " gauge")));
  }
  EXPECT_EQ(Sample(before, "consentd_facts"), 0);
  EXPECT_EQ(Sample(before, "consentd_last_backup_age_seconds"), -1);

  client::ConsentClient client(server->address());
  consent::v1::RecordObjectionRequest objection;
  *objection.add_identifiers() = testing::Email(kEmail);
  objection.mutable_evidence()->set_collection_method(
      consent::v1::COLLECTION_METHOD_RECORDED_CALL);
  ASSERT_TRUE(client.RecordObjection(objection).ok());
  consent::v1::CheckRequest check;
  *check.add_identifiers() = testing::Email(kEmail);
  check.set_purpose("marketing");
  check.set_channel("email");
  ASSERT_TRUE(client.Check(check).ok());
  consent::v1::CheckBatchRequest batch;
  batch.set_purpose("marketing");
  batch.set_channel("email");
  for (int i = 0; i < 3; ++i) {
    *batch.add_contacts()->add_identifiers() = testing::Email(kEmail);
  }
  ASSERT_TRUE(client.CheckBatch(batch).ok());
  consent::v1::ScrubHeader header;
  header.set_purpose("marketing");
  header.set_channel("email");
  int sent = 0;
  ASSERT_TRUE(client
                  .Scrub(
                      header,
                      [&](consent::v1::ScrubRow* row) -> absl::StatusOr<bool> {
                        if (sent == 5) return false;
                        *row->add_identifiers() = testing::Email(
                            absl::StrCat("row", sent++, "@example.si"));
                        return true;
                      },
                      [](const consent::v1::ScrubRowResult&) {})
                  .ok());
  ASSERT_TRUE(client.Backup("nightly").ok());

  const std::string after = Scrape(address);
  EXPECT_EQ(Sample(after, "consentd_facts"), 1);
  EXPECT_EQ(Sample(after, "consentd_indexed_identifiers"), 1);
  EXPECT_GT(Sample(after, "consentd_store_bytes"), 0);
  EXPECT_GE(Sample(after, "consentd_last_backup_age_seconds"), 0);
  EXPECT_EQ(Sample(after,
                   "consentd_decisions_total{reason=\"DECISION_"
                   "REASON_OBJECTION\",verdict=\"VERDICT_DENY\"}"),
            4)
      << "one Check, three rows of a CheckBatch";
  EXPECT_EQ(Sample(after,
                   "consentd_rpc_duration_seconds_count{code=\"0\",method="
                   "\"/consent.v1.ConsentService/RecordObjection\"}"),
            1)
      << "the deferred writes too";
  EXPECT_EQ(Sample(after,
                   "consentd_rpc_duration_seconds_count{code=\"0\",method=\"/"
                   "consent.v1.ConsentService/Check\"}"),
            1);
  EXPECT_EQ(Sample(after, "consentd_scrub_rows_total"), 5);
  EXPECT_GE(Sample(after, "consentd_commits_total"), 1);
  EXPECT_EQ(Sample(after, "consentd_committed_writes_total"), 1);
  EXPECT_GT(Sample(after, "consentd_commit_seconds_total"), 0);
  EXPECT_THAT(after, Not(HasSubstr(kEmail)));
  EXPECT_THAT(after, Not(HasSubstr("metrics.person")));
}

TEST(MetricsTest, TheHandlerPoolsAndStreamsAreReported) {
  testing::TempDir dir;
  std::optional<testing::ConsentdProcess> server;
  std::string address;
  ASSERT_NO_FATAL_FAILURE(StartWithMetrics(dir, server, address));

  const std::string idle = Scrape(address);
  for (const char* pool : {"unary", "writes"}) {
    EXPECT_EQ(Sample(idle, absl::StrCat("consentd_handler_queue_depth{pool=\"",
                                        pool, "\"}")),
              0);
    EXPECT_EQ(Sample(idle, absl::StrCat("consentd_handler_busy_threads{pool=\"",
                                        pool, "\"}")),
              0);
  }
  EXPECT_EQ(Sample(idle, "consentd_open_streams"), 0);

  // A health watch holds a stream until the client goes.
  auto channel = grpc::CreateChannel(server->address(),
                                     grpc::InsecureChannelCredentials());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(60));
  auto watch = grpc::health::v1::Health::NewStub(channel)->Watch(
      &context, grpc::health::v1::HealthCheckRequest());
  grpc::health::v1::HealthCheckResponse serving;
  ASSERT_TRUE(watch->Read(&serving));
  EXPECT_EQ(Sample(Scrape(address), "consentd_open_streams"), 1);
  context.TryCancel();
  watch->Finish().IgnoreError();
  EXPECT_EQ(server->Stop(), 0) << server->log();
}

TEST(MetricsTest, OnlyLoopbackServesMetrics) {
  testing::TempDir dir;
  testing::ProgramResult result = testing::ConsentdProcess::RunToExit(
      {"--data-dir", dir.File("data"), "--listen", "127.0.0.1:0", "--dev",
       "--metrics-listen", "0.0.0.0:0"});
  EXPECT_EQ(result.code, 1);
  EXPECT_THAT(result.stderr_text, HasSubstr("--metrics-listen"));
}

}  // namespace
}  // namespace consentd
