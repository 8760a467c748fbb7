// StartServer for consentd::rpc_callback_server: the MethodTable served on
// gRPC's callback generic API, with gRPC's own health service and
// grpc++_reflection. It is what rpc_queue_server is measured against
// (README.md), and answers calls as that server does, on the same bounded
// HandlerPools, but for three differences of the libraries it uses:
// reflection lists only the services gRPC registered itself (health and
// reflection), since a generic service names none; gRPC serves those two
// itself, outside the stream limits and deadlines; and a stream's messages
// are read and written one at a time, with no read-ahead or write-behind.
#include <grpc/grpc.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "rpc/handler_pools.h"
#include "rpc/listening_port.h"
#include "rpc/server.h"
#include "rpc/stream_limiter.h"

namespace consentd::rpc {
namespace {

// Whether the server has begun to drain, for streams that wait for it.
struct Drain {
  absl::Mutex mu;
  bool draining ABSL_GUARDED_BY(mu) = false;
};

// A unary call: reads the request, runs the handler inline (on gRPC's
// callback thread) or on its handler pool (RESOURCE_EXHAUSTED at once when
// that is full), and sends the answer with the status. gRPC calls OnDone
// only once the call has finished, so the handler may answer from any
// thread at any time before.
class UnaryCall final : public grpc::ServerGenericBidiReactor,
                        public UnaryReply {
 public:
  UnaryCall(const MethodTable::Method* method, const Caller& caller,
            HandlerPools* handlers)
      : method_(method), caller_(caller), handlers_(handlers) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::INTERNAL,
                          "the call ended before its request arrived"));
    } else if (method_->runs == MethodTable::Runs::kInline) {
      method_->unary(caller_, &request_, this);
    } else if (absl::Status queued = handlers_->RunUnary(
                   *method_,
                   [this] { method_->unary(caller_, &request_, this); });
               !queued.ok()) {
      request_.Clear();  // not kept while the answer goes out
      Send(ToGrpcStatus(queued), nullptr);
    }
  }

  void Send(const grpc::Status& status,
            const google::protobuf::MessageLite* response) override {
    if (!status.ok() || response == nullptr) {
      Finish(status);
    } else if (SerializeMessage(*response, &response_)) {
      StartWriteAndFinish(&response_, grpc::WriteOptions(), status);
    } else {
      Finish(grpc::Status(grpc::StatusCode::INTERNAL,
                          "the response could not be serialized"));
    }
  }

  void OnDone() override { delete this; }

 private:
  const MethodTable::Method* const method_;
  const Caller caller_;
  HandlerPools* const handlers_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
};

