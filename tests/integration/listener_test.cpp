// The listening sockets: one per network thread, all on the port of their
// `listen` address (SO_REUSEPORT), port 0 resolved once for all of them, and
// a port that another daemon already listens on still rejected at start-up.
// With `threads: 0` and the broker on loopback, there is one fewer than the
// usable CPUs (and at least one).

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <doctest/doctest.h>

#include "tests/support/ports.hpp"
#include "tests/support/process.hpp"
#include "tests/support/tcp_table.hpp"
#include "tests/support/test_gateway.hpp"
// After the test support, whose Paho headers write `mqtt::` for Paho's
// namespace, which gatewarden::mqtt would otherwise hide.
#include "agent/identity/replay_cache.hpp"
#include "agent/proxy/credential_checks.hpp"
#include "agent/proxy/gateway_state.hpp"
#include "agent/proxy/listener.hpp"
#include "platform/cpu_count.hpp"

using namespace gatewarden::testing;
namespace proxy = gatewarden::proxy;

namespace {

// Listening TCP sockets on `port`, from /proc/net/tcp (IPv4) or
// /proc/net/tcp6 (IPv6).
int listening_sockets_on(std::uint16_t port, const char* table_file = "/proc/net/tcp") {
    return count_tcp_sockets(port, TcpEnd::local, "0A", table_file);
}

// Accepts every event; the sessions of these tests never record one.
class DiscardingSink final : public gatewarden::audit::EventSink {
public:
    void record(gatewarden::audit::Event) override {}
    bool healthy() const noexcept override { return true; }
};

std::uint16_t port_of(const std::string& address) {
    return static_cast<std::uint16_t>(std::stoul(address.substr(address.rfind(':') + 1)));
}

// The test gateway's configuration file with `patch` merged in, written next
// to it as `name`.
std::filesystem::path patched_config(TestGateway& gateway, const std::string& name, const nlohmann::json& patch) {
    nlohmann::json config = gateway.daemon().config();
    config.merge_patch(patch);
    const auto file = gateway.daemon().dir() / name;
    std::ofstream(file) << config.dump();
    return file;
}

}  // namespace

TEST_CASE("listening socket per network thread") {
    TestGateway gateway;
    gateway.add_device("sensor-1");
    gateway.config_patch = {{"threads", 2}};
    gateway.start();

    CHECK(listening_sockets_on(gateway.port()) == 2);
    CHECK(gateway.login_repeatedly(gateway.uri(), "sensor-1", 6) == 6);
    CHECK(gateway.daemon().wait_for_event_count({{"type", "connect"}, {"decision", "allow"}}, 6) == 6);
}

// Each thread's name (/proc/PID/task/TID/comm) shows its role in `top -H`.
TEST_CASE("threads named by their role") {
    TestGateway gateway;
    gateway.add_device("sensor-1");
    gateway.config_patch = {{"threads", 2}};
    gateway.start();

    std::multiset<std::string> names;
    const auto tasks = std::filesystem::path("/proc") / std::to_string(gateway.daemon().pid()) / "task";
    for (const auto& task : std::filesystem::directory_iterator(tasks)) {
        std::string name;
        std::getline(std::ifstream(task.path() / "comm"), name);
        names.insert(name);
    }
    INFO("thread names: " << nlohmann::json(names).dump());
    CHECK(names.count("gw-network-0") == 1);
    CHECK(names.count("gw-network-1") == 1);
    CHECK(names.count("gw-check-0") == 1);
    CHECK(names.count("gw-log-writer") == 1);
    CHECK(names.count("gw-summary") == 1);
}

