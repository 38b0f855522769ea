#include "tests/support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <stdexcept>
#include <system_error>
#include <thread>

extern char** environ;

namespace gatewarden::testing {

namespace {

using Clock = std::chrono::steady_clock;

int decode_wait_status(int status) {
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    if (WIFSIGNALED(status)) {
        return 128 + WTERMSIG(status);
    }
    return -1;
}

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
    std::vector<char*> pointers;
    for (const std::string& argument : argv) {
        pointers.push_back(const_cast<char*>(argument.c_str()));
    }
    pointers.push_back(nullptr);
    return pointers;
}

// The child's end of each pipe is closed in the parent once spawned; the
// parent's ends are O_CLOEXEC so that other children never inherit them.
struct Pipe {
    int read_end = -1;
    int write_end = -1;

    Pipe() {
        std::array<int, 2> ends{};
        if (::pipe2(ends.data(), O_CLOEXEC) != 0) {
            throw std::system_error(errno, std::generic_category(), "pipe2");
        }
        read_end = ends[0];
        write_end = ends[1];
    }
    ~Pipe() {
        close_read();
        close_write();
    }
    void close_read() {
        if (read_end >= 0) ::close(read_end);
        read_end = -1;
    }
    void close_write() {
        if (write_end >= 0) ::close(write_end);
        write_end = -1;
    }
};

pid_t spawn(const std::vector<std::string>& argv, posix_spawn_file_actions_t& actions) {
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    // A process group of its own, so that a test runner's Ctrl-C does not
    // race our own orderly stop.
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);

    pid_t pid = -1;
    std::vector<char*> arguments = c_argv(argv);
    const int error = ::posix_spawnp(&pid, arguments[0], &actions, &attributes, arguments.data(), environ);
    posix_spawnattr_destroy(&attributes);
    if (error != 0) {
        throw std::system_error(error, std::generic_category(), "cannot start " + command_line(argv));
    }
    return pid;
}

// Moves data between the child's pipes and the strings until both output
// pipes are closed or the deadline passes. Returns false on timeout.
bool pump_pipes(Pipe& in, Pipe& out, Pipe& err, const std::string& input, CommandResult& result,
                Clock::time_point deadline) {
    std::size_t written = 0;
    if (input.empty()) in.close_write();
    std::array<char, 4096> buffer{};

    while (out.read_end >= 0 || err.read_end >= 0) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return false;

        std::array<pollfd, 3> fds{{{out.read_end, POLLIN, 0}, {err.read_end, POLLIN, 0}, {in.write_end, POLLOUT, 0}}};
        if (::poll(fds.data(), fds.size(), static_cast<int>(left.count())) < 0 && errno != EINTR) {
            throw std::system_error(errno, std::generic_category(), "poll");
        }
        if (fds[2].revents != 0 && in.write_end >= 0) {
            const ssize_t n = ::write(in.write_end, input.data() + written, input.size() - written);
            if (n > 0) written += static_cast<std::size_t>(n);
            if (n < 0 || written == input.size()) in.close_write();
        }
        for (auto [index, pipe, target] : {std::tuple{0, &out, &result.output}, std::tuple{1, &err, &result.errors}}) {
            if (fds[index].revents == 0) continue;
            const ssize_t n = ::read(pipe->read_end, buffer.data(), buffer.size());
            if (n > 0) {
                target->append(buffer.data(), static_cast<std::size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                pipe->close_read();
            }
        }
    }
    return true;
}

}  // namespace

std::string command_line(const std::vector<std::string>& argv) {
    std::string line;
    for (const std::string& argument : argv) {
        if (!line.empty()) line += ' ';
        line += argument;
    }
    return line;
}

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          const std::string& input) {
    const auto deadline = Clock::now() + timeout;
    Pipe in, out, err;

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in.read_end, STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out.write_end, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err.write_end, STDERR_FILENO);
    pid_t pid = -1;
    try {
        pid = spawn(argv, actions);
    } catch (...) {
        posix_spawn_file_actions_destroy(&actions);
        throw;
    }
    posix_spawn_file_actions_destroy(&actions);
    in.close_read();
    out.close_write();
    err.close_write();

    CommandResult result;
    result.timed_out = !pump_pipes(in, out, err, input, result, deadline);
    if (result.timed_out) {
        ::kill(pid, SIGKILL);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.exit_status = result.timed_out ? -1 : decode_wait_status(status);
    return result;
}

std::string run_checked(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
    CommandResult result = run_command(argv, timeout);
    if (result.timed_out) {
        throw std::runtime_error(command_line(argv) + ": timed out after " + std::to_string(timeout.count()) + " ms");
    }
    if (result.exit_status != 0) {
        throw std::runtime_error(command_line(argv) + ": exit status " + std::to_string(result.exit_status) +
                                 ": " + result.errors);
    }
    return result.output;
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& stdout_file,
                           const std::filesystem::path& stderr_file) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    try {
        pid_ = spawn(argv, actions);
    } catch (...) {
        posix_spawn_file_actions_destroy(&actions);
        throw;
    }
    posix_spawn_file_actions_destroy(&actions);
}

ChildProcess::~ChildProcess() {
    if (!exit_status_) stop(2s);
}

bool ChildProcess::reap(bool block) {
    if (exit_status_) return true;
    int status = 0;
    pid_t result = 0;
    do {
        result = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
    } while (result < 0 && errno == EINTR);
    if (result == pid_) {
        exit_status_ = decode_wait_status(status);
        return true;
    }
    return false;
}

bool ChildProcess::running() { return !reap(false); }

void ChildProcess::send_signal(int signal_number) {
    if (!exit_status_) ::kill(pid_, signal_number);
}

std::optional<int> ChildProcess::wait_for_exit(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!reap(false)) {
        if (Clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(5ms);
    }
    return exit_status_;
}

int ChildProcess::stop(std::chrono::milliseconds grace) {
    send_signal(SIGTERM);
    if (!wait_for_exit(grace)) {
        send_signal(SIGKILL);
        reap(true);
    }
    return *exit_status_;
}

}  // namespace gatewarden::testing
