#include "agent/audit/log_writer.hpp"

#include <spdlog/spdlog.h>

#include "agent/audit/chain_appender.hpp"

namespace gatewarden::audit {

LogWriter::LogWriter(LogWriterOptions options) : options_(std::move(options)) {
    ChainAppenderOptions appender_options;
    appender_options.dir = options_.dir;
    appender_options.gateway = options_.gateway;
    appender_options.signing_key = std::move(options_.signing_key);
    appender_options.segment_size = options_.segment_size;
    appender_ = std::make_unique<ChainAppender>(std::move(appender_options));

    if (appender_->bytes_cut_at_open() > 0) {
        spdlog::warn("audit: cut {} bytes of a torn last line from segment {} of {}",
                     appender_->bytes_cut_at_open(), appender_->segment_number(),
                     options_.dir.string());
    }
    thread_ = std::thread([this] { run(); });
}

LogWriter::~LogWriter() { stop(); }

void LogWriter::record(Event event) {
    bool was_empty = false;
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || queue_.size() >= options_.queue_capacity) {
            dropped_from_queue_ += 1;
            events_lost_.fetch_add(1, std::memory_order_relaxed);
            healthy_.store(false, std::memory_order_release);
            if (!overflow_logged_) {
                overflow_logged_ = true;
                spdlog::error("audit: event queue of {} is full or the writer has stopped; "
                              "events are being lost and the log is marked unhealthy",
                              options_.queue_capacity);
            }
            return;
        }
        was_empty = queue_.empty();
        queue_.push_back(std::move(event));
    }
    // Only the first event of a batch wakes the writer; the others join it.
    if (was_empty) wake_.notify_one();
}

bool LogWriter::healthy() const noexcept { return healthy_.load(std::memory_order_acquire); }

LogWriterCounters LogWriter::counters() const noexcept {
    return {events_written_.load(std::memory_order_relaxed),
            events_lost_.load(std::memory_order_relaxed),
            seals_written_.load(std::memory_order_relaxed)};
}

void LogWriter::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
}

void LogWriter::run() {
    using std::chrono::steady_clock;
    auto next_seal = steady_clock::now() + options_.seal_interval;
    std::vector<Event> batch;

    for (;;) {
        bool stop_requested = false;
        std::uint64_t dropped = 0;
        {
            std::unique_lock lock(mutex_);
            wake_.wait_until(lock, next_seal, [&] { return !queue_.empty() || stopping_; });
            batch.swap(queue_);
            dropped = std::exchange(dropped_from_queue_, 0);
            stop_requested = stopping_;
        }

        write_batch(batch, dropped);
        batch.clear();

        if (stop_requested || steady_clock::now() >= next_seal) {
            seal();
            next_seal = steady_clock::now() + options_.seal_interval;
        }
        if (stop_requested) return;
    }
}

void LogWriter::write_batch(std::vector<Event>& batch, std::uint64_t dropped_from_queue) {
    // Events lost to a full queue leave a hole in the record, so the next
    // batch says how many, where the chain shows when it happened.
    const bool report_dropped =
        dropped_from_queue > 0 && !write_failed_.load(std::memory_order_relaxed);
    if (report_dropped) {
        Event lost;
        lost.type = "events_lost";
        lost.reason = "queue_full";
        lost.details = {{"count", dropped_from_queue}};
        batch.push_back(std::move(lost));
    }
    if (batch.empty()) return;

    if (write_failed_.load(std::memory_order_relaxed)) {
        events_lost_.fetch_add(batch.size(), std::memory_order_relaxed);
        return;
    }

    auto appended = appender_->append(batch);
    if (!appended) {
        const std::size_t recorded = batch.size() - (report_dropped ? 1 : 0);
        events_lost_.fetch_add(recorded, std::memory_order_relaxed);
        note_failure(appended.error().message);
        return;
    }
    events_written_.fetch_add(batch.size(), std::memory_order_relaxed);
}

void LogWriter::seal() {
    if (write_failed_.load(std::memory_order_relaxed)) return;

    const auto seq_before = appender_->head().seq;
    auto sealed = appender_->seal();
    if (!sealed) {
        note_failure(sealed.error().message);
        return;
    }
    if (appender_->head().seq != seq_before) seals_written_.fetch_add(1, std::memory_order_relaxed);
}

void LogWriter::note_failure(const std::string& message) {
    // Logged once: the failure is sticky, and every later event would repeat it.
    write_failed_.store(true, std::memory_order_relaxed);
    healthy_.store(false, std::memory_order_release);
    spdlog::error("audit: writing the event log in {} failed; no further events are written "
                  "and the log is marked unhealthy: {}",
                  options_.dir.string(), message);
}

}  // namespace gatewarden::audit
