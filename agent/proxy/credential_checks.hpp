#pragma once
// Threads that check CONNECT credentials for the network threads. The
// Ed25519 verification takes about 57 µs of CPU on the benchmark machine.
// Run on a network thread, it delays every other session of that thread,
// and with one network thread all logins share one core. Here the checks of
// a burst of logins spread over every usable CPU while the network threads
// go on relaying.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace gatewarden::proxy {

class CredentialChecks {
  public:
    explicit CredentialChecks(unsigned threads);
    ~CredentialChecks();
    CredentialChecks(const CredentialChecks&) = delete;
    CredentialChecks& operator=(const CredentialChecks&) = delete;

    // Queues `job` for the next free thread. After stop(), drops it.
    void submit(std::function<void()> job);

    // Joins the threads, letting each finish the job in hand, and drops the
    // jobs still queued. Call it after the network threads have stopped and
    // before their io_contexts are destroyed, because a job posts its result
    // to one of them and keeps a reference to its session.
    void stop();

  private:
    void run();

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> jobs_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace gatewarden::proxy
