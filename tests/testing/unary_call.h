// CallUnary: one unary call by method name with the raw request bytes
// given (gRPC's generic stub), for tests that probe a server the way any
// client could: by path, with any payload and any authorization header.
#ifndef CONSENTD_TESTS_TESTING_UNARY_CALL_H_
#define CONSENTD_TESTS_TESTING_UNARY_CALL_H_

#include <grpcpp/channel.h>
#include <grpcpp/generic/generic_stub.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace consentd::testing {

// Calls `method` ("/package.Service/Method") with `payload` as the request
// and, when not empty, `authorization` as that header; the status the call
// ends with. The call's deadline is 30 s; the test fails if gRPC has not
// ended it 30 s after that.
inline grpc::Status CallUnary(const std::shared_ptr<grpc::Channel>& channel,
                              const std::string& method,
                              const std::string& payload = "",
                              const std::string& authorization = "") {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(30));
  if (!authorization.empty()) {
    context.AddMetadata("authorization", authorization);
  }
  grpc::Slice slice(payload);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  absl::Notification done;
  grpc::Status status;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  EXPECT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(60)));
  return status;
}

}  // namespace consentd::testing

#endif  // CONSENTD_TESTS_TESTING_UNARY_CALL_H_
