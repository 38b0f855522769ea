#pragma once
// Threads that check CONNECT credentials for the network threads. The
// Ed25519 verification takes about 57 µs of CPU on the benchmark machine.
// Run on a network thread, it delays every other session of that thread,
// and with one network thread all logins share one core. Here the checks of
// a burst of logins spread over every usable CPU while the network threads
// go on relaying.
//
// A lone login is the exception. Handing its check to a sleeping check
// thread and its result back costs two wake-ups of a thread on another CPU,
// about 40 µs on the benchmark machine, which is most of what the
// verification itself costs. So when no other check is queued or running
// and the network thread finds nothing else to do, it checks it itself.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace gatewarden::proxy {

class EventLoop;

class CredentialChecks {
  public:
    // The thread that runs a job: the network thread that submitted it, or
    // one of the check threads.
    enum class Site { network_thread, check_thread };
    using Job = std::function<void(Site)>;

    explicit CredentialChecks(unsigned threads);
    ~CredentialChecks();
    CredentialChecks(const CredentialChecks&) = delete;
    CredentialChecks& operator=(const CredentialChecks&) = delete;

    // Runs `job` once. When no other job is queued or running, `loop`'s
    // thread keeps it and runs it as soon as it finds nothing else to do
    // (EventLoop::when_idle). Otherwise, or when that thread stays busy, the
    // next free check thread runs it. Call it on `loop`'s thread. After
    // stop(), it drops the job.
    void submit(EventLoop& loop, Job job);

    // Joins the threads, letting each finish the job in hand, and drops the
    // jobs still queued. Call it after the network threads have stopped and
    // before their event loops are destroyed, because a job posts its result
    // to one of them and keeps a reference to its session.
    void stop();

  private:
    void queue(Job job);
    void run();

    // Jobs submitted and not yet finished, wherever they run. Zero means a
    // new one is alone.
    std::atomic<unsigned> unfinished_{0};

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Job> jobs_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace gatewarden::proxy
