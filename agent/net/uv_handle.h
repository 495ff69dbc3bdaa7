#pragma once

#include <memory>
#include <utility>

#include <uv.h>

namespace vigil::net {

// Owns one libuv handle of type T (uv_timer_t, uv_tcp_t, uv_poll_t, ...).
// libuv closes handles asynchronously: the memory must outlive the close callback. This owner
// hands its memory to uv_close and frees it from the close callback, so destroying the owner at
// any time is safe, and no callback of the handle runs after destruction (libuv guarantees that
// once uv_close was called). The loop must run once more afterwards to free the memory.
template <typename T>
class UvHandle {
 public:
  UvHandle() : handle_(std::make_unique<T>()) {}
  ~UvHandle() { close(); }
  UvHandle(UvHandle&& other) noexcept
      : handle_(std::move(other.handle_)), initialized_(std::exchange(other.initialized_, false)) {}
  UvHandle& operator=(UvHandle&& other) noexcept {
    if (this != &other) {
      close();
      handle_ = std::move(other.handle_);
      initialized_ = std::exchange(other.initialized_, false);
    }
    return *this;
  }
  UvHandle(const UvHandle&) = delete;
  UvHandle& operator=(const UvHandle&) = delete;

  T* get() const { return handle_.get(); }
  uv_handle_t* base() const { return reinterpret_cast<uv_handle_t*>(handle_.get()); }
  explicit operator bool() const { return handle_ != nullptr; }

  // Call once uv_*_init succeeded: from then on the handle must be closed with uv_close.
  void mark_initialized() { initialized_ = true; }
  bool initialized() const { return initialized_; }

  // Closes the handle (idempotent). Its memory is freed by libuv's close callback.
  void close() {
    if (!handle_) return;
    if (!initialized_) {
      handle_.reset();
      return;
    }
    initialized_ = false;
    T* raw = handle_.release();
    raw->data = nullptr;
    if (uv_is_closing(reinterpret_cast<uv_handle_t*>(raw))) return;  // someone else closes it
    uv_close(reinterpret_cast<uv_handle_t*>(raw), [](uv_handle_t* h) {
      std::unique_ptr<T> owned(reinterpret_cast<T*>(h));  // frees on scope exit
    });
  }

 private:
  std::unique_ptr<T> handle_;
  bool initialized_ = false;
};

}  // namespace vigil::net