// A streaming call, admitted by the stream limiter: the handler runs on a
// stream thread, each of its reads and writes one callback operation that
// it waits for, until the stream's deadlines (which cancel the call).
class StreamCall final : public grpc::ServerGenericBidiReactor,
                         public CallStream {
 public:
  StreamCall(grpc::GenericCallbackServerContext* context,
             const MethodTable::Method* method, const Caller& caller,
             StreamLimiter::Slot slot, HandlerPools* handlers, Drain* drain)
      : context_(context),
        method_(method),
        caller_(caller),
        drain_(drain),
        deadlines_(handlers->stream_limits(), absl::Now()),
        slot_(std::move(slot)) {
    handlers->RunStream([this] { RunHandler(); });
  }

  bool Read(google::protobuf::MessageLite* message) override {
    {
      absl::MutexLock lock(&mu_);
      if (reads_ended_ || unparsable_ || expired_) return false;
      reading_ = true;
    }
    StartRead(&read_);
    grpc::Status expiry;
    {
      absl::MutexLock lock(&mu_);
      if (!mu_.AwaitWithDeadline(
              absl::Condition(
                  +[](bool* reading) { return !*reading; }, &reading_),
              deadlines_.For(StreamDeadlines::Wait::kClientMessage,
                             absl::Now()))) {
        // The read stays outstanding until the cancel fails it; no other
        // may start meanwhile.
        reads_ended_ = true;
        expiry = MarkExpired(StreamDeadlines::Wait::kClientMessage);
      } else if (!read_ok_) {
        reads_ended_ = true;
        // A read ends both when the client finishes sending and when the
        // call is cancelled or broken; only gRPC's core tells which.
        read_failed_ =
            grpc_call_failed_before_recv_message(context_->c_call()) != 0;
        return false;
      }
    }
    if (!expiry.ok()) {
      CancelCall(*context_, expiry);
      return false;
    }
    if (ParseMessage(&read_, message)) return true;
    absl::MutexLock lock(&mu_);
    unparsable_ = true;
    return false;
  }

  void OnReadDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    read_ok_ = ok;
    reading_ = false;
  }

  bool Write(const google::protobuf::MessageLite& message) override {
    {
      absl::MutexLock lock(&mu_);
      if (writes_failed_ || expired_) return false;
      if (!SerializeMessage(message, &write_)) return false;
      writing_ = true;
    }
    StartWrite(&write_);
    auto written = absl::Condition(
        +[](bool* writing) { return !*writing; }, &writing_);
    grpc::Status expiry;
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithDeadline(
              written, deadlines_.For(StreamDeadlines::Wait::kClientTakes,
                                      absl::Now()))) {
        return !writes_failed_;
      }
      expiry = MarkExpired(StreamDeadlines::Wait::kClientTakes);
    }
    CancelCall(*context_, expiry);
    // The call must not finish with a write outstanding; the cancel fails
    // it at once.
    absl::MutexLock lock(&mu_);
    mu_.Await(written);
    return false;
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    if (!ok) writes_failed_ = true;
    writing_ = false;
  }

  bool Broken() override {
    absl::MutexLock lock(&mu_);
    return unparsable_ || read_failed_ || expired_;
  }

  bool AwaitEndOrDrain() override {
    {
      absl::MutexLock lock(&drain_->mu);
      if (drain_->mu.AwaitWithDeadline(
              absl::Condition(this, &StreamCall::EndedOrDraining),
              deadlines_.For(StreamDeadlines::Wait::kServer, absl::Now()))) {
        return drain_->draining;
      }
    }
    grpc::Status expiry;
    {
      absl::MutexLock lock(&mu_);
      expiry = MarkExpired(StreamDeadlines::Wait::kServer);
    }
    if (!expiry.ok()) CancelCall(*context_, expiry);
    return false;
  }

  void OnCancel() override {
    absl::MutexLock lock(&drain_->mu);
    cancelled_ = true;
  }

  void OnDone() override { delete this; }

 private:
  void RunHandler() {
    grpc::Status status = method_->stream(caller_, *this);
    // Given back before the client can hear the end, so that it may open
    // another stream as soon as it has.
    slot_.reset();
    {
      absl::MutexLock lock(&mu_);
      if (unparsable_) {
        status = grpc::Status(grpc::StatusCode::INTERNAL,
                              "a stream message does not parse");
      }
    }
    Finish(status);
  }

  // Marks the stream expired after a wait of `wait` reached its deadline:
  // the status to cancel the call with, or OK when it already had. The
  // cancel must come once mu_ is released: gRPC may run this call's
  // reactions (OnReadDone, ...) on the cancelling thread.
  grpc::Status MarkExpired(StreamDeadlines::Wait wait)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (expired_) return grpc::Status::OK;
    expired_ = true;
    return deadlines_.Expired(wait, absl::Now());
  }

  bool EndedOrDraining() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(drain_->mu) {
    return cancelled_ || drain_->draining;
  }

  grpc::GenericCallbackServerContext* const context_;
  const MethodTable::Method* const method_;
  const Caller caller_;
  Drain* const drain_;
  const StreamDeadlines deadlines_;
  // Only the handler's thread touches it.
  std::optional<StreamLimiter::Slot> slot_;

  absl::Mutex mu_;
  grpc::ByteBuffer read_;
  grpc::ByteBuffer write_;
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  bool read_ok_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_ended_ ABSL_GUARDED_BY(mu_) = false;
  bool read_failed_ ABSL_GUARDED_BY(mu_) = false;
  bool unparsable_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool writes_failed_ ABSL_GUARDED_BY(mu_) = false;
  bool expired_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(drain_->mu) = false;
};

