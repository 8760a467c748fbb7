// ConsentClient against a real consentd on loopback: what each call returns,
// how the server's errors reach the caller, what a retry does, and what the
// caller sees when there is no server to answer.
#include "client/consent_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/identifiers.h"
#include "tests/testing/running_consentd.h"

namespace consentd::client {
namespace {

namespace v1 = ::consent::v1;
using ::testing::ElementsAre;
using testing::Email;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::Phone;

// Obviously fake identifiers.
constexpr char kPhone[] = "+386 31 123 456";
constexpr char kSamePhoneNationally[] = "031 123 456";
constexpr char kEmail[] = "ana@example.si";

v1::CheckRequest CheckOf(const v1::Identifier& identifier,
                         const std::string& purpose,
                         const std::string& channel) {
  v1::CheckRequest request;
  *request.add_identifiers() = identifier;
  request.set_default_region("SI");
  request.set_purpose(purpose);
  request.set_channel(channel);
  return request;
}

// Marketing by e-mail: consent-based, and no calling hours to depend on the
// time the test runs at.
v1::RecordConsentRequest MarketingEmailGrant(
    v1::CollectionMethod method = v1::COLLECTION_METHOD_WEB_FORM) {
  v1::RecordConsentRequest request;
  *request.add_identifiers() = Email(kEmail);
  request.set_purpose("marketing");
  request.set_channel("email");
  request.set_action(v1::CONSENT_ACTION_GRANT);
  request.mutable_evidence()->set_collection_method(method);
  request.mutable_evidence()->set_evidence_reference("form-1");
  return request;
}

v1::RecordObjectionRequest GlobalObjection(const v1::Identifier& identifier) {
  v1::RecordObjectionRequest request;
  *request.add_identifiers() = identifier;
  request.set_default_region("SI");
  request.mutable_evidence()->set_collection_method(
      v1::COLLECTION_METHOD_RECORDED_CALL);
  request.mutable_evidence()->set_evidence_reference("rec-1");
  return request;
}

class ConsentClientTest : public testing::RunningConsentd {
 protected:
  void SetUp() override {
    RunningConsentd::SetUp();
    if (HasFatalFailure()) return;
    client_.emplace(server_->address());
  }

  v1::Decision DecisionOf(const v1::CheckRequest& request) {
    absl::StatusOr<v1::CheckResponse> response = client_->Check(request);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? response->decision() : v1::Decision();
  }

  int FactsOf(const v1::Identifier& identifier) {
    v1::GetRecordRequest read;
    *read.mutable_identifier() = identifier;
    read.set_default_region("SI");
    absl::StatusOr<v1::GetRecordResponse> record = client_->GetRecord(read);
    EXPECT_TRUE(record.ok()) << record.status();
    return record.ok() ? record->facts_size() : -1;
  }

