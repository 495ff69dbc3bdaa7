// toml++'s parser, compiled into vigil once (toml++'s documented TOML_IMPLEMENTATION mode) rather
// than taken from Debian's libtomlplusplus.so: that library needs the shared libstdc++, which
// vigil links statically to keep its idle memory small (cmake/VigilDependencies.cmake).
#define TOML_IMPLEMENTATION 1
#include <toml++/toml.h>
