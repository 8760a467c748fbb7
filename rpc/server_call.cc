#include "rpc/server_call.h"

#include <grpc/grpc.h>

#include <optional>
#include <utility>

#include "absl/time/clock.h"

namespace consentd::rpc {
namespace {

// Messages a stream keeps read ahead of its handler, and written behind it.
// Enough that neither side waits for a thread hand-off per message; few
// enough that a stream holds no more than a few messages (each at most the
// server's message bound) in memory.
constexpr size_t kReadAhead = 8;
constexpr size_t kWriteBehind = 8;

}  // namespace

// Guarded by the call's mutex.
struct ServerCall::StreamState {
  StreamState(StreamLimiter::Slot admitted, const StreamLimits& limits)
      : slot(std::move(admitted)), deadlines(limits, absl::Now()) {}

  enum class Reads {
    kInFlight,
    kPaused,  // the read-ahead is full
    kEnded,
  };
  Reads reads = Reads::kPaused;
  std::deque<grpc::ByteBuffer> inbox;
  std::deque<grpc::ByteBuffer> outbox;
  bool write_in_flight = false;
  bool writes_failed = false;
  bool read_failed = false;
  bool unparsable = false;
  bool call_done = false;
  bool draining = false;
  // The stream's place in the limits, given back when the handler returns.
  std::optional<StreamLimiter::Slot> slot;
  const StreamDeadlines deadlines;
  bool expired = false;  // a wait reached its deadline; the call is cancelled
};

void ServerCall::Accept(CompletionQueues* queue,
                        grpc::ServerCompletionQueue* cq) {
  auto* call = new ServerCall(queue, cq);
  queue->service()->RequestCall(&call->context_, &call->stream_, cq, cq,
                                &call->accepted_);
}

ServerCall::ServerCall(CompletionQueues* queue, grpc::ServerCompletionQueue* cq)
    : queue_(queue), cq_(cq), stream_(&context_) {
  queue_->CallStarted();
  context_.AsyncNotifyWhenDone(&call_done_);
}

ServerCall::~ServerCall() = default;

void ServerCall::Unref() {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    CompletionQueues* queue = queue_;
    delete this;
    queue->CallEnded();
  }
}

void ServerCall::OnAccepted(bool ok) {
  if (!ok) {  // the server is shutting down; no end-of-call notice follows
    CompletionQueues* queue = queue_;
    delete this;
    queue->CallEnded();
    return;
  }
  Accept(queue_, cq_);
  refs_.store(1, std::memory_order_relaxed);  // the end-of-call notice
  method_ = queue_->methods().Find(context_.method());
  absl::StatusOr<Caller> caller =
      queue_->methods().Admit(context_.method(), context_);
  if (!caller.ok()) {
    Ref();
    stream_.Finish(ToGrpcStatus(caller.status()), &finished_);
  } else if (method_ == nullptr) {
    Ref();
    stream_.Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                "method not served by this server"),
                   &finished_);
  } else if (method_->unary) {
    caller_ = *caller;
    Ref();  // held on past the read until the answer is sent
    stream_.Read(&reading_, &read_);
  } else {
    StartStream(*caller);
  }
}

void ServerCall::StartStream(const Caller& caller) {
  absl::StatusOr<StreamLimiter::Slot> slot =
      queue_->handlers().AdmitStream(caller, context_.peer());
  if (!slot.ok()) {
    Ref();
    stream_.Finish(ToGrpcStatus(slot.status()), &finished_);
    return;
  }
  caller_ = caller;
  {
    absl::MutexLock lock(&mu_);
    stream_state_ = std::make_unique<StreamState>(
        *std::move(slot), queue_->handlers().stream_limits());
  }
  Ref();  // the handler
  queue_->handlers().RunStream([this] { RunStream(); });
}

