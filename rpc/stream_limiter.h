// StreamLimiter: counts a server's open streams, in all, per principal and
// per connection, against StreamLimits (server.h); a stream beyond any
// bound is refused before its handler runs. StreamDeadlines: when a
// stream's waits must end, and the status it is cancelled with when one
// does.
//
//   absl::StatusOr<StreamLimiter::Slot> slot =
//       limiter.Admit(caller.principal, context.peer());
//   if (!slot.ok()) return Refuse(slot.status());  // RESOURCE_EXHAUSTED
//   ... run the stream; destroying the slot gives its place back.
//
// Thread-safety: Admit may be called from any thread; a Slot may be
// destroyed on any thread (before the limiter). StreamDeadlines is a value.
#ifndef CONSENTD_RPC_STREAM_LIMITER_H_
#define CONSENTD_RPC_STREAM_LIMITER_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include <algorithm>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "rpc/server.h"

namespace consentd::rpc {

class StreamLimiter {
 public:
  explicit StreamLimiter(const StreamLimits& limits) : limits_(limits) {}
  StreamLimiter(const StreamLimiter&) = delete;
  StreamLimiter& operator=(const StreamLimiter&) = delete;

  // An admitted stream's place in the counts, given back when destroyed.
  class Slot {
   public:
    Slot(Slot&& other) noexcept;
    Slot& operator=(Slot&& other) noexcept;
    ~Slot();

   private:
    friend class StreamLimiter;
    Slot(StreamLimiter* limiter, std::string principal, std::string connection)
        : limiter_(limiter),
          principal_(std::move(principal)),
          connection_(std::move(connection)) {}
    void Release();

    StreamLimiter* limiter_;  // null once moved from
    std::string principal_;
    std::string connection_;
  };

  // A place for a new stream of `principal` on `connection` (the peer
  // address). RESOURCE_EXHAUSTED "too many streams: ..." naming the bound
  // it would pass (the server's, the principal's or the connection's).
  absl::StatusOr<Slot> Admit(absl::string_view principal,
                             absl::string_view connection)
      ABSL_LOCKS_EXCLUDED(mu_);

  const StreamLimits& limits() const { return limits_; }
  // Streams open now.
  int open() const ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return open_;
  }

 private:
  void Release(const std::string& principal, const std::string& connection)
      ABSL_LOCKS_EXCLUDED(mu_);

  const StreamLimits limits_;
  mutable absl::Mutex mu_;
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  // Only keys with at least one stream open.
  absl::flat_hash_map<std::string, int> by_principal_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, int> by_connection_ ABSL_GUARDED_BY(mu_);
};

class StreamDeadlines {
 public:
  // What a stream's handler waits for.
  enum class Wait {
    kClientMessage,  // Read: the client's next message
    kClientTakes,    // Write, or the end: the client taking sent messages
    kServer,         // AwaitEndOrDrain: the call's end or the drain
  };

  // For a stream that starts at `start`.
  StreamDeadlines(const StreamLimits& limits, absl::Time start)
      : idle_(limits.idle_deadline),
        total_(limits.total_deadline),
        end_(start + limits.total_deadline) {}

  // When a wait of kind `wait` that begins at `now` must end: the idle
  // deadline for waits on the client, and the total deadline for every
  // wait.
  absl::Time For(Wait wait, absl::Time now) const {
    return wait == Wait::kServer ? end_ : std::min(end_, now + idle_);
  }

  // The status a stream is cancelled with when a wait of kind `wait` has
  // reached its deadline at `now`: DEADLINE_EXCEEDED, saying which
  // deadline passed.
  grpc::Status Expired(Wait wait, absl::Time now) const;

 private:
  const absl::Duration idle_;
  const absl::Duration total_;
  const absl::Time end_;
};

// Cancels the call `context` serves, from any thread: the client gets
// `status` (code and message); the server's pending operations on the call
// fail, as for a call the client cancelled.
void CancelCall(grpc::ServerContextBase& context, const grpc::Status& status);

}  // namespace consentd::rpc

#endif  // CONSENTD_RPC_STREAM_LIMITER_H_
