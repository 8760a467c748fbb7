// Fuzzes every RPC handler consentd registers, through the MethodTable its
// server looks each call up in, against a real ConsentCore (SQLCipher
// store in a fresh directory under $TMPDIR, a generated keyring, the shipped
// policy, single-officer erasures: what --dev runs). One core serves
// kCallsPerServer inputs, so that one input's writes are the next ones'
// state, and is then replaced by a fresh one.
//
// The table is filled as ConsentServer::Start and rpc::StartServer fill
// theirs (the same Add*Service calls, in the same order; keep them in step
// with service/api/consent_server.cc, which keeps its table private), and
// each call is first put to consentd's own Admission as a plain-text
// loopback call, which admits the development caller "local" with every
// role (health Check: anyone). The declared methods the table has no
// handler for (ExplainCheck, the change feed) are listed at
// start-up: the server answers them UNIMPLEMENTED before any handler runs.
//
// An input is byte 0, which picks a method (its value modulo the number of
// handlers, over their paths sorted; the list is printed at start-up), and
// the call's bytes:
// - unary methods: the request's wire bytes, parsed by the table's own step
//   (rpc::ParseMessage) and answered through a UnaryReply; a deferred
//   (write) handler's answer is awaited;
// - streaming methods (Scrub, ImportList, health Watch, reflection): byte 1
//   says how the call ends (modulo 3: the client half-closes; the client
//   cancels after its last message; the call is cut off at the handler's
//   first write, as when the client stops reading), then the client's
//   messages, each a varint length and that many bytes (a length past the
//   end takes what is left). The handler reads them through an in-memory
//   CallStream that does what the server's does (rpc/server_call.cc): a
//   message that does not parse ends the reads and breaks the stream (the
//   server then answers INTERNAL; the harness checks what the handler
//   returned).
// Request and receipt ids are random, so an input names one it cannot know
// by a placeholder of the same length, which the harness replaces in the
// bytes before anything parses them: "dsr-" + 15 '~' + digit k is the
// k-th most recently opened data-subject request (the harness opens and
// verifies one of each type as it starts), "rcpt-" + 31 '~' + digit k the
// k-th most recent scrub receipt (one made as it starts). A finding that
// needs earlier inputs' state may not reproduce from its input alone; run
// the corpus it was found with first.
//
// Invariants (a violation aborts; so does any sanitizer report):
// - every unary call is answered exactly once; a deferred one within
//   kAnswerWithin (else it hangs);
// - an OK answer, and every message a stream writes, serializes and parses
//   back as the method's response type, as a client would read it;
// - an error is a code a caller's request may cause: INVALID_ARGUMENT,
//   NOT_FOUND, FAILED_PRECONDITION, PERMISSION_DENIED, RESOURCE_EXHAUSTED,
//   ALREADY_EXISTS, OUT_OF_RANGE, UNIMPLEMENTED; CANCELLED only for a
//   stream that did not end by the client half-closing it; INTERNAL only as
//   the table's "does not parse", exactly when the request does not parse
//   as the method's request type (UNKNOWN, DATA_LOSS, UNAVAILABLE, ... are
//   findings);
// - ImportList and Scrub never end OK after the client cancelled (nothing
//   published, no receipt);
// - a scrub that ends OK answered each message of rows with as many
//   results, and its receipt counts them all and verifies against the key
//   it names (crypto::VerifyReceipt, what consentctl checks offline); so
//   does every receipt GetReceipt answers;
// - VerifyAudit finds the audit trail intact, whatever calls came before;
// - no error message quotes an identifier of the request (CheckNoEcho).
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/stubs/logging.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "access/caller_directory.h"
#include "access/role_table.h"
#include "consent/v1/audit.pb.h"
#include "consent/v1/requests.pb.h"
#include "consent/v1/scrub.pb.h"
#include "crypto/receipt_signature.h"
#include "fuzz/fuzz_check.h"
#include "policy/default_policy.h"
#include "rpc/health_service.h"
#include "rpc/method_table.h"
#include "rpc/reflection_service.h"
#include "service/api/admission.h"
#include "service/api/consentd_services.h"
#include "service/core/consent_core.h"