void ServerCall::OnRead(bool ok) {
  if (method_->unary) {
    if (!ok) {
      Send(grpc::Status(grpc::StatusCode::INTERNAL,
                        "the call ended before its request arrived"),
           nullptr);
    } else if (method_->runs == MethodTable::Runs::kInline) {
      method_->unary(caller_, &reading_, this);
    } else if (absl::Status queued = queue_->handlers().RunUnary(
                   *method_,
                   [this] { method_->unary(caller_, &reading_, this); });
               !queued.ok()) {
      reading_.Clear();  // not kept while the answer goes out
      Send(ToGrpcStatus(queued), nullptr);
    }
    return;
  }
  bool read_again = false;
  {
    absl::MutexLock lock(&mu_);
    StreamState& s = *stream_state_;
    if (ok) {
      s.inbox.emplace_back();
      s.inbox.back().Swap(&reading_);
      read_again = s.inbox.size() < kReadAhead;
      s.reads = read_again ? StreamState::Reads::kInFlight
                           : StreamState::Reads::kPaused;
      if (read_again) stream_.Read(&reading_, &read_);
    } else {
      // A read ends both when the client finishes sending and when the
      // call is cancelled, past its deadline or broken; only gRPC's core
      // tells which. (The end-of-call notice can come later than this.)
      s.reads = StreamState::Reads::kEnded;
      s.read_failed =
          grpc_call_failed_before_recv_message(context_.c_call()) != 0;
    }
  }
  if (!read_again) Unref();
}

void ServerCall::OnWritten(bool ok) {
  bool write_again = false;
  {
    absl::MutexLock lock(&mu_);
    StreamState& s = *stream_state_;
    if (!ok) {
      s.writes_failed = true;
      s.outbox.clear();
    } else if (!s.outbox.empty()) {
      writing_.Swap(&s.outbox.front());
      s.outbox.pop_front();
      stream_.Write(writing_, &written_);
      write_again = true;
    }
    s.write_in_flight = write_again;
  }
  if (!write_again) Unref();
}

void ServerCall::OnFinished(bool) { Unref(); }

void ServerCall::OnCallDone(bool) {
  {
    absl::MutexLock lock(&mu_);
    if (stream_state_ != nullptr) stream_state_->call_done = true;
  }
  Unref();
}

void ServerCall::Send(const grpc::Status& status,
                      const google::protobuf::MessageLite* response) {
  Ref();  // the finishing operation
  if (!status.ok() || response == nullptr) {
    stream_.Finish(status, &finished_);
  } else if (SerializeMessage(*response, &writing_)) {
    stream_.WriteAndFinish(writing_, grpc::WriteOptions(), status, &finished_);
  } else {
    stream_.Finish(grpc::Status(grpc::StatusCode::INTERNAL,
                                "the response could not be serialized"),
                   &finished_);
  }
  Unref();  // the answer owed
}

void ServerCall::ReadNext() {
  stream_state_->reads = StreamState::Reads::kInFlight;
  Ref();
  stream_.Read(&reading_, &read_);
}

absl::Time ServerCall::DeadlineFor(StreamDeadlines::Wait wait) {
  return stream_state_->deadlines.For(wait, absl::Now());
}

grpc::Status ServerCall::MarkExpired(StreamDeadlines::Wait wait) {
  StreamState& s = *stream_state_;
  if (s.expired) return grpc::Status::OK;
  s.expired = true;
  return s.deadlines.Expired(wait, absl::Now());
}

void ServerCall::RunStream() {
  {
    absl::MutexLock lock(&mu_);
    ReadNext();
  }
  grpc::Status status = method_->stream(caller_, *this);
  grpc::Status expiry;
  {
    absl::MutexLock lock(&mu_);
    StreamState& s = *stream_state_;
    // Given back before the client can hear the end, so that it may open
    // another stream as soon as it has.
    s.slot.reset();
    auto all_sent = [&s] { return !s.write_in_flight; };
    if (!mu_.AwaitWithDeadline(
            absl::Condition(&all_sent),
            DeadlineFor(StreamDeadlines::Wait::kClientTakes))) {
      expiry = MarkExpired(StreamDeadlines::Wait::kClientTakes);
    }
  }
  if (!expiry.ok()) CancelCall(context_, expiry);
  {
    absl::MutexLock lock(&mu_);
    StreamState& s = *stream_state_;
    auto all_sent = [&s] { return !s.write_in_flight; };
    mu_.Await(absl::Condition(&all_sent));  // a cancelled call's write fails
    if (s.unparsable) {
      status = grpc::Status(grpc::StatusCode::INTERNAL,
                            "a stream message does not parse");
    }
    Ref();
    stream_.Finish(status, &finished_);
  }
  Unref();  // the handler
}