// The tests' broker listens on 127.0.0.1, so `threads: 0` leaves it a core.
TEST_CASE("default thread count leaves a core to a local broker") {
    TestGateway gateway;
    gateway.add_device("sensor-1");
    gateway.config_patch = {{"threads", 0}};
    gateway.start();

    const unsigned cpus = gatewarden::usable_cpu_count();
    const unsigned expected = cpus > 1 ? cpus - 1 : 1;
    CHECK(listening_sockets_on(gateway.port()) == static_cast<int>(expected));
    const std::string threads = std::to_string(expected) + (expected == 1 ? " network thread," : " network threads,");
    CHECK(gateway.daemon().stderr_text().find("(" + threads) != std::string::npos);
    CHECK(gateway.login_repeatedly(gateway.uri(), "sensor-1", 2) == 2);
}

// The configuration accepts only ports 1 to 65535, so port 0 is reached
// through the Listener itself, with real services that no session uses.
TEST_CASE("port 0 shared by every network thread") {
    TempDir state_dir;
    const gatewarden::config::Config config;
    proxy::StateHolder state(std::make_shared<const proxy::GatewayState>());
    gatewarden::identity::ReplayCache replay_cache(state_dir.path(), gatewarden::Clock::now());
    const gatewarden::identity::Authenticator authenticator({}, replay_cache);
    proxy::CredentialChecks credential_checks(1);
    DiscardingSink events;
    proxy::SessionServices services{config, state, authenticator, credential_checks, events, nullptr, {}};
    boost::asio::io_context main_context{1};
    std::vector<std::unique_ptr<proxy::Worker>> workers;
    workers.push_back(std::make_unique<proxy::Worker>());
    workers.push_back(std::make_unique<proxy::Worker>());

    SUBCASE("IPv4") {
        const proxy::Listener listener(main_context, {"127.0.0.1", 0}, services, workers);
        const std::uint16_t port = port_of(listener.local_address());
        CHECK(listener.local_address() == "127.0.0.1:" + std::to_string(port));
        CHECK(port != 0);
        CHECK(listening_sockets_on(port) == 2);
    }
    SUBCASE("IPv6") {
        const proxy::Listener listener(main_context, {"::1", 0}, services, workers);
        const std::uint16_t port = port_of(listener.local_address());
        CHECK(listener.local_address() == "[::1]:" + std::to_string(port));
        CHECK(port != 0);
        CHECK(listening_sockets_on(port, "/proc/net/tcp6") == 2);
    }
}

// A broker name can resolve to several addresses, and each session tries
// them in turn. The first one here refuses connections, as ::1 does for a
// broker that listens on 127.0.0.1 only. The addresses are set in-process,
// because no name on a test machine is sure to resolve to two of them.
TEST_CASE("broker reached at its second address") {
    TestGateway gateway;
    gateway.add_device("sensor-1");
    const std::filesystem::path inventory_file = gateway.dir().path() / "in-process-inventory.json";
    std::ofstream(inventory_file) << gateway.inventory.dump();
    const std::filesystem::path state_dir = gateway.dir().path() / "in-process-state";
    std::filesystem::create_directories(state_dir);

    const gatewarden::config::Config config;
    proxy::StateHolder state(proxy::load_gateway_state(inventory_file, 1));
    gatewarden::identity::ReplayCache replay_cache(state_dir, gatewarden::Clock::now());
    gatewarden::identity::AuthenticatorSettings settings;
    settings.gateway_audience = TestGatewayIdentity::audience;
    settings.gateway_environment = TestGatewayIdentity::environment;
    const gatewarden::identity::Authenticator authenticator(settings, replay_cache);
    proxy::CredentialChecks credential_checks(1);
    DiscardingSink events;
    proxy::SessionServices services{config, state, authenticator, credential_checks, events, nullptr, {}};
    const auto loopback = boost::asio::ip::make_address("127.0.0.1");
    services.broker_endpoints = {{loopback, find_free_port()}, {loopback, gateway.broker().port()}};

    boost::asio::io_context main_context{1};
    std::vector<std::unique_ptr<proxy::Worker>> workers;
    workers.push_back(std::make_unique<proxy::Worker>());
    proxy::Listener listener(main_context, {"127.0.0.1", 0}, services, workers);
    workers.front()->start_thread("gw-network-0");
    listener.start();

    auto observer = gateway.broker_observer("sensors/#");
    PahoDevice device("tcp://" + listener.local_address(), "sensor-1", MqttVersion::v3_1_1);
    const ConnectResult result = device.connect("sensor-1", gateway.token("sensor-1"));
    INFO("Paho: " << result.error);
    CHECK(result.accepted);
    if (result.accepted) {
        CHECK(device.publish("sensors/sensor-1/temp", "21.5", 1).acknowledged);
        const auto received = observer->next_message(3s);
        REQUIRE(received);
        CHECK(received->payload == "21.5");
        device.disconnect();
    }

    listener.close();
    workers.front()->stop();
    credential_checks.stop();
}

