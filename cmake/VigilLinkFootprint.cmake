# How the vigil binary is linked to keep its idle memory small (tests/bench/idle_footprint.sh):
# - libstdc++ and libgcc from their archives (the C libraries, libprotobuf, toml++ and fmt are
#   compiled or linked in already: cmake/VigilDependencies.cmake). The shared libstdc++ alone
#   kept 1.6 MiB mapped at idle; nothing vigil links or loads (libcurl, libcrypto) needs it.
# - lld 16 (Debian lld-16) places the functions that run at start and at idle together, in
#   agent/link_order.txt's order (tests/bench/link_order.sh writes it). The kernel maps file pages
#   64 KiB around each one touched, so code run at idle but spread over the whole text kept
#   nearly all of it mapped.
# - Packed relative relocations (DT_RELR, glibc >= 2.36): the loader reads 1 KiB of them at start
#   instead of 160 KiB of .rela.dyn.
# Sanitizer and fuzzing builds link as usual.
include(CheckCXXSourceCompiles)
option(VIGIL_LINK_ORDER "Link vigil with lld 16 in agent/link_order.txt's function order" ON)

function(vigil_link_for_small_footprint target)
  if(VIGIL_SANITIZE OR VIGIL_FUZZ)
    return()
  endif()
  set(order_file ${CMAKE_SOURCE_DIR}/agent/link_order.txt)
  set(options)
  if(VIGIL_LINK_ORDER)
    find_program(VIGIL_LLD ld.lld PATHS /usr/lib/llvm-16/bin NO_DEFAULT_PATH)
    if(VIGIL_LLD)
      get_filename_component(lld_dir ${VIGIL_LLD} DIRECTORY)
      set(order_options -B${lld_dir} -fuse-ld=lld -Wl,--symbol-ordering-file=${order_file}
                        -Wl,--no-warn-symbol-ordering)
      set(CMAKE_REQUIRED_LINK_OPTIONS ${order_options})
      check_cxx_source_compiles("int main() { return 0; }" VIGIL_LLD_LINKS)
      unset(CMAKE_REQUIRED_LINK_OPTIONS)
    endif()
    if(VIGIL_LLD_LINKS)
      list(APPEND options ${order_options})
      set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${order_file})
    else()
      message(WARNING "vigil: lld 16 not found (Debian package lld-16): vigil is linked without "
                      "agent/link_order.txt and maps about 2 MiB more at idle")
    endif()
  endif()
  set(CMAKE_REQUIRED_LINK_OPTIONS ${options} -Wl,--fatal-warnings -Wl,-z,pack-relative-relocs)
  check_cxx_source_compiles("int main() { return 0; }" VIGIL_LINKER_HAS_RELR)
  unset(CMAKE_REQUIRED_LINK_OPTIONS)
  if(VIGIL_LINKER_HAS_RELR)
    list(APPEND options -Wl,-z,pack-relative-relocs)
  endif()
  list(APPEND options -static-libstdc++ -static-libgcc)
  target_link_options(${target} PRIVATE ${options})
endfunction()