bool ServerCall::Read(google::protobuf::MessageLite* message) {
  grpc::ByteBuffer bytes;
  grpc::Status expiry;
  {
    absl::MutexLock lock(&mu_);
    StreamState& s = *stream_state_;
    auto readable = [&s] {
      return s.expired || s.unparsable || !s.inbox.empty() ||
             s.reads == StreamState::Reads::kEnded;
    };
    if (!mu_.AwaitWithDeadline(
            absl::Condition(&readable),
            DeadlineFor(StreamDeadlines::Wait::kClientMessage))) {
      expiry = MarkExpired(StreamDeadlines::Wait::kClientMessage);
    } else if (s.expired || s.unparsable || s.inbox.empty()) {
      return false;
    } else {
      bytes.Swap(&s.inbox.front());
      s.inbox.pop_front();
      if (s.reads == StreamState::Reads::kPaused) ReadNext();
    }
  }
  if (!expiry.ok()) {
    CancelCall(context_, expiry);
    return false;
  }
  if (ParseMessage(&bytes, message)) return true;
  absl::MutexLock lock(&mu_);
  stream_state_->unparsable = true;
  return false;
}

bool ServerCall::Write(const google::protobuf::MessageLite& message) {
  grpc::ByteBuffer bytes;
  if (!SerializeMessage(message, &bytes)) return false;
  grpc::Status expiry;
  {
    absl::MutexLock lock(&mu_);
    StreamState& s = *stream_state_;
    auto room = [&s] {
      return s.expired || s.writes_failed || s.outbox.size() < kWriteBehind;
    };
    if (!mu_.AwaitWithDeadline(
            absl::Condition(&room),
            DeadlineFor(StreamDeadlines::Wait::kClientTakes))) {
      expiry = MarkExpired(StreamDeadlines::Wait::kClientTakes);
    } else if (s.expired || s.writes_failed) {
      return false;
    } else if (s.write_in_flight) {
      s.outbox.emplace_back();
      s.outbox.back().Swap(&bytes);
      return true;
    } else {
      s.write_in_flight = true;
      writing_.Swap(&bytes);
      Ref();
      stream_.Write(writing_, &written_);
      return true;
    }
  }
  CancelCall(context_, expiry);
  return false;
}

bool ServerCall::Broken() {
  absl::MutexLock lock(&mu_);
  const StreamState& s = *stream_state_;
  return s.unparsable || s.read_failed || s.expired;
}

bool ServerCall::AwaitEndOrDrain() {
  if (queue_->WatchDrain(this)) return true;
  bool draining;
  grpc::Status expiry;
  {
    absl::MutexLock lock(&mu_);
    StreamState& s = *stream_state_;
    auto ended = [&s] { return s.call_done || s.draining || s.expired; };
    if (!mu_.AwaitWithDeadline(absl::Condition(&ended),
                               DeadlineFor(StreamDeadlines::Wait::kServer))) {
      expiry = MarkExpired(StreamDeadlines::Wait::kServer);
    }
    draining = s.draining;
  }
  if (!expiry.ok()) CancelCall(context_, expiry);
  queue_->UnwatchDrain(this);
  return draining;
}

void ServerCall::WakeForDrain() {
  absl::MutexLock lock(&mu_);
  stream_state_->draining = true;
}

}  // namespace consentd::rpc
