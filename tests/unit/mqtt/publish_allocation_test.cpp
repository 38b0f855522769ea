// The proxy parses every PUBLISH on its hot path: parsing one without
// properties must not allocate. This file replaces the global operator new of
// the unit_mqtt executable to count allocations.

#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "agent/mqtt/codec.hpp"
#include "codec_test_support.hpp"

namespace {
std::atomic<std::size_t> allocation_count{0};
}  // namespace

void* operator new(std::size_t size) {
    allocation_count.fetch_add(1, std::memory_order_relaxed);
    if (void* memory = std::malloc(size == 0 ? 1 : size)) return memory;
    throw std::bad_alloc();
}

// GCC 12 warns about free() on memory from a new-expression once these are inlined,
// but this operator new returns malloc memory, so free() is the matching call.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t) noexcept { std::free(memory); }
#pragma GCC diagnostic pop

using namespace gatewarden::mqtt;
using namespace gatewarden::mqtt::test;

TEST_CASE("publish parse without allocation") {
    const Bytes v311_frame = Body().str("plant/line-1/temperature").u16(7).raw("21.5").frame(0x32);
    const Bytes v5_frame =
        Body().str("plant/line-1/temperature").u16(7).add({0}).raw("21.5").frame(0x32);

    const std::size_t before = allocation_count.load();
    const auto v311_parsed =
        parse_publish(v311_frame, ProtocolVersion::v311, Direction::client_to_server);
    const auto v5_parsed =
        parse_publish(v5_frame, ProtocolVersion::v5, Direction::server_to_client);
    const std::size_t after = allocation_count.load();

    CHECK(v311_parsed.ok());
    CHECK(v5_parsed.ok());
    CHECK(after == before);
}

TEST_CASE("allocation counter counts") {
    // Guards the test above against a counter that never moves.
    const std::size_t before = allocation_count.load();
    auto* value = new int(1);
    CHECK(allocation_count.load() == before + 1);
    delete value;
}