namespace consentd::api {
namespace {

namespace v1 = ::consent::v1;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::MessageLite;

// A deferred answer later than this is a hang: a write waits for one
// commit, which takes milliseconds.
constexpr absl::Duration kAnswerWithin = absl::Seconds(5);
// Answered replies kept alive, so that a late second answer is caught
// (and one past these is a use after free ASan reports).
constexpr size_t kRepliesKept = 64;
// Request and receipt ids kept for the placeholders, which name one by a
// digit.
constexpr size_t kIdsKept = 10;

constexpr absl::string_view kOpenRequest =
    "/consent.v1.DataSubjectRequestService/OpenRequest";
constexpr absl::string_view kVerifyIdentity =
    "/consent.v1.DataSubjectRequestService/VerifyIdentity";
constexpr absl::string_view kScrub = "/consent.v1.ScrubService/Scrub";
constexpr absl::string_view kGetReceipt = "/consent.v1.ScrubService/GetReceipt";
constexpr absl::string_view kImportList =
    "/consent.v1.SuppressionListService/ImportList";
constexpr absl::string_view kVerifyAudit =
    "/consent.v1.AuditService/VerifyAudit";

std::unique_ptr<Message> New(const Descriptor* type) {
  return std::unique_ptr<Message>(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(type)
          ->New());
}

grpc::ByteBuffer BufferOf(absl::string_view bytes) {
  grpc::Slice slice(bytes.data(), bytes.size());
  return grpc::ByteBuffer(&slice, 1);
}

// A message the server sends: serialized as the server does, and read back
// as a client would. The bytes, for the harness to look into.
std::string CheckSendable(const MessageLite& message, const Descriptor* type) {
  grpc::ByteBuffer bytes;
  FUZZ_CHECK(rpc::SerializeMessage(message, &bytes));
  std::unique_ptr<Message> read = New(type);
  FUZZ_CHECK(rpc::ParseMessage(&bytes, read.get()));
  return read->SerializeAsString();
}

// ---- No echo of identifiers in error messages.

bool IsPersonal(const FieldDescriptor* field) {
  const std::string& name = field->full_name();
  return name == "consent.v1.Identifier.phone" ||
         name == "consent.v1.Identifier.email" ||
         name == "consent.v1.ExternalId.id" ||
         name == "consent.v1.OpenRequestRequest.requester_contact";
}

// Every string field of `message`, recursively: the personal ones (an
// identifier's value, a requester's contact) and the others.
void CollectStrings(const Message& message, std::vector<std::string>* personal,
                    std::vector<std::string>* other) {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    const bool repeated = field->is_repeated();
    const int count = repeated ? reflection->FieldSize(message, field) : 1;
    for (int i = 0; i < count; ++i) {
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        CollectStrings(repeated
                           ? reflection->GetRepeatedMessage(message, field, i)
                           : reflection->GetMessage(message, field),
                       personal, other);
      } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
        (IsPersonal(field) ? personal : other)
            ->push_back(repeated
                            ? reflection->GetRepeatedString(message, field, i)
                            : reflection->GetString(message, field));
      }
    }
  }
}

// The digits of `text` as numbers are written: a run of digits goes on
// across the separators of phone numbers and ends at anything else. Runs
// are separated by '|'.
std::string DigitRuns(absl::string_view text) {
  std::string runs;
  for (char c : text) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      runs.push_back(c);
    } else if (!absl::StrContains(" -.()/", c) && !runs.empty() &&
               runs.back() != '|') {
      runs.push_back('|');
    }
  }
  return runs;
}

// What an error message must not hold: six consecutive digits of an
// identifier or contact (with at least three different digits, so that
// the limits messages state, such as 50000000, are not taken for one),
// and the whole of an e-mail address. What also appears in a field that
// is not personal (a list name, a row id, a version) is left out: a
// message may name those.
struct Secrets {
  std::vector<std::string> digits;
  std::vector<std::string> texts;  // lower case
};

