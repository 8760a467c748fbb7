// HandlerPools: a server's handler threads, one bounded HandlerThreads for
// each pool of MethodTable::Pool, and the limiter its streams are admitted
// by; both servers hold one, so they bound work alike. Unary handlers on
// handler threads, deferred handlers (writes) and streams never share
// threads: idle streams by the hundred or a flood of batches leave a write its
// own threads and queue room.
//
// Thread-safety: every method may be called from any thread.
#ifndef CONSENTD_RPC_HANDLER_POOLS_H_
#define CONSENTD_RPC_HANDLER_POOLS_H_

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rpc/handler_threads.h"
#include "rpc/method_table.h"
#include "rpc/server.h"
#include "rpc/stream_limiter.h"

namespace consentd::rpc {

class HandlerPools {
 public:
  // Sized by `options`' PoolLimits and StreamLimits.
  explicit HandlerPools(const ServerOptions& options);
  // Runs the work already queued, then joins every pool's threads.
  ~HandlerPools() = default;
  HandlerPools(const HandlerPools&) = delete;
  HandlerPools& operator=(const HandlerPools&) = delete;

  // Runs `work`, the handler of a unary call to `method` (Pool kUnary or
  // kDeferred), on its pool. RESOURCE_EXHAUSTED "server busy: ..." when
  // that pool is full: `work` is then destroyed without running, and the
  // caller answers the call with the status at once.
  absl::Status RunUnary(const MethodTable::Method& method,
                        absl::AnyInvocable<void() &&> work);

  // A place for a new stream of `caller` on the connection from
  // `peer_address`, or RESOURCE_EXHAUSTED (StreamLimiter::Admit).
  absl::StatusOr<StreamLimiter::Slot> AdmitStream(
      const Caller& caller, absl::string_view peer_address) {
    return streams_.Admit(caller.principal, peer_address);
  }
  // Runs an admitted stream's handler on a stream thread; there is one for
  // every stream the limiter admits.
  void RunStream(absl::AnyInvocable<void() &&> work);

  const StreamLimits& stream_limits() const { return streams_.limits(); }

  // The pools' work and the streams open now.
  ServerLoad load() const;

 private:
  // Declared first, so destroyed last: stream handlers give their slots
  // back as the pools below join them.
  StreamLimiter streams_;
  HandlerThreads unary_;
  HandlerThreads deferred_;
  HandlerThreads stream_threads_;
};

}  // namespace consentd::rpc

#endif  // CONSENTD_RPC_HANDLER_POOLS_H_
