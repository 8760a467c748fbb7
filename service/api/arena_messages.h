// ArenaMessages: a gRPC MessageAllocator that places a callback method's
// request and response on one protobuf arena per call. Parsing the request
// and building the answer then cost arena bumps (the first 4 KiB inside
// the holder itself) instead of a heap allocation per message and string,
// and the whole call is freed at once when gRPC releases it.
//
// Thread-safety: AllocateMessages may be called from any thread; each
// holder belongs to one call.
#ifndef CONSENTD_SERVICE_API_ARENA_MESSAGES_H_
#define CONSENTD_SERVICE_API_ARENA_MESSAGES_H_

#include <google/protobuf/arena.h>
#include <grpcpp/support/message_allocator.h>

#include <cstddef>

namespace consentd::api {

template <typename Request, typename Response>
class ArenaMessages final : public grpc::MessageAllocator<Request, Response> {
 public:
  grpc::MessageHolder<Request, Response>* AllocateMessages() override {
    return new Holder();
  }

 private:
  // Room for a unary Check's request and answer without another block.
  static constexpr size_t kInitialBlockBytes = 4096;

  class Holder final : public grpc::MessageHolder<Request, Response> {
   public:
    Holder() : arena_(initial_block_, sizeof(initial_block_)) {
      this->set_request(
          google::protobuf::Arena::CreateMessage<Request>(&arena_));
      this->set_response(
          google::protobuf::Arena::CreateMessage<Response>(&arena_));
    }
    void Release() override { delete this; }

   private:
    // Declared before the arena, which starts in it.
    alignas(std::max_align_t) char initial_block_[kInitialBlockBytes];
    google::protobuf::Arena arena_;
  };
};

}  // namespace consentd::api

#endif  // CONSENTD_SERVICE_API_ARENA_MESSAGES_H_
