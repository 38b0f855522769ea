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
