#pragma once

#include <string>
#include <vector>

#include "agent/app/component.h"

namespace vigil::app {

// Exit codes of the vigil command (documented in README.md and `vigil --help`).
inline constexpr int kExitOk = 0;
inline constexpr int kExitConfigError = 1;   // invalid configuration, or a listener cannot bind
inline constexpr int kExitUsage = 2;         // bad command line
inline constexpr int kExitRuntimeError = 3;  // failure after start (event loop error)

// Parses the command line and runs the command: run (default), check, version, help.
int run_cli(const std::vector<std::string>& args, const ComponentRegistry& registry);

}  // namespace vigil::app
