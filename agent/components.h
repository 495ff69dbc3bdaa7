#pragma once

#include "agent/app/component.h"

namespace vigil {

// Every built-in collector and exporter kind, keyed by its section name.
const app::ComponentRegistry& builtin_components();

}  // namespace vigil
