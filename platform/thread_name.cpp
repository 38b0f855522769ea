#include "platform/thread_name.hpp"

#include <pthread.h>

namespace gatewarden {

void name_this_thread(const std::string& name) {
    constexpr std::size_t kMaxLength = 15;  // TASK_COMM_LEN less the terminating zero
    const std::string cut = name.substr(0, kMaxLength);
    ::pthread_setname_np(::pthread_self(), cut.c_str());
}

}  // namespace gatewarden