  std::optional<ConsentClient> client_;
};

TEST_F(ConsentClientTest, ARecordedConsentAllowsTheNextCheck) {
  const v1::CheckRequest check = CheckOf(Email(kEmail), "marketing", "email");
  EXPECT_EQ(DecisionOf(check).reason(), v1::DECISION_REASON_NO_CONSENT);

  absl::StatusOr<v1::RecordConsentResponse> recorded =
      client_->RecordConsent(MarketingEmailGrant());
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_EQ(recorded->fact_ids_size(), 1);
  EXPECT_FALSE(recorded->lifted_refusal());

  v1::Decision decision = DecisionOf(check);
  EXPECT_EQ(decision.verdict(), v1::VERDICT_ALLOW);
  EXPECT_EQ(decision.reason(), v1::DECISION_REASON_CONSENT_GRANTED);
}

TEST_F(ConsentClientTest, ARecordedObjectionDeniesTheNumberWrittenAnotherWay) {
  absl::StatusOr<v1::RecordObjectionResponse> recorded =
      client_->RecordObjection(GlobalObjection(Phone(kPhone)));
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_EQ(recorded->fact_ids_size(), 1);

  v1::Decision decision =
      DecisionOf(CheckOf(Phone(kSamePhoneNationally), "customer-care", "sms"));
  EXPECT_EQ(decision.verdict(), v1::VERDICT_DENY);
  EXPECT_EQ(decision.reason(), v1::DECISION_REASON_OBJECTION);
}

TEST_F(ConsentClientTest, TwoCallsWithoutAKeyAreTwoWrites) {
  absl::StatusOr<v1::RecordConsentResponse> first =
      client_->RecordConsent(MarketingEmailGrant());
  absl::StatusOr<v1::RecordConsentResponse> second =
      client_->RecordConsent(MarketingEmailGrant());
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(first->fact_ids_size(), 1);
  ASSERT_EQ(second->fact_ids_size(), 1);
  EXPECT_NE(second->fact_ids(0), first->fact_ids(0));
  EXPECT_EQ(FactsOf(Email(kEmail)), 2);
}

TEST_F(ConsentClientTest, ACallRepeatedWithItsKeyRecordsOnce) {
  v1::RecordConsentRequest grant = MarketingEmailGrant();
  grant.set_idempotency_key("form-submission-4411");
  absl::StatusOr<v1::RecordConsentResponse> first =
      client_->RecordConsent(grant);
  absl::StatusOr<v1::RecordConsentResponse> again =
      client_->RecordConsent(grant);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->fact_ids(0), first->fact_ids(0));
  EXPECT_EQ(FactsOf(Email(kEmail)), 1);
}

// Turns the first `lose` answers to a method that arrive into
// UNAVAILABLE, as a connection that broke after the server answered would:
// the server has recorded the write, the client cannot know.
class LoseAnswers : public grpc::experimental::Interceptor {
 public:
  LoseAnswers(std::atomic<int>* lose, std::atomic<int>* seen)
      : lose_(lose), seen_(seen) {}
  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::POST_RECV_STATUS)) {
      ++*seen_;
      grpc::Status* status = methods->GetRecvStatus();
      if (status->ok() && lose_->fetch_sub(1) > 0) {
        *status = grpc::Status(grpc::StatusCode::UNAVAILABLE,
                               "connection broke (test)");
      }
    }
    methods->Proceed();
  }

 private:
  std::atomic<int>* const lose_;
  std::atomic<int>* const seen_;
};

class LoseAnswersFactory
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  // Answers to `method` ("/consent.v1.Service/Method") only.
  LoseAnswersFactory(std::string method, std::atomic<int>* lose,
                     std::atomic<int>* seen)
      : method_(std::move(method)), lose_(lose), seen_(seen) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* info) override {
    if (info->method() != method_) return nullptr;
    return new LoseAnswers(lose_, seen_);
  }

 private:
  const std::string method_;
  std::atomic<int>* const lose_;
  std::atomic<int>* const seen_;
};

// A client whose answers to `method` are lost while `lose` is above 0;
// `attempts` counts the answers that arrived.
ConsentClient LossyClient(const std::string& address, std::string method,
                          std::atomic<int>* lose, std::atomic<int>* attempts) {
  ConnectionOptions options;
  options.address = address;
  options.interceptors_for_testing = [=] {
    std::vector<
        std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
        factories;
    factories.push_back(
        std::make_unique<LoseAnswersFactory>(method, lose, attempts));
    return factories;
  };
  return ConsentClient(options);
}

TEST_F(ConsentClientTest, AWriteWhoseAnswersAreLostIsRetriedAndRecordedOnce) {
  std::atomic<int> lose{2};
  std::atomic<int> attempts{0};
  ConsentClient lossy = LossyClient(
      server_->address(), "/consent.v1.ConsentService/RecordObjection", &lose,
      &attempts);
  absl::StatusOr<v1::RecordObjectionResponse> recorded =
      lossy.RecordObjection(GlobalObjection(Phone(kPhone)));
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_EQ(attempts.load(), 3) << "two answers lost, the third arrived";
  EXPECT_EQ(FactsOf(Phone(kPhone)), 1);
  ASSERT_EQ(recorded->fact_ids_size(), 1);

  // Every answer lost: the caller hears UNAVAILABLE, and still one fact.
  lose = 100;
  attempts = 0;
  absl::StatusOr<v1::RecordObjectionResponse> unknown =
      lossy.RecordObjection(GlobalObjection(Email(kEmail)));
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(attempts.load(), 4) << "ConnectionOptions::write_attempts";
  EXPECT_EQ(FactsOf(Email(kEmail)), 1);
}

