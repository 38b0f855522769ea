#include "agent/proxy/credential_checks.hpp"

#include <algorithm>
#include <exception>

#include <spdlog/spdlog.h>

namespace gatewarden::proxy {

CredentialChecks::CredentialChecks(unsigned threads) {
    const unsigned count = std::max(threads, 1u);
    threads_.reserve(count);
    try {
        for (unsigned i = 0; i < count; ++i) {
            threads_.emplace_back([this] { run(); });
        }
    } catch (...) {
        stop();  // joins the threads already started
        throw;
    }
}

CredentialChecks::~CredentialChecks() { stop(); }

void CredentialChecks::submit(std::function<void()> job) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
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
    std::deque<std::function<void()>> dropped;
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
            job();
        } catch (const std::exception& error) {
            // A check reports failures as results; reaching this is a bug, as on
            // a network thread.
            spdlog::critical("proxy: credential check thread stopped by an exception: {}", error.what());
            std::terminate();
        }
        job = nullptr;  // release what the job holds before waiting again
        lock.lock();
    }
}

}  // namespace gatewarden::proxy
