#include "agent/proxy/credential_checks.hpp"

#include <algorithm>
#include <exception>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "agent/proxy/event_loop.hpp"
#include "platform/thread_name.hpp"

namespace gatewarden::proxy {

CredentialChecks::CredentialChecks(unsigned threads) {
    const unsigned count = std::max(threads, 1u);
    threads_.reserve(count);
    try {
        for (unsigned i = 0; i < count; ++i) {
            threads_.emplace_back([this, i] {
                name_this_thread("gw-check-" + std::to_string(i));
                run();
            });
        }
    } catch (...) {
        stop();  // joins the threads already started
        throw;
    }
}

CredentialChecks::~CredentialChecks() { stop(); }

// The exchange from 0 lets only one network thread at a time keep a job for
// itself, so that a burst of logins on one thread cannot queue them all on it.
void CredentialChecks::submit(EventLoop& loop, Job job) {
    unsigned none = 0;
    if (!unfinished_.compare_exchange_strong(none, 1, std::memory_order_acq_rel)) {
        unfinished_.fetch_add(1, std::memory_order_acq_rel);
        queue(std::move(job));
        return;
    }

    auto shared_job = std::make_shared<Job>(std::move(job));
    loop.when_idle(
        [this, shared_job] {
            (*shared_job)(Site::network_thread);
            unfinished_.fetch_sub(1, std::memory_order_acq_rel);
        },
        [this, shared_job] { queue(std::move(*shared_job)); });
}

void CredentialChecks::queue(Job job) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            unfinished_.fetch_sub(1, std::memory_order_acq_rel);
            return;
        }
        jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
}

void CredentialChecks::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& thread : threads_) {
        if (thread.joinable()) {
            thread.join();
        }
    }

    // Destroyed outside the lock, because a job may keep the last reference to
    // a session.
    std::deque<Job> dropped;
    {
        std::lock_guard lock(mutex_);
        dropped.swap(jobs_);
    }
}

void CredentialChecks::run() {
    std::unique_lock lock(mutex_);
    while (true) {
        wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (stopping_) {
            return;
        }
        auto job = std::move(jobs_.front());
        jobs_.pop_front();
        lock.unlock();
        try {
            job(Site::check_thread);
        } catch (const std::exception& error) {
            // A check reports failures as results; reaching this is a bug, as on
            // a network thread.
            spdlog::critical("proxy: credential check thread stopped by an exception: {}", error.what());
            std::terminate();
        }
        job = nullptr;  // release what the job holds before waiting again
        unfinished_.fetch_sub(1, std::memory_order_acq_rel);
        lock.lock();
    }
}

}  // namespace gatewarden::proxy