TEST_F(ConsentClientTest, RequestStepsWhoseAnswersAreLostAreTakenOnce) {
  std::atomic<int> lose{1};
  std::atomic<int> attempts{0};
  const std::string service = "/consent.v1.DataSubjectRequestService/";
  ConsentClient opener = LossyClient(server_->address(),
                                     service + "OpenRequest", &lose, &attempts);
  v1::OpenRequestRequest open;
  open.set_type(v1::REQUEST_TYPE_ACCESS);
  *open.add_identifiers() = Phone(kPhone);
  open.set_default_region("SI");
  absl::StatusOr<v1::DataSubjectRequest> opened = opener.OpenRequest(open);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(attempts.load(), 2) << "the first answer lost";
  v1::ListRequestsRequest all;
  absl::StatusOr<v1::ListRequestsResponse> listed = client_->ListRequests(all);
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->requests_size(), 1) << "one request, not two";

  lose = 1;
  attempts = 0;
  ConsentClient extender = LossyClient(
      server_->address(), service + "ExtendRequest", &lose, &attempts);
  v1::ExtendRequestRequest extend;
  extend.set_request_id(opened->request_id());
  extend.set_months(1);
  extend.set_reason("records in three systems");
  absl::StatusOr<v1::DataSubjectRequest> extended =
      extender.ExtendRequest(extend);
  ASSERT_TRUE(extended.ok()) << extended.status();
  EXPECT_EQ(attempts.load(), 2);
  // Extended by the one month asked for, once.
  EXPECT_EQ(extended->history_size(), 2);
  EXPECT_GT(extended->due_at().seconds(), opened->due_at().seconds());
  absl::StatusOr<v1::DataSubjectRequest> again = client_->ExtendRequest(extend);
  ASSERT_TRUE(again.ok()) << "a second month is still allowed";
  EXPECT_EQ(again->history_size(), 3);
}

TEST_F(ConsentClientTest, ARetriedCheckRecordsNothing) {
  const v1::CheckRequest check = CheckOf(Phone(kPhone), "marketing", "email");
  EXPECT_EQ(DecisionOf(check).reason(), v1::DECISION_REASON_NO_CONSENT);
  EXPECT_EQ(DecisionOf(check).reason(), v1::DECISION_REASON_NO_CONSENT);
  absl::StatusOr<v1::GetStatusResponse> status = client_->GetStatus();
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->facts(), 0);
  EXPECT_EQ(status->indexed_identifiers(), 0);
}

TEST_F(ConsentClientTest, ABadRequestIsInvalidArgumentWithTheServersReason) {
  absl::StatusOr<v1::CheckResponse> response =
      client_->Check(CheckOf(Phone(kPhone), "", "email"));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(response.status().message(), HasSubstr("purpose"));
}

TEST_F(ConsentClientTest, AGrantThatMayNotLiftARefusalIsFailedPrecondition) {
  ASSERT_TRUE(client_->RecordObjection(GlobalObjection(Email(kEmail))).ok());
  absl::StatusOr<v1::RecordConsentResponse> response = client_->RecordConsent(
      MarketingEmailGrant(v1::COLLECTION_METHOD_BULK_IMPORT));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kFailedPrecondition);
  // Nothing was recorded: the objection is all there is.
  v1::GetRecordRequest read;
  *read.mutable_identifier() = Email(kEmail);
  absl::StatusOr<v1::GetRecordResponse> record = client_->GetRecord(read);
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->facts_size(), 1);
}