Secrets SecretsOf(const std::vector<const Message*>& requests) {
  std::vector<std::string> personal;
  std::vector<std::string> other;
  for (const Message* request : requests) {
    CollectStrings(*request, &personal, &other);
  }
  std::string other_digits;
  std::string other_text;
  for (const std::string& text : other) {
    absl::StrAppend(&other_digits, DigitRuns(text), "|");
    absl::StrAppend(&other_text, absl::AsciiStrToLower(text), "|");
  }
  constexpr size_t kWindow = 6;
  Secrets secrets;
  for (const std::string& value : personal) {
    std::string digits;
    for (char c : value) {
      if (absl::ascii_isdigit(static_cast<unsigned char>(c))) digits += c;
    }
    for (size_t at = 0; at + kWindow <= digits.size(); ++at) {
      std::string window = digits.substr(at, kWindow);
      std::string distinct = window;
      std::sort(distinct.begin(), distinct.end());
      distinct.erase(std::unique(distinct.begin(), distinct.end()),
                     distinct.end());
      if (distinct.size() >= 3 && !absl::StrContains(other_digits, window)) {
        secrets.digits.push_back(std::move(window));
      }
    }
    std::string text = absl::AsciiStrToLower(absl::StripAsciiWhitespace(value));
    if (text.size() >= kWindow && absl::StrContains(text, '@') &&
        !absl::StrContains(other_text, text)) {
      secrets.texts.push_back(std::move(text));
    }
  }
  return secrets;
}

void CheckNoEcho(const grpc::Status& status, const Secrets& secrets) {
  const std::string& message = status.error_message();
  const std::string runs = DigitRuns(message);
  for (const std::string& window : secrets.digits) {
    FUZZ_CHECK(!absl::StrContains(runs, window));
  }
  const std::string lower = absl::AsciiStrToLower(message);
  for (const std::string& text : secrets.texts) {
    FUZZ_CHECK(!absl::StrContains(lower, text));
  }
}

// ---- Status codes.

// The codes a caller's request may cause (module comment); INTERNAL and
// CANCELLED are checked where they may arise.
bool IsRequestError(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::UNIMPLEMENTED:
      return true;
    default:
      return false;
  }
}

// ---- The server's side of a call.

// A unary call's answer: checks it as it is sent, and keeps it.
class Reply final : public rpc::UnaryReply {
 public:
  explicit Reply(const Descriptor* response_type)
      : response_type_(response_type) {}
  ~Reply() { FUZZ_CHECK(sends() == 1); }

  void Send(const grpc::Status& status, const MessageLite* response) override {
    std::string bytes;
    if (status.ok()) {
      FUZZ_CHECK(response != nullptr);
      bytes = CheckSendable(*response, response_type_);
    }
    absl::MutexLock lock(&mu_);
    FUZZ_CHECK(sends_ == 0);
    ++sends_;
    status_ = status;
    response_ = std::move(bytes);
  }

  // False when no answer came within `timeout`.
  bool Await(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(
        absl::Condition(
            +[](int* sends) { return *sends > 0; }, &sends_),
        timeout);
  }
  int sends() {
    absl::MutexLock lock(&mu_);
    return sends_;
  }
  // Once answered.
  const grpc::Status& status() const { return status_; }
  const std::string& response() const { return response_; }

 private:
  const Descriptor* const response_type_;
  absl::Mutex mu_;
  int sends_ ABSL_GUARDED_BY(mu_) = 0;
  grpc::Status status_;
  std::string response_;
};

// How a streaming call ends (module comment).
enum class StreamEnd { kHalfClose, kClientCancels, kEndsAtFirstWrite };

// A streaming call whose client sends `messages` and ends as `end` says,
// as the server's CallStream presents it to the handler.
class ClientStream final : public rpc::CallStream {
 public:
  ClientStream(std::vector<std::string> messages, StreamEnd end,
               const Descriptor* response_type)
      : messages_(std::move(messages)),
        end_(end),
        response_type_(response_type) {}

  bool Read(MessageLite* message) override {
    if (!reads_ended_ && !cut_off_ && next_ < messages_.size()) {
      grpc::ByteBuffer bytes = BufferOf(messages_[next_++]);
      if (rpc::ParseMessage(&bytes, message)) return true;
      unparsable_ = true;
    }
    if (!reads_ended_) {
      reads_ended_ = true;
      if (end_ == StreamEnd::kClientCancels) cut_off_ = true;
      ended_broken_ = Broken();
    }
    return false;
  }

