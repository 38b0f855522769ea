#include "platform/folder_lock.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <string>

#include "tests/support/temp_dir.hpp"

namespace gatewarden {
namespace {

TEST_CASE("folder lock held by one owner") {
    testing::TempDir dir;
    auto first = FolderLock::acquire(dir.path());
    REQUIRE(first.ok());
    CHECK(first.value().held());

    const auto second = FolderLock::acquire(dir.path());
    REQUIRE_FALSE(second.ok());
    CHECK(second.error().message.find(dir.path().string() + " is in use by another process") != std::string::npos);
    CHECK(second.error().message.find("process id " + std::to_string(::getpid())) != std::string::npos);
}

TEST_CASE("folder lock released with its owner") {
    testing::TempDir dir;
    {
        auto first = FolderLock::acquire(dir.path());
        REQUIRE(first.ok());
    }
    CHECK(FolderLock::acquire(dir.path()).ok());
}

TEST_CASE("folder lock moves to a new owner") {
    testing::TempDir dir;
    auto first = FolderLock::acquire(dir.path());
    REQUIRE(first.ok());
    FolderLock moved = std::move(first).value();
    CHECK(moved.held());
    CHECK_FALSE(FolderLock::acquire(dir.path()).ok());

    moved = FolderLock();
    CHECK_FALSE(moved.held());
    CHECK(FolderLock::acquire(dir.path()).ok());
}

TEST_CASE("folder lock names a missing folder") {
    testing::TempDir dir;
    const auto lock = FolderLock::acquire(dir / "missing");
    REQUIRE_FALSE(lock.ok());
    CHECK(lock.error().message.find("missing/.lock: No such file or directory") != std::string::npos);
}

}  // namespace
}  // namespace gatewarden
