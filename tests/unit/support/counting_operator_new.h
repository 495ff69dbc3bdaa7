#pragma once

// Counts heap allocations by replacing the global operator new and delete (allocation itself is
// malloc's). The replacements are definitions: include this header in exactly ONE source file of
// a test or benchmark executable. Counting is always on; a test compares allocation_count()
// before and after the code it measures.
//
// Every form is replaced, aligned and nothrow ones included, so each allocation and its release
// meet in malloc/aligned_alloc and free (AddressSanitizer checks the pairs; some libraries use
// the nothrow form). Allocations made with malloc itself (RapidJSON's CrtAllocator) are not
// counted. noinline: inlined into callers, malloc/free would look
// mismatched to GCC's -Wmismatched-new-delete.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace vigil::testing {

// Test-only global: a replaced operator new has no other place to count.
inline std::atomic<std::uint64_t> g_allocation_count{0};

// Allocations made by this process so far (all threads).
inline std::uint64_t allocation_count() {
  return g_allocation_count.load(std::memory_order_relaxed);
}

namespace counting_detail {
[[gnu::noinline]] inline void* counted_alloc(std::size_t size, std::size_t alignment) noexcept {
  g_allocation_count.fetch_add(1, std::memory_order_relaxed);
  if (size == 0) size = 1;
  if (alignment > alignof(std::max_align_t)) {
    return std::aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment);
  }
  return std::malloc(size);
}
[[gnu::noinline]] inline void* counted_alloc_or_throw(std::size_t size, std::size_t alignment) {
  if (void* p = counted_alloc(size, alignment)) return p;
  throw std::bad_alloc();
}
}  // namespace counting_detail

}  // namespace vigil::testing

void* operator new(std::size_t size) {
  return vigil::testing::counting_detail::counted_alloc_or_throw(size, 0);
}
void* operator new[](std::size_t size) {
  return vigil::testing::counting_detail::counted_alloc_or_throw(size, 0);
}
void* operator new(std::size_t size, std::align_val_t al) {
  return vigil::testing::counting_detail::counted_alloc_or_throw(size,
                                                                 static_cast<std::size_t>(al));
}
void* operator new[](std::size_t size, std::align_val_t al) {
  return vigil::testing::counting_detail::counted_alloc_or_throw(size,
                                                                 static_cast<std::size_t>(al));
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  return vigil::testing::counting_detail::counted_alloc(size, 0);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return vigil::testing::counting_detail::counted_alloc(size, 0);
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
[[gnu::noinline]] void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
[[gnu::noinline]] void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
