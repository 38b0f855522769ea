#include "agent/proxy/worker.hpp"

#include <vector>

#include <spdlog/spdlog.h>

#include "platform/thread_name.hpp"

namespace gatewarden::proxy {

Worker::~Worker() { stop(); }

void Worker::start_thread(const std::string& name) {
    thread_ = std::thread([this, name] {
        name_this_thread(name);
        try {
            loop_.run();
        } catch (const std::exception& error) {
            // Session code reports failures as results, so reaching this is a
            // bug, or epoll_wait failed.
            spdlog::critical("proxy: network thread stopped by an exception: {}", error.what());
            std::terminate();
        }
    });
}

void Worker::stop() {
    loop_.stop();
    if (thread_.joinable()) {
        thread_.join();
    }
    for_each_session([](Session& session) { session.abandon(); });
}

void Worker::adopt(const std::shared_ptr<Session>& session) {
    sessions_.push_back(*session);
    session->start();
}

void Worker::for_each_session(const std::function<void(Session&)>& visit) {
    // Hold every session while visiting, because a visit may end one.
    std::vector<std::shared_ptr<Session>> live;
    for (Session& session : sessions_) {
        if (auto held = session.weak_from_this().lock()) {
            live.push_back(std::move(held));
        }
    }
    for (const auto& session : live) {
        visit(*session);
    }
}

}  // namespace gatewarden::proxy
