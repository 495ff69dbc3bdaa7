#pragma once

#include <functional>

#include <uv.h>

namespace vigil::net {

// Runs `work` on libuv's thread pool, then `done` on the loop thread. For anything that can
// take more than ~1 ms (compression, encoding large batches, disk I/O and fsync).
// `work` must not touch loop-owned state; exceptions must not escape it.
void run_in_pool(uv_loop_t* loop, std::function<void()> work, std::function<void()> done);

// Sizes libuv's pool to the cores (at least 2). Must run before the first run_in_pool.
void configure_thread_pool();

}  // namespace vigil::net