  bool Write(const MessageLite& message) override {
    written_.push_back(CheckSendable(message, response_type_));
    if (end_ == StreamEnd::kEndsAtFirstWrite) cut_off_ = true;
    return !cut_off_;
  }

  bool Broken() override { return unparsable_ || cut_off_; }

  // A client that half-closed waits for the answer: the server drains.
  bool AwaitEndOrDrain() override { return end_ == StreamEnd::kHalfClose; }

  // Whether the reads ended with the stream broken.
  bool ended_broken() const { return ended_broken_; }
  const std::vector<std::string>& written() const { return written_; }

 private:
  const std::vector<std::string> messages_;
  const StreamEnd end_;
  const Descriptor* const response_type_;
  size_t next_ = 0;
  bool reads_ended_ = false;
  bool unparsable_ = false;
  bool cut_off_ = false;  // cancelled by the client, or past a deadline
  bool ended_broken_ = false;
  std::vector<std::string> written_;
};

// ---- The server: the table, its handlers, and the core behind them.

struct Handler {
  std::string path;
  const rpc::MethodTable::Method* method;
  const google::protobuf::MethodDescriptor* descriptor;
  rpc::Caller caller;
};

absl::Time MondayMorning() {
  absl::TimeZone zone;
  absl::LoadTimeZone("Europe/Ljubljana", &zone);
  return absl::FromCivil(absl::CivilHour(2026, 11, 23, 10), zone);
}

// A fresh directory under $TMPDIR (or /tmp), removed with everything in
// it.
class TempDir {
 public:
  TempDir() {
    const char* tmp = std::getenv("TMPDIR");
    path_ = absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp",
                         "/rpc-handlers-fuzzer-XXXXXX");
    FUZZ_CHECK(mkdtemp(path_.data()) != nullptr);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// One consentd in process: a core on a directory of its own, and the
// table of its handlers. Destroying it stops the core and removes the
// directory.
class FuzzServer {
 public:
  FuzzServer();

  const std::vector<Handler>& handlers() const { return handlers_; }
  // Prints the table's methods, in the order byte 0 picks them, and the
  // declared methods it has no handler for.
  void Describe() const;

  // Runs one call of `handler` with `bytes` (a request, or a stream's
  // framed messages) and checks the invariants.
  void Call(const Handler& handler, std::string bytes);

 private:
  void CallUnary(const Handler& handler, const std::string& bytes);
  void CallStream(const Handler& handler, const std::string& bytes);
  // Checks that `receipt` verifies against the key it names, as consentctl
  // checks it offline.
  void CheckReceipt(const v1::ScrubReceipt& receipt) const;
  // Checks a scrub that ended OK; its receipt's id.
  std::string CheckScrubbed(
      const std::vector<std::unique_ptr<Message>>& requests,
      const std::vector<std::string>& written) const;
  // Replaces the placeholders in `bytes` (module comment).
  void FillIds(std::string* bytes) const;
  static void Remember(std::string id, std::deque<std::string>* ids);
  const Handler& HandlerAt(absl::string_view path) const;
  // Opens and verifies one request of each type, and scrubs a list.
  void MakeFirstState();

