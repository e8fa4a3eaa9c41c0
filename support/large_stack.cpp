// run_with_stack: a pthread with an explicit stack size, joined at once.
#include "support/large_stack.h"

#include <pthread.h>

#include <cstring>
#include <string>

namespace vic {
namespace {

void* run_work(void* work) {
  (*static_cast<const std::function<void()>*>(work))();
  return nullptr;
}

}  // namespace

Status run_with_stack(size_t stack_bytes, const std::function<void()>& work) {
  pthread_attr_t attributes;
  if (int rc = pthread_attr_init(&attributes); rc != 0) {
    return Error{std::string("cannot start a compiler thread: ") + std::strerror(rc)};
  }
  int rc = pthread_attr_setstacksize(&attributes, stack_bytes);
  pthread_t thread;
  if (rc == 0) rc = pthread_create(&thread, &attributes, run_work, const_cast<std::function<void()>*>(&work));
  pthread_attr_destroy(&attributes);
  if (rc != 0) {
    return Error{"cannot start a compiler thread with a " + std::to_string(stack_bytes >> 20) +
                 " MiB stack: " + std::strerror(rc)};
  }
  pthread_join(thread, nullptr);
  return Status::ok();
}

}  // namespace vic
