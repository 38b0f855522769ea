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

std::vector<std::uint8_t> contents(const FrameReader& reader) {
    const auto data = reader.data();
    return {data.begin(), data.end()};
}
}  // namespace

TEST_CASE("frame reader holds no storage when idle") {
    FrameReader reader(1024);
    CHECK(reader.capacity() == 0);

    feed(reader, {1, 2, 3});
    reader.consume(3);
    reader.keep_unconsumed();
    reader.release_if_empty();
    CHECK(reader.capacity() == 0);
}

TEST_CASE("frame reader reads whole frames without own storage") {
    FrameReader reader(1024);
    const auto space = reader.prepare();
    CHECK(space.size() == FrameReader::kSharedSize);

    feed(reader, {1, 2, 3, 4});
    CHECK(contents(reader) == std::vector<std::uint8_t>{1, 2, 3, 4});
    reader.consume(4);
    reader.keep_unconsumed();
    CHECK(reader.capacity() == 0);
}

TEST_CASE("frame reader keeps a partial frame") {
    FrameReader reader(1024);
    feed(reader, {1, 2, 3, 4});
    reader.consume(2);
    reader.keep_unconsumed();
    reader.release_if_empty();

    CHECK(contents(reader) == std::vector<std::uint8_t>{3, 4});
    CHECK(reader.capacity() >= 1024);
}

TEST_CASE("frame reader appends to a kept partial frame") {
    FrameReader reader(1024);
    feed(reader, {1, 2, 3});
    reader.consume(1);
    reader.keep_unconsumed();

    feed(reader, {4, 5});
    CHECK(contents(reader) == std::vector<std::uint8_t>{2, 3, 4, 5});
}

TEST_CASE("frame reader keeps its bytes when another reader reads") {
    FrameReader first(1024);
    FrameReader second(1024);
    feed(first, {1, 2, 3});
    first.consume(1);
    first.keep_unconsumed();

    feed(second, {9, 9, 9, 9});
    CHECK(contents(first) == std::vector<std::uint8_t>{2, 3});
    CHECK(contents(second) == std::vector<std::uint8_t>{9, 9, 9, 9});
}

TEST_CASE("frame reader keeps what prepare finds unconsumed") {
    FrameReader reader(1024);
    feed(reader, {1, 2, 3});
    reader.consume(2);

    // A caller that reads again without keep_unconsumed() loses nothing.
    feed(reader, {4});
    CHECK(contents(reader) == std::vector<std::uint8_t>{3, 4});
}

TEST_CASE("frame reader grows for a large frame") {
    FrameReader reader(1024);
    feed(reader, {7, 8});
    reader.expect_frame(5000);
    reader.keep_unconsumed();

    const auto space = reader.prepare();
    CHECK(space.size() + reader.data().size() >= 5000);
    CHECK(contents(reader) == std::vector<std::uint8_t>{7, 8});
}

TEST_CASE("frame reader holds a frame larger than the shared buffer") {
    FrameReader reader(1024);
    const std::size_t frame_size = FrameReader::kSharedSize + 1000;
    std::vector<std::uint8_t> frame(frame_size);
    for (std::size_t i = 0; i < frame.size(); ++i) frame[i] = static_cast<std::uint8_t>(i);

    std::size_t fed = 0;
    for (int reads = 0; reads < 8 && fed < frame.size(); ++reads) {
        auto space = reader.prepare();
        const std::size_t bytes = std::min(space.size(), frame.size() - fed);
        std::memcpy(space.data(), frame.data() + fed, bytes);
        reader.commit(bytes);
        fed += bytes;
        reader.expect_frame(frame_size);
        reader.keep_unconsumed();
    }

    REQUIRE(fed == frame.size());
    CHECK(contents(reader) == frame);
}
