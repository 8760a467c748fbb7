// ServerCall: one call on the CompletionQueues, from being asked for to its
// last completion; it deletes itself after that.
//
// A unary call reads its request, runs its handler (inline or on its
// handler pool, answering RESOURCE_EXHAUSTED at once when the pool is full)
// and sends the answer with the status in one operation. A streaming call,
// once the stream limiter admits it, runs its handler on a stream thread
// and is its CallStream: the queue's thread keeps a few messages read ahead
// and sends written ones behind the handler, one operation of each kind in
// flight, so a stream's messages do not each wait for a thread hand-off.
// The handler's waits end at the stream's deadlines (StreamDeadlines),
// which cancel the call.
//
// Thread-safety: gRPC operations may be started from any thread; the
// stream's buffers are guarded by the call's mutex.
#ifndef CONSENTD_RPC_SERVER_CALL_H_
#define CONSENTD_RPC_SERVER_CALL_H_

#include <grpcpp/generic/async_generic_service.h>

#include <atomic>
#include <deque>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "rpc/completion_queues.h"
#include "rpc/method_table.h"
#include "rpc/stream_limiter.h"

namespace consentd::rpc {

class ServerCall final : public UnaryReply, public CallStream {
 public:
  // Asks gRPC for the next call of any method, on `cq` (one of `queue`'s).
  static void Accept(CompletionQueues* queue, grpc::ServerCompletionQueue* cq);

  void Send(const grpc::Status& status,
            const google::protobuf::MessageLite* response) override;

  bool Read(google::protobuf::MessageLite* message) override;
  bool Write(const google::protobuf::MessageLite& message) override;
  bool Broken() override;
  bool AwaitEndOrDrain() override;

  // The server drains: AwaitEndOrDrain returns.
  void WakeForDrain();

 private:
  // One kind of operation's tag: its completion calls `Done` on the call.
  template <void (ServerCall::*Done)(bool ok)>
  class Step final : public QueueEvent {
   public:
    explicit Step(ServerCall* call) : call_(call) {}
    void OnEvent(bool ok) override { (call_->*Done)(ok); }

   private:
    ServerCall* const call_;
  };

  // A streaming call's side of things, allocated only for one.
  struct StreamState;

  ServerCall(CompletionQueues* queue, grpc::ServerCompletionQueue* cq);
  ~ServerCall();

  void OnAccepted(bool ok);
  void OnRead(bool ok);
  void OnWritten(bool ok);
  void OnFinished(bool ok);
  void OnCallDone(bool ok);

  void StartStream(const Caller& caller);
  void RunStream();
  void ReadNext() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The stream's deadline for a wait of `wait` that begins now.
  absl::Time DeadlineFor(StreamDeadlines::Wait wait)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Marks the stream expired after a wait of `wait` reached its deadline;
  // the status to cancel the call with (CancelCall, once mu_ is released),
  // or OK when it had already expired.
  grpc::Status MarkExpired(StreamDeadlines::Wait wait)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Unref();

  CompletionQueues* const queue_;
  grpc::ServerCompletionQueue* const cq_;  // where its events complete
  grpc::GenericServerContext context_;
  Caller caller_;  // set once admitted
  grpc::GenericServerAsyncReaderWriter stream_;
  const MethodTable::Method* method_ = nullptr;
  // One for each operation in flight, the end-of-call notice, a handler
  // not yet finished, and a unary call not yet answered.
  std::atomic<int> refs_{0};
  Step<&ServerCall::OnAccepted> accepted_{this};
  Step<&ServerCall::OnRead> read_{this};
  Step<&ServerCall::OnWritten> written_{this};
  Step<&ServerCall::OnFinished> finished_{this};
  Step<&ServerCall::OnCallDone> call_done_{this};
  grpc::ByteBuffer reading_;  // filled by the read in flight
  grpc::ByteBuffer writing_;  // held by the write in flight

  absl::Mutex mu_;
  std::unique_ptr<StreamState> stream_state_ ABSL_GUARDED_BY(mu_);
};

}  // namespace consentd::rpc

#endif  // CONSENTD_RPC_SERVER_CALL_H_
