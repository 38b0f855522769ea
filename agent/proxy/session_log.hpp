#pragma once
// Debug and trace lines of a Session, each prefixed with the session's ids
// (Session::log_prefix()). A macro rather than a function because its
// arguments, the prefix among them, are then formatted only when spdlog
// logs the level: on the login path, with debug lines off, that saves one
// string allocation and format per line.
//
// Use it only inside Session member functions. LEVEL is the name of a
// spdlog::level::level_enum value (debug, trace), FORMAT a string literal.

#include <spdlog/spdlog.h>

#define GATEWARDEN_SESSION_LOG(LEVEL, FORMAT, ...)                                                     \
    do {                                                                                                \
        if (spdlog::should_log(spdlog::level::LEVEL)) {                                                 \
            spdlog::log(spdlog::level::LEVEL, "{} " FORMAT, log_prefix() __VA_OPT__(, ) __VA_ARGS__); \
        }                                                                                               \
    } while (false)