// A second daemon on another port but with the first one's folders would
// continue the first one's hash chain from the same head, and the log would
// never verify again.
TEST_CASE("second daemon on same folders rejected") {
    TestGateway gateway;
    gateway.add_device("sensor-1");
    gateway.start();
    const std::filesystem::path dir = gateway.daemon().dir().path();
    const std::string other_listen = "127.0.0.1:" + std::to_string(find_free_port());

    SUBCASE("same state and log folders") {
        const auto config = patched_config(gateway, "second.json", {{"listen", {other_listen}}});
        const auto result = run_command({GATEWARDEN_BINARY, "run", "--config", config.string()}, 10s);
        INFO("stderr: " << result.errors);
        CHECK(result.exit_status != 0);
        CHECK(result.errors.find("state_dir: ") != std::string::npos);
        CHECK(result.errors.find("is in use by another process") != std::string::npos);
    }
    SUBCASE("own state folder, same log folder") {
        std::filesystem::create_directories(dir / "second-state");
        const auto config = patched_config(
            gateway, "second.json", {{"listen", {other_listen}}, {"state_dir", (dir / "second-state").string()}});
        const auto result = run_command({GATEWARDEN_BINARY, "run", "--config", config.string()}, 10s);
        INFO("stderr: " << result.errors);
        CHECK(result.exit_status != 0);
        CHECK(result.errors.find("audit.dir: ") != std::string::npos);
        CHECK(result.errors.find("is in use by another process") != std::string::npos);
    }

    // The first daemon still admits devices, and its log still verifies.
    CHECK(gateway.login_repeatedly(gateway.uri(), "sensor-1", 1) == 1);
    CHECK(gateway.daemon().stop() == 0);
    const CommandResult verify = gateway.daemon().run_cli({"logs", "verify", "--dir", gateway.daemon().log_dir().string()});
    INFO("verify: " << verify.output << verify.errors);
    CHECK(verify.exit_status == 0);
}

TEST_CASE("second daemon on same port rejected") {
    TestGateway gateway;
    gateway.add_device("sensor-1");
    gateway.config_patch = {{"threads", 2}};
    gateway.start();

    // Its own state and log folders, so that only the port is shared.
    const std::filesystem::path dir = gateway.daemon().dir().path();
    std::filesystem::create_directories(dir / "second-state");
    const auto config = patched_config(
        gateway, "second.json",
        {{"state_dir", (dir / "second-state").string()}, {"audit", {{"dir", (dir / "second-events").string()}}}});

    const auto result = run_command({GATEWARDEN_BINARY, "run", "--config", config.string()}, 10s);
    INFO("stderr: " << result.errors);
    CHECK(result.exit_status != 0);
    CHECK(result.errors.find("listen: cannot listen on 127.0.0.1:" + std::to_string(gateway.port())) !=
          std::string::npos);
    CHECK(result.errors.find("choose a free port or stop the process that holds it") != std::string::npos);
    // The port was found taken before the event log was opened.
    CHECK_FALSE(std::filesystem::exists(dir / "second-events"));

    // The running daemon still has both of its sockets and admits devices.
    CHECK(listening_sockets_on(gateway.port()) == 2);
    CHECK(gateway.login_repeatedly(gateway.uri(), "sensor-1", 2) == 2);
}
