#include "platform/folder_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

namespace gatewarden {

namespace {

// The process id that the lock's owner wrote, or "" when the file has none yet.
std::string holder_of(int fd) {
    char text[32] = {};
    const ssize_t bytes = ::pread(fd, text, sizeof text - 1, 0);
    if (bytes <= 0) {
        return "";
    }
    std::string id(text, static_cast<std::size_t>(bytes));
    while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) {
        id.pop_back();
    }
    return id;
}

}  // namespace

Result<FolderLock> FolderLock::acquire(const std::filesystem::path& folder) {
    const std::filesystem::path file = folder / kFileName;
    UniqueFd fd(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640));
    if (!fd) {
        const int saved = errno;
        return Error{saved, "cannot open the lock file " + file.string() + ": " + std::strerror(saved)};
    }

    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        const int saved = errno;
        std::string message;
        if (saved == EWOULDBLOCK) {
            const std::string holder = holder_of(fd.get());
            message = folder.string() + " is in use by another process" +
                      (holder.empty() ? std::string() : " (process id " + holder + ")");
        } else {
            message = "cannot lock " + file.string() + ": " + std::strerror(saved);
        }
        return Error{saved, message};
    }

    // The id helps an operator who finds the folder locked. Failing to write
    // it does not weaken the lock, so it is not an error.
    const std::string id = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd.get(), 0) == 0) {
        [[maybe_unused]] const ssize_t written = ::pwrite(fd.get(), id.data(), id.size(), 0);
    }
    return FolderLock(std::move(fd));
}

FolderLock lock_folder(const std::filesystem::path& folder, std::string_view key, std::string_view in_use_fix,
                       std::string_view unusable_fix) {
    auto lock = FolderLock::acquire(folder);
    if (!lock) {
        const std::string_view fix = lock.error().code == EWOULDBLOCK ? in_use_fix : unusable_fix;
        throw std::runtime_error(std::string(key) + ": " + lock.error().message + "; " + std::string(fix));
    }
    return std::move(lock).value();
}

}  // namespace gatewarden
