#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "agent/proxy/event_loop.hpp"

using gatewarden::proxy::EventLoop;
using gatewarden::proxy::ReadinessWatcher;
using gatewarden::proxy::TimerQueue;
using namespace std::chrono_literals;

namespace {

// Both ends of a connected stream socket pair, closed at the end.
struct SocketPair {
    SocketPair() { REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, ends.data()) == 0); }
    ~SocketPair() {
        for (int end : ends) {
            if (end >= 0) {
                ::close(end);
            }
        }
    }
    void send(char byte) const { REQUIRE(::write(ends[1], &byte, 1) == 1); }
    std::array<int, 2> ends{-1, -1};
};

// Counts the input events of one descriptor and runs `on_input` for each.
class InputCounter final : public ReadinessWatcher, public std::enable_shared_from_this<InputCounter> {
public:
    void on_ready(std::uint32_t events) override {
        if ((events & EPOLLIN) != 0) {
            ++inputs;
            on_input();
        }
    }
    std::shared_ptr<const void> hold() override { return shared_from_this(); }

    int inputs = 0;
    std::function<void()> on_input = [] {};
};

void drain(int descriptor) {
    std::array<char, 64> bytes{};
    while (::read(descriptor, bytes.data(), bytes.size()) > 0) {
    }
}

}  // namespace

TEST_CASE("event loop runs cross-thread posts") {
    EventLoop loop;
    std::thread::id ran_on;
    std::thread runner([&] { loop.run(); });

    const std::thread::id runner_id = runner.get_id();

    std::thread poster([&] { loop.post([&] { ran_on = std::this_thread::get_id(); loop.stop(); }); });
    poster.join();
    runner.join();
    CHECK(ran_on == runner_id);
}

TEST_CASE("event loop stops when idle") {
    EventLoop loop;
    std::atomic<bool> returned{false};
    std::thread runner([&] {
        loop.run();
        returned = true;
    });
    std::this_thread::sleep_for(20ms);
    CHECK_FALSE(returned);

    loop.stop();
    runner.join();
    CHECK(returned);
}

TEST_CASE("event loop reports each arrival once") {
    EventLoop loop;
    SocketPair pair;
    auto counter = std::make_shared<InputCounter>();
    boost::system::error_code error;
    loop.watch(pair.ends[0], *counter, error);
    REQUIRE_FALSE(error);

    // The first byte is left unread: being edge-triggered, the loop reports
    // it once and not again until another byte arrives.
    std::vector<int> seen;
    pair.send('a');
    loop.timers().add(TimerQueue::Clock::now() + 30ms, [&] {
        seen.push_back(counter->inputs);
        pair.send('b');
        loop.timers().add(TimerQueue::Clock::now() + 30ms, [&] {
            seen.push_back(counter->inputs);
            loop.stop();
        });
    });
    loop.run();
    CHECK(seen == std::vector<int>{1, 2});
}

TEST_CASE("event loop runs deferred tasks") {
    EventLoop loop;
    SocketPair pair;
    auto counter = std::make_shared<InputCounter>();
    std::vector<std::string> order;
    counter->on_input = [&] {
        drain(pair.ends[0]);
        order.push_back("input");
        loop.defer([&] {
            order.push_back("deferred");
            loop.defer([&] {
                order.push_back("deferred by deferred");
                loop.stop();
            });
        });
    };
    boost::system::error_code error;
    loop.watch(pair.ends[0], *counter, error);
    REQUIRE_FALSE(error);

    pair.send('a');
    loop.run();
    CHECK(order == std::vector<std::string>{"input", "deferred", "deferred by deferred"});
}

TEST_CASE("event loop runs idle task") {
    EventLoop loop;
    std::string ran;
    loop.post([&] {
        loop.when_idle(
            [&] {
                ran = "task";
                loop.stop();
            },
            [&] {
                ran = "fallback";
                loop.stop();
            });
    });
    loop.run();
    CHECK(ran == "task");
}

// Each input sends the next byte, so every wait finds an event. The idle
// task gives way to its fallback after the allowed number of busy waits
// that followed the wait in which it came.
TEST_CASE("event loop falls back while busy") {
    constexpr int kMaxInputs = 20;
    EventLoop loop;
    SocketPair pair;
    auto counter = std::make_shared<InputCounter>();
    std::string ran;
    int inputs_at_outcome = 0;
    const auto finish = [&](const std::string& outcome) {
        ran = outcome;
        inputs_at_outcome = counter->inputs;
        loop.stop();
    };
    counter->on_input = [&] {
        drain(pair.ends[0]);
        if (counter->inputs == 1) {
            loop.when_idle([&] { finish("task"); }, [&] { finish("fallback"); });
        }
        if (counter->inputs < kMaxInputs) {
            pair.send('b');
        }
    };
    boost::system::error_code error;
    loop.watch(pair.ends[0], *counter, error);
    REQUIRE_FALSE(error);

    pair.send('a');
    loop.timers().add(TimerQueue::Clock::now() + 5s, [&] { loop.stop(); });
    loop.run();
    CHECK(ran == "fallback");
    CHECK(inputs_at_outcome == 1 + EventLoop::kBusyWaitsBeforeFallback);
}

TEST_CASE("event loop holds batch watchers") {
    EventLoop loop;
    std::array<SocketPair, 2> pairs;
    std::array<std::shared_ptr<InputCounter>, 2> owners{std::make_shared<InputCounter>(),
                                                        std::make_shared<InputCounter>()};
    std::array<std::weak_ptr<InputCounter>, 2> watched{owners[0], owners[1]};
    int reported = 0;

    // Whichever is reported first lets go of the other, as one session's
    // packet can end another; the other is still reported, intact.
    for (std::size_t k = 0; k < 2; ++k) {
        owners[k]->on_input = [&, k] {
            ++reported;
            owners[1 - k].reset();
        };
        boost::system::error_code error;
        loop.watch(pairs[k].ends[0], *owners[k], error);
        REQUIRE_FALSE(error);
        pairs[k].send('a');
    }

    loop.timers().add(TimerQueue::Clock::now() + 30ms, [&] { loop.stop(); });
    loop.run();
    CHECK(reported == 2);
    CHECK(watched[0].expired());
    CHECK(watched[1].expired());
}

TEST_CASE("event loop drops unrun tasks") {
    auto captured = std::make_shared<int>(7);
    bool ran = false;
    {
        EventLoop loop;
        loop.post([captured, &ran] { ran = true; });
        CHECK(captured.use_count() == 2);
    }
    CHECK_FALSE(ran);
    CHECK(captured.use_count() == 1);
}

TEST_CASE("event loop rejects bad descriptor") {
    EventLoop loop;
    auto counter = std::make_shared<InputCounter>();
    boost::system::error_code error;
    loop.watch(-1, *counter, error);
    CHECK(error == boost::system::errc::bad_file_descriptor);
}
