#include <array>

#include <doctest/doctest.h>

#include "agent/proxy/output_buffer.hpp"

using gatewarden::proxy::OutputBuffer;

namespace {
constexpr std::array<std::uint8_t, 4> kFrame{0xC0, 0x00, 0xD0, 0x00};
}

TEST_CASE("output buffer released when idle") {
    OutputBuffer output;
    output.append(kFrame);
    REQUIRE(output.pending().capacity() > 0);

    output.release_if_idle();
    CHECK(output.size() == kFrame.size());  // still pending: nothing is freed

    output.pending().clear();
    output.release_if_idle();
    CHECK(output.idle());
    CHECK(output.size() == 0);
    CHECK(output.writing().capacity() == 0);
}

TEST_CASE("output buffer kept during a write") {
    OutputBuffer output;
    output.append(kFrame);
    REQUIRE(output.start_write());

    output.release_if_idle();
    CHECK(output.write_in_flight());
    CHECK(output.writing().size() == kFrame.size());

    output.finish_write();
    CHECK(output.idle());
    CHECK(output.writing().capacity() == 0);
}

TEST_CASE("output buffer passes block to next") {
    OutputBuffer earlier;  // takes the spare an earlier test left, if any
    earlier.append(kFrame);
    REQUIRE(OutputBuffer::thread_spare_capacity() == 0);

    OutputBuffer quiet;
    quiet.append(kFrame);
    const std::uint8_t* first_block = quiet.pending().data();
    quiet.pending().clear();
    quiet.release_if_idle();
    CHECK(OutputBuffer::thread_spare_capacity() > 0);

    OutputBuffer next;
    next.append(kFrame);
    CHECK(next.pending().data() == first_block);
    CHECK(OutputBuffer::thread_spare_capacity() == 0);

    // Only one spare is kept: a second idle buffer frees its block, and the
    // spare is still the first one.
    next.pending().clear();
    next.release_if_idle();
    earlier.pending().clear();
    earlier.release_if_idle();
    OutputBuffer taker;
    taker.append(kFrame);
    CHECK(taker.pending().data() == first_block);
    CHECK(OutputBuffer::thread_spare_capacity() == 0);
}

TEST_CASE("output buffer frees grown block") {
    OutputBuffer earlier;  // takes the spare an earlier test left, if any
    earlier.append(kFrame);
    REQUIRE(OutputBuffer::thread_spare_capacity() == 0);

    OutputBuffer output;
    const std::vector<std::uint8_t> large(64 * 1024, 0x30);
    output.append(large);
    REQUIRE(output.pending().capacity() >= large.size());
    output.pending().clear();
    output.release_if_idle();

    CHECK(OutputBuffer::thread_spare_capacity() == 0);
}

TEST_CASE("output buffer write taken in parts") {
    OutputBuffer output;
    output.append(kFrame);
    REQUIRE(output.start_write());
    output.append(kFrame);  // waits in pending for the next write

    output.advance(1);
    CHECK(output.unwritten().size() == kFrame.size() - 1);
    CHECK(output.unwritten()[0] == kFrame[1]);
    CHECK(output.size() == 2 * kFrame.size() - 1);

    output.advance(kFrame.size() - 1);
    CHECK(output.unwritten().empty());
    output.finish_write();
    CHECK(output.size() == kFrame.size());
    REQUIRE(output.start_write());
    CHECK(output.unwritten().size() == kFrame.size());
}
