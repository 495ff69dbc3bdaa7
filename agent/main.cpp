#include <string>
#include <vector>

#include "agent/app/cli.h"
#include "agent/components.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  return vigil::app::run_cli(args, vigil::builtin_components());
}
