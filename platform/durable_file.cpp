#include "platform/durable_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace gatewarden {
namespace {

std::string errno_text(int error) { return std::strerror(error); }

Error os_error(std::string_view operation, const std::filesystem::path& path, int error) {
    return Error{error,
                 std::string(operation) + " " + path.string() + " failed: " + errno_text(error)};
}

Status write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t written = ::write(fd, bytes.data(), bytes.size());
        if (written < 0 && errno == EINTR) continue;
        if (written < 0) return Error{errno, errno_text(errno)};
        if (written == 0) return Error{EIO, "write returned 0 bytes"};
        bytes.remove_prefix(static_cast<std::size_t>(written));
    }
    return Ok{};
}

}  // namespace

DurableFile::DurableFile(UniqueFd fd, std::filesystem::path path, std::uint64_t size)
    : fd_(std::move(fd)), path_(std::move(path)), size_(size) {}

Result<DurableFile> DurableFile::open_append(const std::filesystem::path& path) {
    const bool existed = ::access(path.c_str(), F_OK) == 0;
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
    if (!fd) return os_error("opening", path, errno);

    struct stat info {};
    if (::fstat(fd.get(), &info) != 0) return os_error("reading the size of", path, errno);
    DurableFile file(std::move(fd), path, static_cast<std::uint64_t>(info.st_size));

    if (!existed) {
        auto synced = sync_directory(path.has_parent_path() ? path.parent_path() : ".");
        if (!synced) return synced.error();
    }
    return file;
}

Status DurableFile::fail(std::string message) {
    if (!failed_) {
        failed_ = true;
        first_error_ = Error{EIO, std::move(message)};
    }
    return first_error_;
}

Status DurableFile::append(std::string_view bytes) {
    if (failed_) return first_error_;
    if (!fd_) return fail("writing " + path_.string() + " failed: the file is not open");

    auto written = write_all(fd_.get(), bytes);
    if (!written) return fail("writing " + path_.string() + " failed: " + written.error().message);
    size_ += bytes.size();
    return Ok{};
}

Status DurableFile::sync() {
    if (failed_) return first_error_;
    if (!fd_) return fail("syncing " + path_.string() + " failed: the file is not open");

    if (::fdatasync(fd_.get()) != 0) {
        return fail("syncing " + path_.string() + " failed: " + errno_text(errno));
    }
    return Ok{};
}

Status sync_directory(const std::filesystem::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return os_error("opening the folder", dir, errno);

    const int result = ::fsync(fd);
    const int error = errno;
    ::close(fd);
    if (result != 0) return os_error("syncing the folder", dir, error);
    return Ok{};
}

Status write_file_atomically(const std::filesystem::path& path, std::string_view contents,
                             unsigned mode) {
    const std::filesystem::path temporary = path.string() + ".tmp";
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) return os_error("creating", temporary, errno);

    auto written = write_all(fd, contents);
    const bool synced = written && ::fsync(fd) == 0;
    const int error = written ? errno : written.error().code;
    ::close(fd);
    if (!synced) {
        ::unlink(temporary.c_str());
        return os_error("writing", temporary, error);
    }

    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        const int rename_error = errno;
        ::unlink(temporary.c_str());
        return os_error("renaming into", path, rename_error);
    }
    return sync_directory(path.has_parent_path() ? path.parent_path() : ".");
}

}  // namespace gatewarden
