#pragma once

#include <cstdint>
#include <string_view>

// Pure parsers of the system scraper's own sources (the /proc/stat lines it uses are parsed by
// proc_stat_parser.h): text in, values out, no I/O.
namespace vigil::collectors::host {

// /proc/uptime: "11217.74 3976.77" (seconds up, idle seconds summed over CPUs). Reads the first.
bool parse_uptime(std::string_view text, double& uptime_seconds);

// /proc/sys/fs/file-nr: "allocated  unused  maximum" (unused is always 0 since Linux 2.6).
struct FileNr {
  std::uint64_t allocated = 0;
  std::uint64_t maximum = 0;
};
bool parse_file_nr(std::string_view text, FileNr& out);

}  // namespace vigil::collectors::host