  // Destroyed last, once the core has stopped.
  const TempDir dir_;
  std::atomic<int64_t> ticks_{0};
  std::unique_ptr<core::ConsentCore> core_;
  std::unique_ptr<access::CallerDirectory> callers_;
  rpc::MethodTable methods_;
  std::vector<Handler> handlers_;
  std::vector<std::string> unhandled_;
  std::deque<std::unique_ptr<Reply>> replies_;
  std::deque<std::string> request_ids_;  // newest first
  std::deque<std::string> receipt_ids_;
};

FuzzServer::FuzzServer() {
  const v1::AccessConfig access = access::DevelopmentAccess();
  core::CoreOptions options;
  options.data_dir = dir_.path();
  options.create_keyring = true;
  options.policy_text = std::string(policy::DefaultPolicyText());
  options.require_second_officer = !access.allow_single_officer();
  // A millisecond passes at each reading: writes are ordered in time, as
  // a refusal and the consent that lifts it must be, and seeds' times stay
  // valid.
  options.clock = [this] {
    return MondayMorning() + absl::Milliseconds(ticks_.fetch_add(1));
  };
  auto opened = core::ConsentCore::Open(std::move(options));
  FUZZ_CHECK(opened.ok());
  core_ = *std::move(opened);
  auto callers = access::CallerDirectory::Create(access);
  FUZZ_CHECK(callers.ok());
  callers_ = *std::move(callers);

  // As ConsentServer::Start, then rpc::StartServer.
  const rpc::Admission admission = MakeAdmission(callers_.get());
  methods_.set_admission(admission);
  AddConsentdServices(core_.get(), MondayMorning(), &methods_);
  rpc::AddHealthService(&methods_);
  rpc::AddReflectionService(&methods_);

  rpc::Peer loopback;
  loopback.address = "ipv4:127.0.0.1:40000";
  for (const std::string& service : methods_.services()) {
    const google::protobuf::ServiceDescriptor* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            service);
    for (int i = 0; i < descriptor->method_count(); ++i) {
      std::string path =
          absl::StrCat("/", service, "/", descriptor->method(i)->name());
      const rpc::MethodTable::Method* method = methods_.Find(path);
      if (method == nullptr) {
        unhandled_.push_back(std::move(path));
        continue;
      }
      absl::StatusOr<rpc::Caller> caller = admission(path, loopback);
      FUZZ_CHECK(caller.ok());
      FUZZ_CHECK(caller->roles == access::kEveryRole.bits() ||
                 access::IsOpenToEveryone(path));
      handlers_.push_back(
          Handler{std::move(path), method, descriptor->method(i), *caller});
    }
  }
  std::sort(handlers_.begin(), handlers_.end(),
            [](const Handler& a, const Handler& b) { return a.path < b.path; });
  MakeFirstState();
}

void FuzzServer::Describe() const {
  for (const std::string& path : unhandled_) {
    std::fprintf(stderr, "rpc_handlers_fuzzer: no handler: %s\n", path.c_str());
  }
  for (size_t i = 0; i < handlers_.size(); ++i) {
    std::fprintf(stderr, "rpc_handlers_fuzzer: method %zu: %s\n", i,
                 handlers_[i].path.c_str());
  }
}

const Handler& FuzzServer::HandlerAt(absl::string_view path) const {
  for (const Handler& handler : handlers_) {
    if (handler.path == path) return handler;
  }
  FUZZ_CHECK(false);
  std::abort();
}

void FuzzServer::MakeFirstState() {
  for (int type = v1::REQUEST_TYPE_ACCESS; type <= v1::REQUEST_TYPE_OBJECTION;
       ++type) {
    v1::OpenRequestRequest open;
    open.set_type(static_cast<v1::RequestType>(type));
    open.add_identifiers()->set_phone(absl::StrCat("+386 1 555 01", 10 + type));
    open.set_received_via("e-mail");
    if (type == v1::REQUEST_TYPE_RECTIFICATION) {
      open.mutable_replacement()->set_email("subject@example.com");
    }
    Call(HandlerAt(kOpenRequest), open.SerializeAsString());
    FUZZ_CHECK(request_ids_.size() == static_cast<size_t>(type));
    v1::VerifyIdentityRequest verify;
    verify.set_request_id(request_ids_.front());
    verify.set_method("reply from the registered address");
    Call(HandlerAt(kVerifyIdentity), verify.SerializeAsString());
  }
  v1::ScrubRequest header;
  header.mutable_header()->set_purpose("marketing");
  header.mutable_header()->set_channel("phone");
  header.mutable_header()->set_default_region("SI");
  v1::ScrubRequest rows;
  rows.mutable_rows()->add_rows()->add_identifiers()->set_phone(
      "+386 1 555 0150");
  std::string scrub(1, static_cast<char>(StreamEnd::kHalfClose));
  for (const v1::ScrubRequest* message : {&header, &rows}) {
    std::string bytes = message->SerializeAsString();
    scrub.push_back(static_cast<char>(bytes.size()));  // one varint byte
    scrub += bytes;
  }
  Call(HandlerAt(kScrub), scrub);
  FUZZ_CHECK(receipt_ids_.size() == 1);
}

void FuzzServer::Remember(std::string id, std::deque<std::string>* ids) {
  ids->push_front(std::move(id));
  if (ids->size() > kIdsKept) ids->pop_back();
}