// A call answered at once: refused, or to a method the table does not
// hold.
class AnsweredCall final : public grpc::ServerGenericBidiReactor {
 public:
  explicit AnsweredCall(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

class GenericService final : public grpc::CallbackGenericService {
 public:
  GenericService(const MethodTable* methods, HandlerPools* handlers,
                 Drain* drain)
      : methods_(methods), handlers_(handlers), drain_(drain) {}

  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    absl::StatusOr<Caller> caller =
        methods_->Admit(context->method(), *context);
    if (!caller.ok()) return new AnsweredCall(ToGrpcStatus(caller.status()));
    const MethodTable::Method* method = methods_->Find(context->method());
    if (method == nullptr) {
      return new AnsweredCall(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                           "method not served by this server"));
    }
    if (method->unary) return new UnaryCall(method, *caller, handlers_);
    absl::StatusOr<StreamLimiter::Slot> slot =
        handlers_->AdmitStream(*caller, context->peer());
    if (!slot.ok()) return new AnsweredCall(ToGrpcStatus(slot.status()));
    return new StreamCall(context, method, *caller, *std::move(slot), handlers_,
                          drain_);
  }

  const MethodTable& methods() const { return *methods_; }

 private:
  const MethodTable* const methods_;
  HandlerPools* const handlers_;
  Drain* const drain_;
};

class CallbackServer final : public Server {
 public:
  CallbackServer(const MethodTable* methods, const ServerOptions& options)
      : handlers_(options), service_(methods, &handlers_, &drain_) {}

  ~CallbackServer() override { Shutdown(absl::ZeroDuration()); }

  absl::Status Start(const ServerOptions& options) {
    grpc::EnableDefaultHealthCheckService(true);
    // grpc++_reflection would answer anyone: only where no one is turned
    // away (rpc/server.h).
    if (!service_.methods().has_admission()) {
      grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    }
    grpc::ServerBuilder builder;
    ListeningPort port(options, &builder);
    builder.RegisterCallbackGenericService(&service_);
    server_ = builder.BuildAndStart();
    address_ = port.BoundAddress();
    if (server_ == nullptr || address_.empty()) {
      server_.reset();
      return absl::UnavailableError(
          absl::StrCat("cannot listen on ", options.listen_address));
    }
    for (const std::string& service : service_.methods().services()) {
      server_->GetHealthCheckService()->SetServingStatus(service, true);
    }
    return absl::OkStatus();
  }

  const std::string& address() const override { return address_; }

  ServerLoad load() const override {
    return server_ == nullptr ? ServerLoad() : handlers_.load();
  }

  void Shutdown(absl::Duration grace) override {
    if (server_ == nullptr) return;
    {
      absl::MutexLock lock(&drain_.mu);
      drain_.draining = true;
    }
    server_->GetHealthCheckService()->Shutdown();
    server_->Shutdown(std::chrono::system_clock::now() +
                      absl::ToChronoMilliseconds(grace));
    server_->Wait();
    server_.reset();
  }

 private:
  Drain drain_;
  HandlerPools handlers_;
  GenericService service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> StartServer(
    const ServerOptions& options, MethodTable* methods) {
  auto server = std::make_unique<CallbackServer>(methods, options);
  if (absl::Status started = server->Start(options); !started.ok()) {
    return started;
  }
  return server;
}

}  // namespace consentd::rpc
