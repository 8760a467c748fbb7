#include "rpc/handler_pools.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace consentd::rpc {
namespace {

absl::Status Busy(absl::string_view kind, const HandlerThreads& pool) {
  return absl::ResourceExhaustedError(
      absl::StrCat("server busy: the ", pool.max_threads(), " threads and ",
                   pool.max_queued(), " queue places for ", kind,
                   " calls are all taken; retry later"));
}

}  // namespace

HandlerPools::HandlerPools(const ServerOptions& options)
    : streams_(options.streams),
      unary_(options.unary.max_threads, options.unary.max_queued,
             options.unary.reserved_for_urgent),
      deferred_(options.deferred.max_threads, options.deferred.max_queued,
                options.deferred.reserved_for_urgent),
      // The limiter bounds the streams, so a thread is always there for an
      // admitted one (at most the moment a finished stream's thread takes
      // to go idle).
      stream_threads_(options.streams.max_streams) {}

absl::Status HandlerPools::RunUnary(const MethodTable::Method& method,
                                    absl::AnyInvocable<void() &&> work) {
  const bool urgent = method.priority == MethodTable::Priority::kUrgent;
  if (method.pool == MethodTable::Pool::kDeferred) {
    if (deferred_.Run(std::move(work), urgent)) return absl::OkStatus();
    return Busy("deferred", deferred_);
  }
  if (unary_.Run(std::move(work), urgent)) return absl::OkStatus();
  return Busy("handler-thread", unary_);
}

ServerLoad HandlerPools::load() const {
  ServerLoad load;
  load.unary = {unary_.running(), unary_.queued()};
  load.deferred = {deferred_.running(), deferred_.queued()};
  load.open_streams = streams_.open();
  return load;
}

void HandlerPools::RunStream(absl::AnyInvocable<void() &&> work) {
  stream_threads_.Run(std::move(work));
}

}  // namespace consentd::rpc
