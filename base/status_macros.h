// RETURN_IF_ERROR / ASSIGN_OR_RETURN: early return on a non-OK absl::Status.
// Abseil 20220623 has no status_macros.h of its own; this is the one place
// the pattern is written.
#ifndef CONSENTD_BASE_STATUS_MACROS_H_
#define CONSENTD_BASE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define CONSENTD_CONCAT_INNER_(a, b) a##b
#define CONSENTD_CONCAT_(a, b) CONSENTD_CONCAT_INNER_(a, b)

// Evaluates `expr` (an absl::Status) and returns it from the calling function
// when it is not OK.
#define RETURN_IF_ERROR(expr)                                           \
  do {                                                                  \
    if (::absl::Status status_ = (expr); !status_.ok()) return status_; \
  } while (false)

// Evaluates `rexpr` (an absl::StatusOr<T>); returns its status when not OK,
// otherwise moves the value into `lhs` (a declaration or an lvalue).
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  ASSIGN_OR_RETURN_IMPL_(CONSENTD_CONCAT_(statusor_, __LINE__), lhs, rexpr)

#define ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr)       \
  auto statusor = (rexpr);                                 \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = *std::move(statusor)

#endif  // CONSENTD_BASE_STATUS_MACROS_H_
