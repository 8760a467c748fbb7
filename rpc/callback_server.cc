// StartServer for consentd::rpc_callback_server: the MethodTable served on
// gRPC's callback generic API, with gRPC's own health service and
// grpc++_reflection. It is what rpc_queue_server is measured against
// (README.md), and answers calls as that server does, but for two
// differences of the libraries it uses: reflection lists only the services
// gRPC registered itself (health and reflection), since a generic service
// names none; and a stream's messages are read and written one at a time,
// with no read-ahead or write-behind.
#include <grpc/grpc.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "rpc/handler_threads.h"
#include "rpc/listening_port.h"
#include "rpc/server.h"

namespace consentd::rpc {
namespace {

// As many as the queue server allows, so both run the same handlers alike.
constexpr int kMaxHandlerThreads = 64;

// Whether the server has begun to drain, for streams that wait for it.
struct Drain {
  absl::Mutex mu;
  bool draining ABSL_GUARDED_BY(mu) = false;
};

// A unary call: reads the request, runs the handler inline (on gRPC's
// callback thread) or on a handler thread, and sends the answer with the
// status. gRPC calls OnDone only once the call has finished, so the handler
// may answer from any thread at any time before.
class UnaryCall final : public grpc::ServerGenericBidiReactor,
                        public UnaryReply {
 public:
  UnaryCall(const MethodTable::Method* method, const Caller& caller,
            HandlerThreads* handlers)
      : method_(method), caller_(caller), handlers_(handlers) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::INTERNAL,
                          "the call ended before its request arrived"));
    } else if (method_->runs == MethodTable::Runs::kInline) {
      method_->unary(caller_, &request_, this);
    } else {
      handlers_->Run([this] { method_->unary(caller_, &request_, this); });
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
  HandlerThreads* const handlers_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
};

// A streaming call: the handler runs on a handler thread, each of its
// reads and writes one callback operation that it waits for.
class StreamCall final : public grpc::ServerGenericBidiReactor,
                         public CallStream {
 public:
  StreamCall(grpc::GenericCallbackServerContext* context,
             const MethodTable::Method* method, const Caller& caller,
             HandlerThreads* handlers, Drain* drain)
      : context_(context), method_(method), caller_(caller), drain_(drain) {
    handlers->Run([this] { RunHandler(); });
  }

  bool Read(google::protobuf::MessageLite* message) override {
    {
      absl::MutexLock lock(&mu_);
      if (reads_ended_ || unparsable_) return false;
      reading_ = true;
    }
    StartRead(&read_);
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](bool* reading) { return !*reading; }, &reading_));
      if (!read_ok_) {
        reads_ended_ = true;
        // A read ends both when the client finishes sending and when the
        // call is cancelled or broken; only gRPC's core tells which.
        read_failed_ =
            grpc_call_failed_before_recv_message(context_->c_call()) != 0;
        return false;
      }
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
      if (writes_failed_) return false;
      if (!SerializeMessage(message, &write_)) return false;
      writing_ = true;
    }
    StartWrite(&write_);
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](bool* writing) { return !*writing; }, &writing_));
    return !writes_failed_;
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    if (!ok) writes_failed_ = true;
    writing_ = false;
  }

  bool Broken() override {
    absl::MutexLock lock(&mu_);
    return unparsable_ || read_failed_;
  }

  bool AwaitEndOrDrain() override {
    absl::MutexLock lock(&drain_->mu);
    drain_->mu.Await(absl::Condition(this, &StreamCall::EndedOrDraining));
    return drain_->draining;
  }

  void OnCancel() override {
    absl::MutexLock lock(&drain_->mu);
    cancelled_ = true;
  }

  void OnDone() override { delete this; }

 private:
  void RunHandler() {
    grpc::Status status = method_->stream(caller_, *this);
    {
      absl::MutexLock lock(&mu_);
      if (unparsable_) {
        status = grpc::Status(grpc::StatusCode::INTERNAL,
                              "a stream message does not parse");
      }
    }
    Finish(status);
  }

  bool EndedOrDraining() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(drain_->mu) {
    return cancelled_ || drain_->draining;
  }

  grpc::GenericCallbackServerContext* const context_;
  const MethodTable::Method* const method_;
  const Caller caller_;
  Drain* const drain_;

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
  GenericService(const MethodTable* methods, HandlerThreads* handlers,
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
    return new StreamCall(context, method, *caller, handlers_, drain_);
  }

  const MethodTable& methods() const { return *methods_; }

 private:
  const MethodTable* const methods_;
  HandlerThreads* const handlers_;
  Drain* const drain_;
};

class CallbackServer final : public Server {
 public:
  explicit CallbackServer(const MethodTable* methods)
      : handlers_(kMaxHandlerThreads), service_(methods, &handlers_, &drain_) {}

  ~CallbackServer() override { Shutdown(absl::ZeroDuration()); }

  absl::Status Start(const ServerOptions& options) {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
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
  HandlerThreads handlers_;
  GenericService service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> StartServer(
    const ServerOptions& options, MethodTable* methods) {
  auto server = std::make_unique<CallbackServer>(methods);
  if (absl::Status started = server->Start(options); !started.ok()) {
    return started;
  }
  return server;
}

}  // namespace consentd::rpc
