#pragma once
// Helpers shared by the audit tests: writers on a temporary folder, and
// reading and rewriting segment lines to simulate tampering.

#include <filesystem>
#include <string>
#include <vector>

#include "agent/audit/event.hpp"
#include "agent/audit/log_writer.hpp"
#include "platform/crypto.hpp"

namespace gatewarden::audit::test {

inline constexpr const char* kGateway = "gw-test-1";

// A key generated once per test binary, so tests can verify what they wrote.
const crypto::SecretKey& test_key();
crypto::SecretKey copy_of_test_key();

LogWriterOptions writer_options(const std::filesystem::path& dir);

Event make_event(EventType type, const std::string& device, const std::string& topic = "",
                 const std::string& decision = "");

// Writes the events with a writer that stops (and so seals) at the end.
void write_events(const std::filesystem::path& dir, const std::vector<Event>& events,
                  std::uint64_t segment_size = 64ull * 1024 * 1024);

std::filesystem::path segment_path(const std::filesystem::path& dir, std::uint64_t number);
std::vector<std::string> read_lines(const std::filesystem::path& file);
void write_lines(const std::filesystem::path& file, const std::vector<std::string>& lines);
// Every line of every segment, in order.
std::vector<std::string> all_lines(const std::filesystem::path& dir);

std::string hash_hex(const std::string& line);

}  // namespace gatewarden::audit::test