TEST_F(ConsentClientTest, AnUnknownRequestIdIsNotFound) {
  EXPECT_EQ(client_->GetRequest("no-such-request").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ConsentClientTest, DroppingAnUnknownListIsNotFound) {
  EXPECT_EQ(client_->DropList("no-such-list").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ConsentClientTest, AnImportedListDeniesItsEntries) {
  v1::ImportListHeader header;
  header.set_name("test-dnc");
  header.set_version("2026-11");
  header.set_default_region("SI");
  header.add_channels("phone");
  const std::vector<std::string> entries = {"+38640150001", "040 150 002",
                                            "12"};  // the last is no number
  size_t next = 0;
  absl::StatusOr<v1::SuppressionList> published = client_->ImportList(
      header, [&](v1::Identifier* identifier) -> absl::StatusOr<bool> {
        if (next == entries.size()) return false;
        identifier->set_phone(entries[next++]);
        return true;
      });
  ASSERT_TRUE(published.ok()) << published.status();
  EXPECT_EQ(published->name(), "test-dnc");
  EXPECT_EQ(published->version(), "2026-11");
  EXPECT_EQ(published->entries(), 2);
  EXPECT_EQ(published->rejected_entries(), 1);
  EXPECT_THAT(published->channels(), ElementsAre("phone"));

  // Suppression lists come before calling hours: DENY at any time of day.
  v1::Decision decision =
      DecisionOf(CheckOf(Phone("+386 40 150 002"), "customer-care", "phone"));
  EXPECT_EQ(decision.reason(), v1::DECISION_REASON_SUPPRESSION_LIST);
  EXPECT_EQ(decision.detail(), "test-dnc");

  absl::StatusOr<v1::ListListsResponse> lists = client_->ListLists();
  ASSERT_TRUE(lists.ok()) << lists.status();
  ASSERT_EQ(lists->lists_size(), 1);
  EXPECT_EQ(lists->lists(0).entries(), 2);
}

TEST_F(ConsentClientTest,
       AnImportWhoseSourceFailsReturnsThatErrorAndPublishesNothing) {
  v1::ImportListHeader header;
  header.set_name("test-dnc");
  header.set_version("2026-11");
  int calls = 0;
  absl::StatusOr<v1::SuppressionList> published = client_->ImportList(
      header, [&](v1::Identifier* identifier) -> absl::StatusOr<bool> {
        if (++calls > 2) return absl::DataLossError("source file truncated");
        identifier->set_phone("+38640150001");
        return true;
      });
  EXPECT_EQ(published.status(), absl::DataLossError("source file truncated"));
  absl::StatusOr<v1::ListListsResponse> lists = client_->ListLists();
  ASSERT_TRUE(lists.ok()) << lists.status();
  EXPECT_THAT(lists->lists(), IsEmpty());
}

TEST_F(ConsentClientTest, AScrubAnswersEachRowInOrderAndKeepsItsReceipt) {
  ASSERT_TRUE(client_->RecordObjection(GlobalObjection(Email(kEmail))).ok());
  v1::ScrubHeader header;
  header.set_purpose("customer-care");
  header.set_channel("email");
  header.set_list_name("test-campaign");
  const std::vector<std::string> emails = {"ben@example.si", kEmail,
                                           "not an address"};
  size_t next = 0;
  std::vector<v1::ScrubRowResult> results;
  absl::StatusOr<v1::ScrubReceipt> receipt = client_->Scrub(
      header,
      [&](v1::ScrubRow* row) -> absl::StatusOr<bool> {
        if (next == emails.size()) return false;
        row->set_row_id(absl::StrCat("row-", next));
        row->add_identifiers()->set_email(emails[next++]);
        return true;
      },
      [&](const v1::ScrubRowResult& result) { results.push_back(result); });
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].row_id(), "row-0");
  EXPECT_EQ(results[0].reason(), v1::DECISION_REASON_LAWFUL_BASIS);
  EXPECT_EQ(results[1].row_id(), "row-1");
  EXPECT_EQ(results[1].reason(), v1::DECISION_REASON_OBJECTION);
  EXPECT_EQ(results[2].row_id(), "row-2");
  EXPECT_EQ(results[2].reason(), v1::DECISION_REASON_INVALID_IDENTIFIER);
  EXPECT_EQ(receipt->rows_total(), 3);
  EXPECT_EQ(receipt->rows_allowed(), 1);
  EXPECT_EQ(receipt->list_name(), "test-campaign");

  absl::StatusOr<v1::ScrubReceipt> kept =
      client_->GetReceipt(receipt->receipt_id());
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(kept->SerializeAsString(), receipt->SerializeAsString());
}

TEST_F(ConsentClientTest, AScrubWhoseSourceFailsReturnsThatError) {
  v1::ScrubHeader header;
  header.set_purpose("customer-care");
  header.set_channel("email");
  int calls = 0;
  absl::StatusOr<v1::ScrubReceipt> receipt = client_->Scrub(
      header,
      [&](v1::ScrubRow* row) -> absl::StatusOr<bool> {
        if (++calls > 2) return absl::DataLossError("source file truncated");
        row->add_identifiers()->set_email(kEmail);
        return true;
      },
      [](const v1::ScrubRowResult&) {});
  EXPECT_EQ(receipt.status(), absl::DataLossError("source file truncated"));
}

