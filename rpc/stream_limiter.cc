#include "rpc/stream_limiter.h"

#include <grpc/grpc.h>

#include <utility>

#include "absl/strings/str_cat.h"

namespace consentd::rpc {
namespace {

absl::Status TooMany(absl::string_view what, int limit) {
  return absl::ResourceExhaustedError(
      absl::StrCat("too many streams: ", what, " has ", limit,
                   " open, the most allowed; end one or retry later"));
}

// Decrements `key`'s count, forgetting the key at zero.
void Forget(absl::flat_hash_map<std::string, int>& counts,
            const std::string& key) {
  auto it = counts.find(key);
  if (it != counts.end() && --it->second == 0) counts.erase(it);
}

}  // namespace

StreamLimiter::Slot::Slot(Slot&& other) noexcept
    : limiter_(std::exchange(other.limiter_, nullptr)),
      principal_(std::move(other.principal_)),
      connection_(std::move(other.connection_)) {}

StreamLimiter::Slot& StreamLimiter::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    Release();
    limiter_ = std::exchange(other.limiter_, nullptr);
    principal_ = std::move(other.principal_);
    connection_ = std::move(other.connection_);
  }
  return *this;
}

StreamLimiter::Slot::~Slot() { Release(); }

void StreamLimiter::Slot::Release() {
  if (limiter_ == nullptr) return;
  limiter_->Release(principal_, connection_);
  limiter_ = nullptr;
}

absl::StatusOr<StreamLimiter::Slot> StreamLimiter::Admit(
    absl::string_view principal, absl::string_view connection) {
  std::string principal_key(principal);
  std::string connection_key(connection);
  absl::MutexLock lock(&mu_);
  auto count_of = [](const absl::flat_hash_map<std::string, int>& counts,
                     const std::string& key) {
    auto it = counts.find(key);
    return it == counts.end() ? 0 : it->second;
  };
  if (open_ >= limits_.max_streams) {
    return TooMany("the server", limits_.max_streams);
  }
  if (count_of(by_principal_, principal_key) >=
      limits_.max_streams_per_principal) {
    return TooMany(principal.empty() ? std::string("the unidentified caller")
                                     : absl::StrCat("principal ", principal),
                   limits_.max_streams_per_principal);
  }
  if (count_of(by_connection_, connection_key) >=
      limits_.max_streams_per_connection) {
    return TooMany("this connection", limits_.max_streams_per_connection);
  }
  ++open_;
  ++by_principal_[principal_key];
  ++by_connection_[connection_key];
  return Slot(this, std::move(principal_key), std::move(connection_key));
}

void StreamLimiter::Release(const std::string& principal,
                            const std::string& connection) {
  absl::MutexLock lock(&mu_);
  --open_;
  Forget(by_principal_, principal);
  Forget(by_connection_, connection);
}

grpc::Status StreamDeadlines::Expired(Wait wait, absl::Time now) const {
  if (now >= end_) {
    return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                        absl::StrCat("stream open longer than its total "
                                     "deadline of ",
                                     absl::FormatDuration(total_)));
  }
  return grpc::Status(
      grpc::StatusCode::DEADLINE_EXCEEDED,
      absl::StrCat("stream idle: ",
                   wait == Wait::kClientMessage ? "no message from the client"
                                                : "the client took no message",
                   " for ", absl::FormatDuration(idle_),
                   " (the idle deadline)"));
}

void CancelCall(grpc::ServerContextBase& context, const grpc::Status& status) {
  grpc_call_cancel_with_status(
      context.c_call(), static_cast<grpc_status_code>(status.error_code()),
      status.error_message().c_str(), nullptr);
}

}  // namespace consentd::rpc
