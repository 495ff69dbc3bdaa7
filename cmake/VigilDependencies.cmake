# Finds the Debian 12 system packages vigil builds against. A missing one stops configure with
# the name of the Debian package that provides it (packaging/install-deps.sh installs them all).
include(FindPkgConfig)

function(vigil_missing what package)
  message(FATAL_ERROR "vigil: ${what} not found. Install the Debian package '${package}' "
                      "(or run packaging/install-deps.sh).")
endfunction()

find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
  vigil_missing("pkg-config" "pkg-config")
endif()

macro(vigil_pkg target module package)
  pkg_check_modules(${target} QUIET IMPORTED_TARGET ${module})
  if(NOT ${target}_FOUND)
    vigil_missing("${module} (pkg-config)" "${package}")
  endif()
endmacro()

vigil_pkg(LIBUV libuv libuv1-dev)
vigil_pkg(ZSTD libzstd libzstd-dev)
vigil_pkg(CURL libcurl libcurl4-openssl-dev)
vigil_pkg(TOMLPP tomlplusplus libtomlplusplus-dev)
vigil_pkg(NGHTTP2 libnghttp2 libnghttp2-dev)
vigil_pkg(ZLIB_PC zlib zlib1g-dev)
vigil_pkg(SNAPPY snappy libsnappy-dev)
vigil_pkg(OPENSSL openssl libssl-dev)
vigil_pkg(FMT fmt libfmt-dev)
# toml++ in its "one implementation file" mode: agent/config/toml_implementation.cpp compiles the
# parser; the Debian package's shared library is not linked (it needs the shared libstdc++).
add_library(vigil_tomlpp INTERFACE)
target_include_directories(vigil_tomlpp INTERFACE ${TOMLPP_INCLUDE_DIRS})
target_compile_definitions(vigil_tomlpp INTERFACE TOML_HEADER_ONLY=0 TOML_SHARED_LIB=0)
# fmt likewise: agent/telemetry/fmt_implementation.cpp compiles its core, libfmt.so is not linked.
add_library(vigil_fmt INTERFACE)
target_include_directories(vigil_fmt INTERFACE ${FMT_INCLUDE_DIRS})
# RapidJSON is header-only (no library, no shared libstdc++ pulled in); its headers are found in
# the default include path.
find_path(RAPIDJSON_INCLUDE_DIR rapidjson/reader.h)
if(NOT RAPIDJSON_INCLUDE_DIR)
  vigil_missing("RapidJSON (rapidjson/reader.h)" "rapidjson-dev")
endif()
vigil_pkg(PCRE2 libpcre2-8 libpcre2-dev)
vigil_pkg(EXPAT expat libexpat1-dev)  # STS answers (agent/aws)

# The C libraries are linked from their archives when Debian ships them (it does for all of
# these): only the code vigil calls is linked in, lld places what runs at idle together
# (agent/link_order.txt), and no shared object adds its own relocations and pages. A missing
# archive falls back to the shared library.
macro(vigil_archive target pkg_target)
  find_library(${target}_ARCHIVE NAMES ${ARGN})
  add_library(${target} INTERFACE)
  target_include_directories(${target} INTERFACE
                             $<TARGET_PROPERTY:${pkg_target},INTERFACE_INCLUDE_DIRECTORIES>)
  if(${target}_ARCHIVE)
    target_link_libraries(${target} INTERFACE ${${target}_ARCHIVE} Threads::Threads)
  else()
    target_link_libraries(${target} INTERFACE ${pkg_target})
  endif()
endmacro()
set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
vigil_archive(vigil_libuv PkgConfig::LIBUV libuv_a.a libuv.a)
vigil_archive(vigil_zstd PkgConfig::ZSTD libzstd.a)
vigil_archive(vigil_zlib PkgConfig::ZLIB_PC libz.a)
vigil_archive(vigil_snappy PkgConfig::SNAPPY libsnappy.a)
vigil_archive(vigil_nghttp2 PkgConfig::NGHTTP2 libnghttp2.a)
vigil_archive(vigil_pcre2 PkgConfig::PCRE2 libpcre2-8.a)
vigil_archive(vigil_expat PkgConfig::EXPAT libexpat.a)

# Linked statically: libprotobuf.so costs about 2 MiB of resident memory in every process just
# for its dynamic symbols and relocations; the archive contributes only the code vigil uses.
set(Protobuf_USE_STATIC_LIBS ON)
find_package(Protobuf QUIET)
if(NOT Protobuf_FOUND OR NOT Protobuf_PROTOC_EXECUTABLE)
  vigil_missing("protobuf (library and protoc)" "libprotobuf-dev protobuf-compiler")
endif()

# http-parser ships neither a pkg-config file nor a CMake package on Debian.
find_path(HTTP_PARSER_INCLUDE_DIR http_parser.h)
find_library(HTTP_PARSER_LIBRARY NAMES libhttp_parser.a http_parser)
if(NOT HTTP_PARSER_INCLUDE_DIR OR NOT HTTP_PARSER_LIBRARY)
  vigil_missing("http-parser" "libhttp-parser-dev")
endif()
add_library(vigil_http_parser INTERFACE)
target_include_directories(vigil_http_parser INTERFACE ${HTTP_PARSER_INCLUDE_DIR})
target_link_libraries(vigil_http_parser INTERFACE ${HTTP_PARSER_LIBRARY})

if(VIGIL_BUILD_TESTS)
  find_package(GTest QUIET)
  if(NOT GTest_FOUND)
    vigil_missing("GoogleTest" "googletest libgtest-dev libgmock-dev")
  endif()
endif()
