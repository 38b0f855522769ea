#include "platform/unique_fd.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <utility>

namespace gatewarden {
namespace {

// The errno of fcntl(F_GETFD) on `fd`, or 0 when `fd` is open. EBADF means
// that the descriptor is closed.
int fcntl_error(int fd) { return ::fcntl(fd, F_GETFD) == -1 ? errno : 0; }

std::array<int, 2> make_pipe() {
    std::array<int, 2> ends{};
    REQUIRE(::pipe(ends.data()) == 0);
    return ends;
}

TEST_CASE("unique fd starts empty") {
    const UniqueFd empty;
    CHECK(empty.get() == -1);
    CHECK_FALSE(empty.valid());
    CHECK_FALSE(empty);
}

TEST_CASE("unique fd closes on destruction") {
    const auto [read_end, write_end] = make_pipe();
    {
        const UniqueFd owner(read_end);
        CHECK(owner.get() == read_end);
        CHECK(owner.valid());
        CHECK(fcntl_error(read_end) == 0);
    }
    CHECK(fcntl_error(read_end) == EBADF);
    ::close(write_end);
}

TEST_CASE("unique fd move transfers ownership") {
    const auto [read_end, write_end] = make_pipe();
    UniqueFd source(read_end);
    UniqueFd constructed(std::move(source));
    CHECK(constructed.get() == read_end);
    CHECK(source.get() == -1);
    CHECK_FALSE(source);

    UniqueFd assigned(write_end);
    assigned = std::move(constructed);
    CHECK(assigned.get() == read_end);
    CHECK(constructed.get() == -1);
    CHECK(fcntl_error(write_end) == EBADF);
    CHECK(fcntl_error(read_end) == 0);

    assigned = UniqueFd();
    CHECK(fcntl_error(read_end) == EBADF);
}

TEST_CASE("unique fd reset closes the old descriptor") {
    const auto [read_end, write_end] = make_pipe();
    UniqueFd owner(read_end);
    owner.reset(write_end);
    CHECK(owner.get() == write_end);
    CHECK(fcntl_error(read_end) == EBADF);
    CHECK(fcntl_error(write_end) == 0);

    owner.reset();
    CHECK_FALSE(owner);
    CHECK(fcntl_error(write_end) == EBADF);
}

TEST_CASE("unique fd release keeps descriptor open") {
    const auto [read_end, write_end] = make_pipe();
    {
        UniqueFd owner(read_end);
        CHECK(owner.release() == read_end);
        CHECK_FALSE(owner);
    }
    CHECK(fcntl_error(read_end) == 0);
    ::close(read_end);
    ::close(write_end);
}

TEST_CASE("unique fd survives self-move") {
    const auto [read_end, write_end] = make_pipe();
    UniqueFd owner(read_end);
    UniqueFd& alias = owner;
    owner = std::move(alias);
    CHECK(owner.get() == read_end);
    CHECK(fcntl_error(read_end) == 0);
    ::close(write_end);
}

}  // namespace
}  // namespace gatewarden
