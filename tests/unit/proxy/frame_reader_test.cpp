#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "agent/proxy/frame_reader.hpp"

using gatewarden::proxy::FrameReader;

namespace {
void feed(FrameReader& reader, const std::vector<std::uint8_t>& bytes) {
    auto space = reader.prepare();
    REQUIRE(space.size() >= bytes.size());
    std::memcpy(space.data(), bytes.data(), bytes.size());
    reader.commit(bytes.size());
}
}  // namespace

TEST_CASE("frame reader holds no storage when idle") {
    FrameReader reader(1024);
    CHECK(reader.capacity() == 0);

    feed(reader, {1, 2, 3});
    CHECK(reader.capacity() >= 1024);
    reader.consume(3);
    reader.release_if_empty();
    CHECK(reader.capacity() == 0);
}

TEST_CASE("frame reader keeps a partial frame") {
    FrameReader reader(1024);
    feed(reader, {1, 2, 3, 4});
    reader.consume(2);
    reader.release_if_empty();

    REQUIRE(reader.data().size() == 2);
    CHECK(reader.data()[0] == 3);
    CHECK(reader.capacity() > 0);
}

TEST_CASE("frame reader grows for a large frame") {
    FrameReader reader(1024);
    feed(reader, {7, 8});
    reader.expect_frame(5000);

    const auto space = reader.prepare();
    CHECK(space.size() + reader.data().size() >= 5000);
    CHECK(reader.data()[0] == 7);
    CHECK(reader.data()[1] == 8);
}
