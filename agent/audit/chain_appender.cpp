#include "agent/audit/chain_appender.hpp"

#include <stdexcept>

#include "agent/audit/segments.hpp"

namespace gatewarden::audit {
namespace {

// Large batches are written in pieces of about this size, so that the buffer
// stays small while each write still carries thousands of lines.
constexpr std::size_t kFlushSize = 1024 * 1024;

// Overwrites `hex` (64 characters) in place: once per line, so no allocation.
void write_hex(const crypto::Hash256& hash, std::string& hex) {
    static constexpr char kDigits[] = "0123456789abcdef";
    hex.resize(hash.size() * 2);
    for (std::size_t i = 0; i < hash.size(); ++i) {
        hex[2 * i] = kDigits[hash[i] >> 4];
        hex[2 * i + 1] = kDigits[hash[i] & 0x0f];
    }
}

void create_folder(const std::filesystem::path& dir) {
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error || !std::filesystem::is_directory(dir, error)) {
        throw std::runtime_error("cannot create the log folder " + dir.string() + ": " +
                                 (error ? error.message() : "a file of that name exists") +
                                 "; set audit.dir to a writable folder");
    }
}

}  // namespace

ChainAppender::ChainAppender(ChainAppenderOptions options)
    : options_(std::move(options)), encoder_(options_.gateway) {
    buffer_.reserve(kFlushSize + 64 * 1024);
    create_folder(options_.dir);
    folder_lock_ = lock_folder(
        options_.dir, "audit.dir",
        "another gatewarden writes this log: stop it, or give this one its own audit.dir (--log-dir)",
        "set audit.dir to a writable folder");
    write_public_key();

    const ResumePoint resume = resume_chain(options_.dir);
    head_ = resume.head;
    write_hex(head_.hash, prev_hex_);
    unsealed_events_ = head_.seq > 0 && !head_.last_is_seal;
    bytes_cut_at_open_ = resume.bytes_cut;
    open_segment(resume.segment_number);

    if (bytes_cut_at_open_ > 0) {
        Event recovered;
        recovered.type = EventType::log_recovered;
        recovered.details = {{"bytes_cut", bytes_cut_at_open_},
                             {"segment", segment_file_name(segment_number_)}};
        auto appended = append({&recovered, 1});
        if (appended) appended = sync();
        if (!appended) throw std::runtime_error(appended.error().message);
    }
}

void ChainAppender::write_public_key() {
    // NOTE: a new signing key replaces the copy, so seals of an older key
    // verify only with that key given by --public-key.
    const auto pem = crypto::public_key_pem(options_.signing_key.public_key());
    auto written = write_file_atomically(options_.dir / kPublicKeyFileName, pem);
    if (!written) {
        throw std::runtime_error(written.error().message + "; set audit.dir to a writable folder");
    }
}

void ChainAppender::open_segment(std::uint64_t number) {
    auto opened = DurableFile::open_append(options_.dir / segment_file_name(number));
    if (!opened) throw std::runtime_error(opened.error().message);
    segment_ = std::move(opened).value();
    segment_number_ = number;
}

Status ChainAppender::check(Status status) {
    if (!status && !failure_) failure_ = status.error();
    return status;
}

void ChainAppender::end_line(std::size_t line_start) {
    // The line's hash covers its bytes without the newline.
    head_.hash = crypto::blake2b_256(std::string_view(buffer_).substr(line_start));
    head_.seq += 1;
    write_hex(head_.hash, prev_hex_);
    buffer_.push_back('\n');
}

Status ChainAppender::flush() {
    if (failure_) return *failure_;
    if (buffer_.empty()) return Ok{};
    auto written = segment_.append(buffer_);
    buffer_.clear();
    return check(written);
}

Status ChainAppender::rotate() {
    auto synced = check(segment_.sync());
    if (!synced) return synced;

    auto opened = DurableFile::open_append(options_.dir / segment_file_name(segment_number_ + 1));
    if (!opened) return check(opened.error());
    segment_ = std::move(opened).value();
    segment_number_ += 1;
    return Ok{};
}

Status ChainAppender::move_line_if_segment_full(std::size_t& line_start) {
    // A line that would overflow a non-empty segment starts the next one.
    const bool segment_full = segment_.size() + buffer_.size() + 1 > options_.segment_size &&
                              segment_.size() + line_start > 0;
    if (!segment_full) return Ok{};

    std::string line = buffer_.substr(line_start);
    buffer_.resize(line_start);
    auto moved_on = flush();
    if (moved_on) moved_on = rotate();
    if (!moved_on) return moved_on;
    buffer_ = std::move(line);
    line_start = 0;
    return Ok{};
}

Status ChainAppender::append(std::span<const Event> events) {
    if (failure_) return *failure_;

    for (const Event& event : events) {
        std::size_t line_start = buffer_.size();
        encoder_.append_event(buffer_, event, head_.seq + 1, prev_hex_);

        auto placed = move_line_if_segment_full(line_start);
        if (!placed) return placed;

        end_line(line_start);
        unsealed_events_ = true;
        head_.last_is_seal = false;
        if (buffer_.size() >= kFlushSize) {
            auto flushed = flush();
            if (!flushed) return flushed;
        }
    }
    return Ok{};
}

Status ChainAppender::seal() {
    if (failure_) return *failure_;
    if (!unsealed_events_) return Ok{};

    // The sync before the seal makes sure that no seal reaches the disk
    // ahead of the lines it covers.
    auto synced = flush();
    if (synced) synced = check(segment_.sync());
    if (!synced) return synced;

    const SealRecord record =
        make_seal(options_.signing_key, options_.gateway, head_.seq, head_.hash);
    std::size_t line_start = buffer_.size();
    encoder_.append_seal(buffer_, record, std::chrono::system_clock::now(), head_.seq + 1,
                         prev_hex_);
    auto placed = move_line_if_segment_full(line_start);
    if (!placed) return placed;
    end_line(line_start);
    auto written = flush();
    if (!written) return written;

    unsealed_events_ = false;
    head_.last_is_seal = true;
    return check(segment_.sync());
}

Status ChainAppender::sync() {
    auto flushed = flush();
    if (!flushed) return flushed;
    return check(segment_.sync());
}

}  // namespace gatewarden::audit
