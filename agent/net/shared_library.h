#pragma once

#include <dlfcn.h>

#include <string>

namespace vigil::net {

// Resolves `name` from a dlopen()ed library into `out`, or appends the name to `missing`
// ("a, b, c") so that one error can list every function a library lacks.
template <typename Fn>
bool resolve_symbol(void* handle, const char* name, Fn& out, std::string& missing) {
  void* symbol = dlsym(handle, name);
  if (symbol == nullptr) {
    if (!missing.empty()) missing += ", ";
    missing += name;
    return false;
  }
  out = reinterpret_cast<Fn>(symbol);
  return true;
}

}  // namespace vigil::net
