#pragma once
// The one interface through which the rest of the agent hands events to the log.

#include "agent/audit/event.hpp"

namespace gatewarden::audit {

class EventSink {
public:
    virtual ~EventSink() = default;

    // Queues an event for writing. Thread safe, never blocks on disk I/O, and
    // never drops an event silently: an event that cannot be queued or
    // written makes healthy() false.
    virtual void record(Event event) = 0;

    // False once the log has failed to write (a sticky state); the proxy then
    // applies `audit.on_failure`. Thread safe.
    virtual bool healthy() const noexcept = 0;
};

}  // namespace gatewarden::audit