TEST_F(ConsentClientTest, AScrubWithABadHeaderIsInvalidArgument) {
  v1::ScrubHeader header;
  header.set_channel("email");  // no purpose
  // More rows than the server will read: its answer ends the stream.
  int calls = 0;
  absl::StatusOr<v1::ScrubReceipt> receipt = client_->Scrub(
      header,
      [&](v1::ScrubRow* row) -> absl::StatusOr<bool> {
        if (++calls > 10'000) return false;
        row->add_identifiers()->set_email(kEmail);
        return true;
      },
      [](const v1::ScrubRowResult&) {});
  EXPECT_EQ(receipt.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ConsentClientTest, AServerThatWentAwayIsUnavailable) {
  ASSERT_TRUE(client_->GetStatus().ok());  // connected
  server_->Kill();
  const absl::Time start = absl::Now();
  absl::StatusOr<v1::CheckResponse> response =
      client_->Check(CheckOf(Phone(kPhone), "marketing", "email"));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

// A loopback TCP socket on a port the kernel chose, held for the test so
// that nothing else can take the port.
class LoopbackSocket {
 public:
  // Bound; `listening` also listens, but nothing ever accepts.
  explicit LoopbackSocket(bool listening) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof(address);
    if (fd_ < 0 ||
        bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        (listening && listen(fd_, 16) != 0) ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      return;
    }
    address_ = absl::StrCat("127.0.0.1:", ntohs(address.sin_port));
  }
  ~LoopbackSocket() { Close(); }
  LoopbackSocket(const LoopbackSocket&) = delete;
  LoopbackSocket& operator=(const LoopbackSocket&) = delete;

  // "127.0.0.1:port", or empty when the socket could not be set up.
  const std::string& address() const { return address_; }

  // Closes the socket: a connection waiting to be accepted is reset.
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  std::string address_;
};

TEST(ConsentClientWithoutServerTest,
     NoListenerIsUnavailableWellWithinTheTimeout) {
  LoopbackSocket refusing(/*listening=*/false);
  ASSERT_FALSE(refusing.address().empty());
  const absl::Duration timeout = absl::Seconds(10);
  ConsentClient client(refusing.address(), timeout);
  const absl::Time start = absl::Now();
  absl::StatusOr<v1::CheckResponse> response =
      client.Check(CheckOf(Phone(kPhone), "marketing", "email"));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(absl::Now() - start, timeout);
}

TEST(ConsentClientWithoutServerTest, NoListenerMakesAnImportUnavailable) {
  LoopbackSocket refusing(/*listening=*/false);
  ASSERT_FALSE(refusing.address().empty());
  ConsentClient client(refusing.address());
  v1::ImportListHeader header;
  header.set_name("test-dnc");
  header.set_version("1");
  absl::StatusOr<v1::SuppressionList> published = client.ImportList(
      header, [](v1::Identifier*) -> absl::StatusOr<bool> { return false; });
  EXPECT_EQ(published.status().code(), absl::StatusCode::kUnavailable);
}

TEST(ConsentClientWithoutServerTest, APeerThatNeverAnswersIsDeadlineExceeded) {
  LoopbackSocket silent(/*listening=*/true);
  ASSERT_FALSE(silent.address().empty());
  const absl::Duration timeout = absl::Milliseconds(500);
  ConsentClient client(silent.address(), timeout);
  absl::StatusOr<v1::CheckResponse> response;
  absl::Notification answered;
  const absl::Time start = absl::Now();
  std::thread caller([&] {
    response = client.Check(CheckOf(Phone(kPhone), "marketing", "email"));
    answered.Notify();
  });
  // A client that ignored its timeout would wait for ever on this peer:
  // closing the socket resets the connection and ends the call.
  const bool in_time =
      answered.WaitForNotificationWithTimeout(absl::Seconds(10));
  const absl::Duration took = absl::Now() - start;
  if (!in_time) silent.Close();
  caller.join();
  ASSERT_TRUE(in_time) << "no answer within 10 s of a 500 ms timeout";
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_GE(took, timeout - absl::Milliseconds(50));
}

}  // namespace
}  // namespace consentd::client
