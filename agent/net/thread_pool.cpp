#include "agent/net/thread_pool.h"

#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

namespace vigil::net {

namespace {
struct PoolWork {
  uv_work_t req{};
  std::function<void()> work;
  std::function<void()> done;
};
}  // namespace

void run_in_pool(uv_loop_t* loop, std::function<void()> work, std::function<void()> done) {
  auto job = std::make_unique<PoolWork>();
  job->work = std::move(work);
  job->done = std::move(done);
  job->req.data = job.get();
  int rc = uv_queue_work(
      loop, &job->req, [](uv_work_t* req) { static_cast<PoolWork*>(req->data)->work(); },
      [](uv_work_t* req, int /*status*/) {
        std::unique_ptr<PoolWork> owned(static_cast<PoolWork*>(req->data));
        if (owned->done) owned->done();
      });
  if (rc == 0) {
    (void)job.release();  // owned by libuv until the after-work callback
  } else {
    // Cannot queue (loop closing): run inline rather than lose the work.
    job->work();
    if (job->done) job->done();
  }
}

void configure_thread_pool() {
  if (std::getenv("UV_THREADPOOL_SIZE") != nullptr) return;  // the operator decided
  unsigned cores = std::thread::hardware_concurrency();
  if (cores < 2) cores = 2;
  setenv("UV_THREADPOOL_SIZE", std::to_string(cores).c_str(), 0);
}

}  // namespace vigil::net
