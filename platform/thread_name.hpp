#pragma once
// Names the calling thread, so that `top -H`, `ps -L`, perf and gdb show
// which of the daemon's threads is which.

#include <string>

namespace gatewarden {

// Linux keeps at most 15 characters, so a longer name is cut to them. A
// failure is ignored, because the name is only a convenience.
void name_this_thread(const std::string& name);

}  // namespace gatewarden
