#include "agent/audit/log_writer.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "agent/audit/chain_appender.hpp"
#include "platform/thread_name.hpp"

namespace gatewarden::audit {
namespace {

// A batch is written once this many events are queued, or kBatchDelay after
// its first event, whichever comes first.
constexpr std::size_t kBatchSize = 1024;
constexpr std::chrono::milliseconds kBatchDelay{2};

}  // namespace

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
    thread_ = std::thread([this] {
        name_this_thread("gw-log-writer");
        run();
    });
}

LogWriter::~LogWriter() { stop(); }

void LogWriter::record(Event event) {
    bool queued = false;
    bool wake_writer = false;
    bool first_loss = false;
    {
        std::lock_guard lock(mutex_);
        queued = !stopping_ && queue_.size() < options_.queue_capacity;
        if (queued) {
            // The first event wakes an idle writer, which then waits up to
            // kBatchDelay for a full batch. Waking it for every event would cost a
            // context switch per event when it shares a CPU with the network threads.
            wake_writer = queue_.empty();
            queue_.push(std::move(event));
            wake_writer = wake_writer || queue_.size() == kBatchSize;
        } else {
            dropped_from_queue_ += 1;
            first_loss = !std::exchange(overflow_logged_, true);
        }
    }

    if (wake_writer) wake_.notify_one();
    if (queued) return;

    events_lost_.fetch_add(1, std::memory_order_relaxed);
    healthy_.store(false, std::memory_order_release);
    if (first_loss) {
        spdlog::error(
            "audit: event queue of {} is full or the writer has stopped; "
            "events are being lost and the log is marked unhealthy",
            options_.queue_capacity);
    }
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
    std::vector<EventChunk> batch;

    for (;;) {
        bool stop_requested = false;
        std::uint64_t dropped = 0;
        {
            std::unique_lock lock(mutex_);
            wake_.wait_until(lock, next_seal, [&] { return !queue_.empty() || stopping_; });
            const auto batch_deadline = std::min(next_seal, steady_clock::now() + kBatchDelay);
            wake_.wait_until(lock, batch_deadline,
                             [&] { return queue_.size() >= kBatchSize || stopping_; });
            queue_.take_all(batch);
            dropped = std::exchange(dropped_from_queue_, 0);
            stop_requested = stopping_;
        }

        write_batch(batch, dropped);
        for (EventChunk& chunk : batch) chunk.clear();
        {
            std::lock_guard lock(mutex_);
            queue_.recycle(batch);
        }

        if (stop_requested || steady_clock::now() >= next_seal) {
            seal();
            next_seal = steady_clock::now() + options_.seal_interval;
        }
        if (stop_requested) return;
    }
}

void LogWriter::write_batch(std::vector<EventChunk>& batch, std::uint64_t dropped_from_queue) {
    // Events lost to a full queue leave a hole in the record, so the next
    // batch records how many, at the place in the chain where it happened.
    const bool report_dropped =
        dropped_from_queue > 0 && !write_failed_.load(std::memory_order_relaxed);
    if (report_dropped) {
        Event lost;
        lost.type = EventType::events_lost;
        lost.reason = "queue_full";
        lost.details = {{"count", dropped_from_queue}};
        batch.emplace_back().push_back(std::move(lost));
    }

    std::uint64_t recorded = 0;
    for (const EventChunk& chunk : batch) recorded += chunk.size();
    if (recorded == 0) return;
    if (report_dropped) recorded -= 1;

    if (write_failed_.load(std::memory_order_relaxed)) {
        events_lost_.fetch_add(recorded, std::memory_order_relaxed);
        return;
    }

    // One write for the whole batch, unless it exceeds the appender's flush size.
    Status appended = Ok{};
    for (const EventChunk& chunk : batch) {
        appended = appender_->append(chunk);
        if (!appended) break;
    }
    if (appended) appended = appender_->flush();
    if (!appended) {
        events_lost_.fetch_add(recorded, std::memory_order_relaxed);
        note_failure(appended.error().message);
        return;
    }
    events_written_.fetch_add(recorded + (report_dropped ? 1 : 0), std::memory_order_relaxed);
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
    spdlog::error(
        "audit: writing the event log in {} failed; no further events are written "
        "and the log is marked unhealthy: {}",
        options_.dir.string(), message);
}

}  // namespace gatewarden::audit