void FuzzServer::FillIds(std::string* bytes) const {
  struct Placeholder {
    std::string prefix;
    const std::deque<std::string>* ids;
  };
  const Placeholder placeholders[] = {
      {absl::StrCat("dsr-", std::string(15, '~')), &request_ids_},
      {absl::StrCat("rcpt-", std::string(31, '~')), &receipt_ids_},
  };
  for (const Placeholder& p : placeholders) {
    for (size_t at = bytes->find(p.prefix); at != std::string::npos;
         at = bytes->find(p.prefix, at + 1)) {
      const size_t k_at = at + p.prefix.size();
      if (k_at >= bytes->size() ||
          !absl::ascii_isdigit(static_cast<unsigned char>((*bytes)[k_at]))) {
        continue;
      }
      const size_t k = (*bytes)[k_at] - '0';
      if (k >= p.ids->size()) continue;
      const std::string& id = (*p.ids)[k];
      FUZZ_CHECK(id.size() == p.prefix.size() + 1);
      bytes->replace(at, id.size(), id);
    }
  }
}

void FuzzServer::Call(const Handler& handler, std::string bytes) {
  FillIds(&bytes);
  if (handler.method->unary) {
    CallUnary(handler, bytes);
  } else {
    CallStream(handler, bytes);
  }
}

void FuzzServer::CallUnary(const Handler& handler, const std::string& bytes) {
  std::unique_ptr<Message> request = New(handler.descriptor->input_type());
  const bool parses = request->ParseFromString(bytes);
  auto owned = std::make_unique<Reply>(handler.descriptor->output_type());
  Reply* reply = owned.get();
  grpc::ByteBuffer buffer = BufferOf(bytes);
  handler.method->unary(handler.caller, &buffer, reply);
  if (handler.method->pool == rpc::MethodTable::Pool::kDeferred) {
    if (!reply->Await(kAnswerWithin)) {
      std::fprintf(stderr, "rpc_handlers_fuzzer: %s: no answer within %s\n",
                   handler.path.c_str(),
                   absl::FormatDuration(kAnswerWithin).c_str());
      std::abort();
    }
  } else {
    // Any other handler answers before it returns.
    FUZZ_CHECK(reply->sends() == 1);
  }
  const grpc::Status& status = reply->status();
  if (!parses) {
    const grpc::Status& unparsable = rpc::method_table_internal::Unparsable();
    FUZZ_CHECK(status.error_code() == unparsable.error_code() &&
               status.error_message() == unparsable.error_message());
  } else if (!status.ok()) {
    FUZZ_CHECK(IsRequestError(status.error_code()));
    CheckNoEcho(status, SecretsOf({request.get()}));
  } else if (handler.path == kOpenRequest) {
    v1::DataSubjectRequest opened;
    FUZZ_CHECK(opened.ParseFromString(reply->response()));
    Remember(opened.request_id(), &request_ids_);
  } else if (handler.path == kGetReceipt) {
    v1::ScrubReceipt receipt;
    FUZZ_CHECK(receipt.ParseFromString(reply->response()));
    CheckReceipt(receipt);
  } else if (handler.path == kVerifyAudit) {
    v1::VerifyAuditResponse verified;
    FUZZ_CHECK(verified.ParseFromString(reply->response()) &&
               verified.intact());
  }
  replies_.push_back(std::move(owned));
  if (replies_.size() > kRepliesKept) replies_.pop_front();
}

// The client's messages in `bytes`, each a varint length and that many
// bytes (a length past the end takes what is left).
std::vector<std::string> Messages(absl::string_view bytes) {
  std::vector<std::string> messages;
  while (!bytes.empty()) {
    uint64_t size = 0;
    int shift = 0;
    while (!bytes.empty() && shift < 35) {
      const uint8_t byte = static_cast<uint8_t>(bytes.front());
      bytes.remove_prefix(1);
      size |= static_cast<uint64_t>(byte & 0x7f) << shift;
      shift += 7;
      if ((byte & 0x80) == 0) break;
    }
    size = std::min<uint64_t>(size, bytes.size());
    messages.emplace_back(bytes.substr(0, size));
    bytes.remove_prefix(size);
  }
  return messages;
}

