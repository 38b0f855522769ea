#include "log_fixture.hpp"

#include <fstream>
#include <stdexcept>

#include "agent/audit/segments.hpp"

namespace gatewarden::audit::test {

const crypto::SecretKey& test_key() {
    static const crypto::SecretKey key = [] {
        crypto::init_crypto();
        return crypto::generate_ed25519().secret;
    }();
    return key;
}

crypto::SecretKey copy_of_test_key() {
    crypto::SecretKey copy;
    std::copy(test_key().data(), test_key().data() + 64, copy.data());
    return copy;
}

LogWriterOptions writer_options(const std::filesystem::path& dir) {
    crypto::init_crypto();  // SecretKey needs libsodium initialised
    LogWriterOptions options;
    options.dir = dir;
    options.gateway = kGateway;
    options.signing_key = copy_of_test_key();
    options.seal_interval = std::chrono::hours(1);  // tests seal by stopping
    return options;
}

Event make_event(EventType type, const std::string& device, const std::string& topic,
                 const std::string& decision) {
    Event event;
    event.type = type;
    event.device = device;
    event.owner = device.empty() ? "" : "team-" + device.substr(0, 1);
    event.client_id = device;
    event.peer = "127.0.0.1:50000";
    event.topic = topic;
    event.decision = decision;
    return event;
}

void write_events(const std::filesystem::path& dir, const std::vector<Event>& events,
                  std::uint64_t segment_size) {
    auto options = writer_options(dir);
    options.segment_size = segment_size;
    LogWriter writer(std::move(options));
    for (const Event& event : events) writer.record(event);
    writer.stop();
    if (!writer.healthy()) throw std::runtime_error("test writer became unhealthy");
}

std::filesystem::path segment_path(const std::filesystem::path& dir, std::uint64_t number) {
    return dir / segment_file_name(number);
}

std::vector<std::string> read_lines(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

void write_lines(const std::filesystem::path& file, const std::vector<std::string>& lines) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    for (const std::string& line : lines) out << line << '\n';
    if (!out) throw std::runtime_error("cannot rewrite " + file.string());
}

std::vector<std::string> all_lines(const std::filesystem::path& dir) {
    std::vector<std::string> lines;
    auto segments = list_segments(dir);
    if (!segments) throw std::runtime_error(segments.error().message);
    for (const Segment& segment : segments.value()) {
        for (std::string& line : read_lines(segment.path)) lines.push_back(std::move(line));
    }
    return lines;
}

std::string hash_hex(const std::string& line) { return crypto::to_hex(crypto::blake2b_256(line)); }

}  // namespace gatewarden::audit::test
