// MethodTable: a server's RPC methods by full name
// ("/package.Service/Method"), each with its handler and where the handler
// runs. The server looks every call up here; a name not in the table is
// answered UNIMPLEMENTED.
//
//   * kInline handlers run on the thread that read the request. They must
//     answer from memory within microseconds and never block, since other
//     calls wait meanwhile: such a call is answered without waking another
//     thread, and no bound of ServerOptions applies to it.
//   * kOnHandlerThread handlers may block (storage, a lock held across a
//     transaction) or take long (a batch); they run on the server's unary
//     handler threads (Pool::kUnary).
//   * Deferred handlers (AddDeferred: writes that answer once durable) run
//     on handler threads of their own (Pool::kDeferred), so that no flood
//     of the other kinds can delay them; an urgent one (Priority::kUrgent)
//     goes before the others queued there and may use the room the queue
//     keeps for urgent calls.
//   * Stream handlers run on stream threads (Pool::kStream), one for the
//     stream's whole life, with blocking reads and writes.
//
// Each pool is bounded (ServerOptions): a call that finds its pool full is
// answered RESOURCE_EXHAUSTED at once and its request freed, as is a stream
// beyond the stream limits (per server, principal and connection). A
// stream whose handler waits on its client for longer than the idle
// deadline, or that outlives the total deadline, is cancelled with
// DEADLINE_EXCEEDED (CallStream).
//
// Every registration is checked against the generated descriptors: a
// method the .proto files do not declare so aborts at start-up.
//
// Every call, to any method of the table (health and reflection too), is
// first put to the table's Admission, when one is set: a call it refuses
// is answered with its status and reaches no handler; an admitted call's
// handler gets the Caller. Without an Admission every call is admitted with
// an empty Caller.
//
// Thread-safety: filled before the server starts, read-only after.
#ifndef CONSENTD_RPC_METHOD_TABLE_H_
#define CONSENTD_RPC_METHOD_TABLE_H_

#include <google/protobuf/arena.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message_lite.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/status.h>

#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "rpc/grpc_status.h"
#include "rpc/peer.h"

namespace consentd::rpc {

// Parses a message read from the wire; false when it does not parse.
bool ParseMessage(grpc::ByteBuffer* bytes,
                  google::protobuf::MessageLite* message);

// Serializes a message for the wire into `bytes`; false when it cannot.
bool SerializeMessage(const google::protobuf::MessageLite& message,
                      grpc::ByteBuffer* bytes);

// The answer to one unary call: Send is called exactly once, from any thread.
// `response` is sent only with an OK status and may be gone when Send
// returns.
class UnaryReply {
 public:
  virtual void Send(const grpc::Status& status,
                    const google::protobuf::MessageLite* response) = 0;

 protected:
  ~UnaryReply() = default;
};

// A streaming call as its handler sees it: blocking reads and writes, as in
// gRPC's sync API. Used only from the handler's thread.
//
// The server's stream deadlines (ServerOptions::streams) act here. When
// Read has waited for a message, or Write (or the end of the handler) for
// the client to take earlier ones, for the idle deadline, or any wait
// reaches the stream's total deadline, the server cancels the call with
// DEADLINE_EXCEEDED and a message saying which deadline passed: the wait
// returns as for any cancelled call, and Broken() is true. AwaitEndOrDrain
// waits on the server, not the client, so only the total deadline ends it
// (a health watch may stay silent as long as that).
class CallStream {
 public:
  // The next message from the client. False once the client has finished
  // sending, the call has ended (cancelled, past a deadline), or a message
  // did not parse (then the call fails INTERNAL whatever the handler
  // returns).
  virtual bool Read(google::protobuf::MessageLite* message) = 0;
  // Sends a message; false once the call has ended (nothing sent after that
  // reaches the client). Blocks while a few earlier messages are still
  // unsent, so the client's flow control holds the handler back.
  virtual bool Write(const google::protobuf::MessageLite& message) = 0;
  // True when the stream did not end by the client finishing it: the call
  // was cancelled, passed a deadline or broke, or a message did not parse.
  // Reliable once Read has returned false.
  virtual bool Broken() = 0;
  // Blocks until the call has ended (or passed its total deadline) or the
  // server starts draining; true for draining.
  virtual bool AwaitEndOrDrain() = 0;

 protected:
  ~CallStream() = default;
};

class MethodTable {
 public:
  enum class Runs { kInline, kOnHandlerThread };
  // The server's threads a method's handler runs on; each is bounded on
  // its own (ServerOptions). Follows from how the method was added.
  enum class Pool {
    kNone,      // kInline: on the thread that read the request
    kUnary,     // AddUnary with kOnHandlerThread
    kDeferred,  // AddDeferred
    kStream,    // AddStream
  };
  // Within a pool, urgent calls go first and may use its reserved room.
  enum class Priority { kNormal, kUrgent };
  using UnaryHandler = std::function<void(
      const Caller& caller, grpc::ByteBuffer* request, UnaryReply* reply)>;
  using StreamHandler =
      std::function<grpc::Status(const Caller& caller, CallStream& stream)>;
  struct Method {
    Runs runs;
    Pool pool;
    UnaryHandler unary;    // set for unary methods
    StreamHandler stream;  // set for streaming ones
    Priority priority = Priority::kNormal;
  };