void FuzzServer::CallStream(const Handler& handler, const std::string& bytes) {
  absl::string_view call(bytes);
  StreamEnd end = StreamEnd::kHalfClose;
  if (!call.empty()) {
    end = static_cast<StreamEnd>(static_cast<uint8_t>(call.front()) % 3);
    call.remove_prefix(1);
  }
  std::vector<std::string> messages = Messages(call);
  // What the handler can have read: the messages up to the first that
  // does not parse.
  std::vector<std::unique_ptr<Message>> requests;
  for (const std::string& message : messages) {
    requests.push_back(New(handler.descriptor->input_type()));
    if (!requests.back()->ParseFromString(message)) {
      requests.pop_back();
      break;
    }
  }
  ClientStream stream(std::move(messages), end,
                      handler.descriptor->output_type());
  const grpc::Status status = handler.method->stream(handler.caller, stream);
  if (!status.ok()) {
    FUZZ_CHECK(IsRequestError(status.error_code()) ||
               (status.error_code() == grpc::StatusCode::CANCELLED &&
                stream.Broken()));
    std::vector<const Message*> read;
    for (const auto& request : requests) read.push_back(request.get());
    CheckNoEcho(status, SecretsOf(read));
  } else if (handler.path == kImportList || handler.path == kScrub) {
    FUZZ_CHECK(!stream.ended_broken());
  }
  if (status.ok() && handler.path == kScrub) {
    Remember(CheckScrubbed(requests, stream.written()), &receipt_ids_);
  }
}

std::string FuzzServer::CheckScrubbed(
    const std::vector<std::unique_ptr<Message>>& requests,
    const std::vector<std::string>& written) const {
  // The header, then one answer for each message of rows, then the
  // receipt.
  FUZZ_CHECK(!requests.empty() && written.size() == requests.size());
  int64_t rows = 0;
  v1::ScrubResponse response;
  for (size_t i = 1; i < requests.size(); ++i) {
    const auto& request = static_cast<const v1::ScrubRequest&>(*requests[i]);
    FUZZ_CHECK(response.ParseFromString(written[i - 1]) &&
               response.has_rows() &&
               response.rows().rows_size() == request.rows().rows_size());
    rows += request.rows().rows_size();
  }
  FUZZ_CHECK(response.ParseFromString(written.back()) &&
             response.has_receipt());
  const v1::ScrubReceipt& receipt = response.receipt();
  FUZZ_CHECK(receipt.rows_total() == rows &&
             receipt.rows_allowed() <= receipt.rows_total());
  CheckReceipt(receipt);
  return receipt.receipt_id();
}

void FuzzServer::CheckReceipt(const v1::ScrubReceipt& receipt) const {
  absl::StatusOr<v1::ReceiptKey> key =
      core_->scrubber().ReceiptKey(receipt.key_id());
  FUZZ_CHECK(key.ok() && crypto::VerifyReceipt(receipt, *key).ok());
}

// The server the inputs go to. It is replaced by a fresh one every
// kCallsPerServer inputs, which bounds what accumulates (the audit trail
// VerifyAudit reads whole, the index, open requests) and with it the time
// an input takes.
constexpr int kCallsPerServer = 10'000;
std::unique_ptr<FuzzServer>& Server() {
  static auto* const server = new std::unique_ptr<FuzzServer>();
  return *server;
}

}  // namespace
}  // namespace consentd::api

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Unparsable strings (invalid UTF-8) would log at every input; a message
  // that does not serialize or parse back is checked instead.
  google::protobuf::SetLogHandler(nullptr);
  consentd::api::Server() = std::make_unique<consentd::api::FuzzServer>();
  consentd::api::Server()->Describe();
  // Stops the core and removes its directory.
  std::atexit([] { consentd::api::Server().reset(); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static int calls = 0;
  std::unique_ptr<consentd::api::FuzzServer>& server = consentd::api::Server();
  if (++calls % consentd::api::kCallsPerServer == 0) {
    server.reset();
    server = std::make_unique<consentd::api::FuzzServer>();
  }
  if (size == 0) return 0;
  const auto& handlers = server->handlers();
  server->Call(handlers[data[0] % handlers.size()],
               std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  return 0;
}
