#include "platform/durable_file.hpp"

#include <doctest/doctest.h>

#include "tests/support/temp_dir.hpp"

namespace gatewarden {
namespace {

TEST_CASE("durable file appends and syncs") {
    testing::TempDir dir;
    auto opened = DurableFile::open_append(dir / "log");
    REQUIRE(opened.ok());
    DurableFile file = std::move(opened).value();
    CHECK(file.append("one\n").ok());
    CHECK(file.append("two\n").ok());
    CHECK(file.sync().ok());
    CHECK(file.size() == 8);
    CHECK(testing::read_file(dir / "log") == "one\ntwo\n");

    auto reopened = DurableFile::open_append(dir / "log");
    REQUIRE(reopened.ok());
    CHECK(reopened.value().size() == 8);
}

TEST_CASE("durable file failure is sticky") {
    auto opened = DurableFile::open_append("/dev/full");
    REQUIRE(opened.ok());
    DurableFile file = std::move(opened).value();

    const auto first = file.append("x");
    REQUIRE_FALSE(first.ok());
    CHECK(first.error().message.find("/dev/full") != std::string::npos);
    CHECK(file.failed());
    CHECK_FALSE(file.append("").ok());
    CHECK_FALSE(file.sync().ok());
    CHECK(file.sync().error().message == first.error().message);
}

TEST_CASE("durable file open fails under a file") {
    testing::TempDir dir;
    testing::write_file(dir / "plain", "x");
    auto opened = DurableFile::open_append(dir / "plain" / "log");
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.error().message.find("plain/log") != std::string::npos);
}

TEST_CASE("atomic write replaces contents") {
    testing::TempDir dir;
    REQUIRE(write_file_atomically(dir / "key.pub", "first").ok());
    REQUIRE(write_file_atomically(dir / "key.pub", "second").ok());
    CHECK(testing::read_file(dir / "key.pub") == "second");
    CHECK_FALSE(std::filesystem::exists(dir / "key.pub.tmp"));
}

}  // namespace
}  // namespace gatewarden
