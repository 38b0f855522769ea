#include <doctest/doctest.h>

#include <signal.h>
#include <sys/resource.h>

#include <atomic>
#include <thread>

#include "agent/identity/replay_cache.hpp"
#include "identity_fixtures.hpp"

namespace gatewarden::identity {
namespace {

using std::chrono::seconds;
using testing::test_now;

std::size_t count_lines(const std::filesystem::path& file) {
    const std::string text = testing::read_text(file);
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

ReplayCheck record(ReplayCache& cache, const std::string& device, const std::string& jti,
                   Clock::time_point expires_at, Clock::time_point now) {
    auto result = cache.record(device, jti, expires_at, now);
    REQUIRE(result.ok());
    return result.value();
}

// Lowers the file size limit of this process for its lifetime, so that
// writes beyond `bytes` fail with EFBIG as they would on a full disk.
class FileSizeLimit {
public:
    explicit FileSizeLimit(rlim_t bytes) {
        REQUIRE(::getrlimit(RLIMIT_FSIZE, &original_) == 0);
        previous_handler_ = ::signal(SIGXFSZ, SIG_IGN);
        rlimit limited = original_;
        limited.rlim_cur = bytes;
        REQUIRE(::setrlimit(RLIMIT_FSIZE, &limited) == 0);
    }
    ~FileSizeLimit() {
        ::setrlimit(RLIMIT_FSIZE, &original_);
        ::signal(SIGXFSZ, previous_handler_);
    }

private:
    rlimit original_{};
    sighandler_t previous_handler_ = SIG_DFL;
};

}  // namespace

TEST_CASE("replay cache rejects second use") {
    crypto::init_crypto();
    testing::TempDir state;
    ReplayCache cache(state.path(), test_now());
    const auto expires = test_now() + seconds(60);

    CHECK(record(cache, "cam-1", "a", expires, test_now()) == ReplayCheck::first_use);
    CHECK(record(cache, "cam-1", "a", expires, test_now() + seconds(59)) == ReplayCheck::replayed);
    CHECK(record(cache, "cam-2", "a", expires, test_now()) == ReplayCheck::first_use);
    CHECK(record(cache, "cam-1", "b", expires, test_now()) == ReplayCheck::first_use);
    CHECK(cache.size() == 3);
}

TEST_CASE("replay cache refuses a state folder in use") {
    crypto::init_crypto();
    testing::TempDir state;
    ReplayCache first(state.path(), test_now());
    const std::string expected = "state_dir: " + state.path().string() + " is in use by another process";
    CHECK_THROWS_WITH_AS(ReplayCache(state.path(), test_now()), doctest::Contains(expected.c_str()),
                         std::runtime_error);
}

TEST_CASE("replay cache separates device and jti") {
    crypto::init_crypto();
    testing::TempDir state;
    ReplayCache cache(state.path(), test_now());
    const auto expires = test_now() + seconds(60);

    CHECK(record(cache, "cam", "-1x", expires, test_now()) == ReplayCheck::first_use);
    CHECK(record(cache, "cam-1", "x", expires, test_now()) == ReplayCheck::first_use);
}

TEST_CASE("replay cache forgets expired jti") {
    crypto::init_crypto();
    testing::TempDir state;
    ReplayCache cache(state.path(), test_now());
    const auto expires = test_now() + seconds(60);

    CHECK(record(cache, "cam-1", "a", expires, test_now()) == ReplayCheck::first_use);
    CHECK(record(cache, "cam-1", "a", expires + seconds(60), expires) == ReplayCheck::first_use);
}

TEST_CASE("replay cache survives reload") {
    crypto::init_crypto();
    testing::TempDir state;
    {
        ReplayCache cache(state.path(), test_now());
        CHECK(record(cache, "cam-1", "short", test_now() + seconds(10), test_now()) == ReplayCheck::first_use);
        CHECK(record(cache, "cam-1", "long", test_now() + seconds(600), test_now()) == ReplayCheck::first_use);
        CHECK(record(cache, "cam-2", "long", test_now() + seconds(600), test_now()) == ReplayCheck::first_use);
    }
    CHECK(count_lines(state / "replay-cache") == 3);

    const auto later = test_now() + seconds(20);
    ReplayCache reloaded(state.path(), later);

    CHECK(reloaded.size() == 2);
    CHECK(count_lines(state / "replay-cache") == 2);  // the expired entry was dropped from the file too
    CHECK(record(reloaded, "cam-1", "long", test_now() + seconds(600), later) == ReplayCheck::replayed);
    CHECK(record(reloaded, "cam-2", "long", test_now() + seconds(600), later) == ReplayCheck::replayed);
    CHECK(record(reloaded, "cam-1", "short", later + seconds(10), later) == ReplayCheck::first_use);
}

TEST_CASE("replay cache skips malformed lines") {
    crypto::init_crypto();
    testing::TempDir state;
    {
        ReplayCache cache(state.path(), test_now());
        CHECK(record(cache, "cam-1", "kept", test_now() + seconds(600), test_now()) == ReplayCheck::first_use);
    }
    std::string text = testing::read_text(state / "replay-cache");
    text += "not a line\n" + std::string(64, 'z') + " 123\n" + text.substr(0, 40);  // the last one cut short
    testing::write_text(state / "replay-cache", text);

    ReplayCache reloaded(state.path(), test_now());

    CHECK(reloaded.size() == 1);
    CHECK(count_lines(state / "replay-cache") == 1);
    CHECK(record(reloaded, "cam-1", "kept", test_now() + seconds(600), test_now()) == ReplayCheck::replayed);
}

TEST_CASE("replay cache compacts grown file") {
    crypto::init_crypto();
    testing::TempDir state;
    ReplayCache cache(state.path(), test_now());

    // 5,000 tokens, 100 per second, each valid for 2 seconds: at most 300 are live at once.
    std::size_t largest_file = 0;
    for (int i = 0; i < 5000; ++i) {
        const auto now = test_now() + std::chrono::milliseconds(i * 10);
        REQUIRE(record(cache, "cam-1", "jti-" + std::to_string(i), now + seconds(2), now) == ReplayCheck::first_use);
        if (i % 250 == 0) largest_file = std::max(largest_file, count_lines(cache.file()));
    }

    CHECK(largest_file <= 2048);
    CHECK(count_lines(cache.file()) <= 2048);
    CHECK(cache.size() <= 2048);
    CHECK(record(cache, "cam-1", "jti-4999", test_now() + seconds(60), test_now() + seconds(50)) ==
          ReplayCheck::replayed);
}

TEST_CASE("replay cache reports write failure") {
    crypto::init_crypto();
    testing::TempDir state;
    {
        ReplayCache cache(state.path(), test_now());
        const auto expires = test_now() + seconds(600);
        CHECK(record(cache, "cam-1", "first", expires, test_now()) == ReplayCheck::first_use);
        const auto size_before = std::filesystem::file_size(cache.file());

        {
            // Room for 10 more bytes: the append leaves half a line behind.
            FileSizeLimit limit(size_before + 10);
            auto failed = cache.record("cam-1", "second", expires, test_now());
            REQUIRE_FALSE(failed.ok());
            CHECK(failed.error().message.find(cache.file().string()) != std::string::npos);
            CHECK(failed.error().message.find("File too large") != std::string::npos);
        }
        CHECK(cache.size() == 1);

        // Writable again: the file is rewritten whole and the jti recorded.
        CHECK(record(cache, "cam-1", "second", expires, test_now()) == ReplayCheck::first_use);
        CHECK(count_lines(cache.file()) == 2);
    }
    ReplayCache reloaded(state.path(), test_now());
    CHECK(reloaded.size() == 2);
}

TEST_CASE("replay cache admits jti once across threads") {
    crypto::init_crypto();
    testing::TempDir state;
    ReplayCache cache(state.path(), test_now());
    std::atomic<int> first_uses{0};

    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 200; ++i) {
                auto result = cache.record("cam-1", std::to_string(i), test_now() + seconds(60), test_now());
                if (result.ok() && result.value() == ReplayCheck::first_use) ++first_uses;
            }
        });
    }
    for (std::thread& thread : threads) thread.join();

    CHECK(first_uses == 200);
    CHECK(count_lines(cache.file()) == 200);
}

TEST_CASE("replay cache names unusable state directory") {
    crypto::init_crypto();
    testing::TempDir state;
    CHECK_THROWS_WITH_AS(ReplayCache(state / "missing", test_now()),
                         doctest::Contains((state / "missing" / "replay-cache").string().c_str()),
                         std::runtime_error);
}

TEST_CASE("replay cache file has mode 0600") {
    crypto::init_crypto();
    testing::TempDir state;
    ReplayCache cache(state.path(), test_now());
    const auto permissions = std::filesystem::status(cache.file()).permissions();
    CHECK((permissions & (std::filesystem::perms::group_all | std::filesystem::perms::others_all)) ==
          std::filesystem::perms::none);
}

}  // namespace gatewarden::identity
