#pragma once
// Child processes for tests: one-shot commands with a bounded run time, and
// long-running servers that are stopped (SIGTERM, then SIGKILL after a bound)
// when their owner goes away. Not thread safe: one thread owns each object.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace gatewarden::testing {

using namespace std::chrono_literals;

struct CommandResult {
    // The exit status, 128 + N for a process ended by signal N, or -1 when
    // the command ran out of time (and was killed).
    int exit_status = -1;
    bool timed_out = false;
    std::string output;  // stdout
    std::string errors;  // stderr
};

// Runs `argv` (argv[0] is a path or a name looked up in PATH) with stdin
// connected to `input`, collecting stdout and stderr, and kills it with
// SIGKILL once `timeout` has passed.
CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          const std::string& input = "");

// Like run_command, but throws std::runtime_error with the command line and
// its stderr unless the command exits 0 in time. Returns stdout.
std::string run_checked(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = 10s);

// A long-running child with stdout and stderr sent to files.
class ChildProcess {
public:
    ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& stdout_file,
                 const std::filesystem::path& stderr_file);
    ~ChildProcess();  // stop(2s) unless already reaped
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const { return pid_; }

    // True while the process has not exited (reaps it when it has).
    bool running();

    void send_signal(int signal_number);

    // Waits up to `timeout` for the process to exit; returns its exit status
    // (128 + N when ended by signal N), or nothing if it is still running.
    std::optional<int> wait_for_exit(std::chrono::milliseconds timeout);

    // Sends SIGTERM, waits up to `grace`, then SIGKILL. Returns the exit status.
    int stop(std::chrono::milliseconds grace = 5s);

    std::optional<int> exit_status() const { return exit_status_; }

private:
    bool reap(bool block);

    pid_t pid_ = -1;
    std::optional<int> exit_status_;
};

// Joins argv into one line for messages.
std::string command_line(const std::vector<std::string>& argv);

}  // namespace gatewarden::testing
