// fmt's formatting core, compiled into vigil once rather than taken from Debian's libfmt.so: that
// library needs the shared libstdc++, which vigil links statically to keep its idle memory small
// (cmake/VigilDependencies.cmake). format-inl.h defines what format.h declares for the library;
// format.h declares these two templates extern, so they are instantiated here, for char only.
#include <fmt/format-inl.h>

namespace fmt::detail {
template auto thousands_sep_impl<char>(locale_ref) -> thousands_sep_result<char>;
template auto decimal_point_impl<char>(locale_ref) -> char;
}  // namespace fmt::detail
