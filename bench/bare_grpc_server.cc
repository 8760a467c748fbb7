// bare_grpc_server: the fastest unary gRPC server this gRPC can make, with
// nothing behind it, for bench/run's latency rows. One thread drains one
// completion queue of gRPC's async API and answers every call at once with
// the health check's SERVING, so a call costs one thread wake-up on the
// server, as a Check on consentd pinned to one core does (consentd serves
// on the same API, with its work behind each call). Its p99 at a fixed
// rate is the floor under any gRPC server on this machine at that moment.
//
//   bare_grpc_server --ready-file PATH
//
// It listens on a free loopback port, writes its address to the ready file
// and runs until killed.
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "CLI/CLI.hpp"

namespace {

// One call, from being asked for to its answer; also its completion-queue
// tag (each step has one operation in flight at a time).
struct Call {
  enum class Step { kAccepted, kRead, kAnswered };
  Step step = Step::kAccepted;
  grpc::GenericServerContext context;
  grpc::GenericServerAsyncReaderWriter stream{&context};
  grpc::ByteBuffer request;
};

// HealthCheckResponse{status: SERVING}: field 1, varint 1.
const grpc::ByteBuffer& ServingAnswer() {
  static const auto* answer = [] {
    static const char bytes[] = {0x08, 0x01};
    grpc::Slice slice(bytes, sizeof(bytes));
    return new grpc::ByteBuffer(&slice, 1);
  }();
  return *answer;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"A gRPC server with nothing behind it"};
  std::string ready_file;
  app.add_option("--ready-file", ready_file)->required();
  CLI11_PARSE(app, argc, argv);

  grpc::AsyncGenericService service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterAsyncGenericService(&service);
  std::unique_ptr<grpc::ServerCompletionQueue> queue =
      builder.AddCompletionQueue();
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "bare_grpc_server: cannot listen on loopback\n";
    return 1;
  }
  std::ofstream(ready_file) << "127.0.0.1:" << port << "\n";

  auto accept = [&] {
    auto* call = new Call();
    service.RequestCall(&call->context, &call->stream, queue.get(), queue.get(),
                        call);
  };
  // Enough calls asked for that a burst from bench/run's 16 connections
  // never waits for the next one to be asked for.
  for (int i = 0; i < 64; ++i) accept();
  void* tag = nullptr;
  bool ok = false;
  while (queue->Next(&tag, &ok)) {
    auto* call = static_cast<Call*>(tag);
    switch (call->step) {
      case Call::Step::kAccepted:
        if (!ok) {  // shutting down
          delete call;
          break;
        }
        accept();
        call->step = Call::Step::kRead;
        call->stream.Read(&call->request, call);
        break;
      case Call::Step::kRead:
        call->step = Call::Step::kAnswered;
        if (ok) {
          call->stream.WriteAndFinish(ServingAnswer(), grpc::WriteOptions(),
                                      grpc::Status::OK, call);
        } else {
          call->stream.Finish(
              grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request"),
              call);
        }
        break;
      case Call::Step::kAnswered:
        delete call;
        break;
    }
  }
  return 0;
}
