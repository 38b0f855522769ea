#pragma once
// The access event log's writer: the EventSink that the proxy records into.
//
// Thread safety: record(), healthy() and counters() may be called from any
// thread at any time, including concurrently. record() only moves the event
// onto a bounded queue under a mutex; one writer thread owned by this object
// encodes, chains, appends, seals and syncs. stop() and the destructor must
// not run concurrently with each other.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/audit/event_queue.hpp"
#include "agent/audit/event_sink.hpp"
#include "platform/crypto.hpp"

namespace gatewarden::audit {

class ChainAppender;

struct LogWriterOptions {
    std::filesystem::path dir;  // audit.dir
    std::string gateway;        // gateway.id, written into every line
    crypto::SecretKey signing_key;
    std::chrono::milliseconds seal_interval{1000};
    std::uint64_t segment_size = 64ull * 1024 * 1024;
    // Events queued and not yet taken by the writer thread. Beyond it record()
    // counts the event as lost and healthy() turns false, rather than letting
    // memory grow without bound behind a slow disk.
    std::size_t queue_capacity = 1'000'000;
};

struct LogWriterCounters {
    std::uint64_t events_written = 0;  // events whose lines were appended
    std::uint64_t events_lost = 0;     // events recorded but never written
    std::uint64_t seals_written = 0;
};

class LogWriter final : public EventSink {
  public:
    // Opens the log (see ChainAppender) and starts the writer thread. Throws
    // std::runtime_error naming the path and the fix when the log cannot be
    // opened; this is a start-up failure.
    explicit LogWriter(LogWriterOptions options);
    ~LogWriter() override;  // calls stop()

    LogWriter(const LogWriter&) = delete;
    LogWriter& operator=(const LogWriter&) = delete;

    void record(Event event) override;
    bool healthy() const noexcept override;

    // Writes every queued event, seals, syncs and ends the writer thread.
    // Events recorded afterwards are counted as lost. Idempotent.
    void stop();

    LogWriterCounters counters() const noexcept;

  private:
    void run();
    void write_batch(std::vector<EventChunk>& batch, std::uint64_t dropped_from_queue);
    void seal();
    void note_failure(const std::string& message);

    LogWriterOptions options_;
    std::unique_ptr<ChainAppender> appender_;  // used by the writer thread only

    std::mutex mutex_;
    std::condition_variable wake_;
    EventQueue queue_;                      // guarded by mutex_
    std::uint64_t dropped_from_queue_ = 0;  // guarded by mutex_: lost to a full queue
    bool stopping_ = false;                 // guarded by mutex_
    bool overflow_logged_ = false;          // guarded by mutex_

    std::atomic<bool> healthy_{true};
    std::atomic<bool> write_failed_{false};
    std::atomic<std::uint64_t> events_written_{0};
    std::atomic<std::uint64_t> events_lost_{0};
    std::atomic<std::uint64_t> seals_written_{0};

    std::thread thread_;
};

}  // namespace gatewarden::audit