  // A unary method answered when `handler` returns. The request and the
  // response live on one arena for the call.
  template <typename Request, typename Response>
  void AddUnary(
      absl::string_view service, absl::string_view method, Runs runs,
      std::function<absl::Status(const Caller&, const Request&, Response*)>
          handler);

  // A unary method whose handler runs on a deferred-pool thread and answers
  // later through `done`, from any thread (a write answers once it is
  // durable). `priority` kUrgent for the calls that must get through
  // whatever else is queued (a refusal to be contacted).
  template <typename Response>
  using Done = absl::AnyInvocable<void(absl::StatusOr<Response>) &&>;
  template <typename Request, typename Response>
  void AddDeferred(
      absl::string_view service, absl::string_view method,
      std::function<void(const Caller&, const Request&, Done<Response>)>
          handler,
      Priority priority = Priority::kNormal);

  void AddStream(absl::string_view service, absl::string_view method,
                 StreamHandler handler);

  // Names a service whose methods are not built yet (all UNIMPLEMENTED),
  // for health checks and reflection.
  void AddService(absl::string_view service);

  // Sets the Admission every call is put to; before the server starts.
  void set_admission(Admission admission) { admission_ = std::move(admission); }
  bool has_admission() const { return static_cast<bool>(admission_); }
  // Whether a call to `path` from `context`'s client goes on (see above).
  absl::StatusOr<Caller> Admit(absl::string_view path,
                               const grpc::ServerContextBase& context) const;

  // Hears of every unary call answered (admitted or not is the server's
  // business: only calls that reached their handler): the method's path,
  // the status, the time from the handler's start to its answer, and the
  // response (null unless OK). Runs on the answering thread, so it must be
  // quick and must not block. Thread-safety: called concurrently.
  class CallObserver {
   public:
    virtual void Answered(absl::string_view path, const grpc::Status& status,
                          absl::Duration handler_time,
                          const google::protobuf::MessageLite* response) = 0;

   protected:
    ~CallObserver() = default;
  };
  // Sets the observer of the unary methods added from here on (set it
  // before adding any); it must outlive the table.
  void set_call_observer(CallObserver* observer) { observer_ = observer; }

  // The method of a call's path, or nullptr.
  const Method* Find(absl::string_view path) const;
  // Every service named, sorted.
  const std::vector<std::string>& services() const { return services_; }

 private:
  // Every method must be declared so in the generated descriptor pool:
  // unary with these message types, or streaming when both are null. A
  // mismatch is a programming error and aborts.
  void Add(absl::string_view service, absl::string_view method,
           const google::protobuf::Descriptor* request,
           const google::protobuf::Descriptor* response, Method entry);

  absl::flat_hash_map<std::string, Method> methods_;
  std::vector<std::string> services_;
  Admission admission_;
  CallObserver* observer_ = nullptr;
};

// Moves a core result into the response, or passes its error on.
template <typename Response>
absl::Status MoveInto(absl::StatusOr<Response> result, Response* response) {
  if (!result.ok()) return result.status();
  *response = *std::move(result);
  return absl::OkStatus();
}

namespace method_table_internal {
inline const grpc::Status& Unparsable() {
  static const auto* status = new grpc::Status(
      grpc::StatusCode::INTERNAL, "the request message does not parse");
  return *status;
}
}  // namespace method_table_internal

template <typename Request, typename Response>
void MethodTable::AddUnary(
    absl::string_view service, absl::string_view method, Runs runs,
    std::function<absl::Status(const Caller&, const Request&, Response*)>
        handler) {
  Add(service, method, Request::descriptor(), Response::descriptor(),
      Method{runs, runs == Runs::kInline ? Pool::kNone : Pool::kUnary,
             [handler = std::move(handler)](const Caller& caller,
                                            grpc::ByteBuffer* bytes,
                                            UnaryReply* reply) {
               // Room for a Check's request and answer in the first block.
               alignas(std::max_align_t) char block[4096];
               google::protobuf::Arena arena(block, sizeof(block));
               auto* request =
                   google::protobuf::Arena::CreateMessage<Request>(&arena);
               if (!ParseMessage(bytes, request)) {
                 reply->Send(method_table_internal::Unparsable(), nullptr);
                 return;
               }
               auto* response =
                   google::protobuf::Arena::CreateMessage<Response>(&arena);
               reply->Send(ToGrpcStatus(handler(caller, *request, response)),
                           response);
             },
             nullptr});
}

template <typename Request, typename Response>
void MethodTable::AddDeferred(
    absl::string_view service, absl::string_view method,
    std::function<void(const Caller&, const Request&, Done<Response>)> handler,
    Priority priority) {
  Add(service, method, Request::descriptor(), Response::descriptor(),
      Method{Runs::kOnHandlerThread, Pool::kDeferred,
             [handler = std::move(handler)](const Caller& caller,
                                            grpc::ByteBuffer* bytes,
                                            UnaryReply* reply) {
               Request request;
               if (!ParseMessage(bytes, &request)) {
                 reply->Send(method_table_internal::Unparsable(), nullptr);
                 return;
               }
               handler(caller, request,
                       [reply](absl::StatusOr<Response> result) {
                         if (!result.ok()) {
                           reply->Send(ToGrpcStatus(result.status()), nullptr);
                         } else {
                           reply->Send(grpc::Status::OK, &*result);
                         }
                       });
             },
             nullptr, priority});
}

}  // namespace consentd::rpc

#endif  // CONSENTD_RPC_METHOD_TABLE_H_
