#include "agent/audit/line_reader.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

namespace gatewarden::audit {
namespace {

constexpr std::size_t kChunkSize = 1024 * 1024;

struct FileCloser {
    void operator()(std::FILE* file) const { std::fclose(file); }
};

Status read_segment(const Segment& segment, bool last,
                    const std::function<void(const LogLine&)>& visit) {
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(segment.path.c_str(), "rb"));
    if (!file) {
        return Error{errno, "cannot read " + segment.path.string() + ": " + std::strerror(errno)};
    }

    LogLine line;
    line.segment = &segment;
    line.in_last_segment = last;

    std::string pending;  // the start of a line that continues in the next chunk
    std::string chunk(kChunkSize, '\0');
    for (;;) {
        const std::size_t got = std::fread(chunk.data(), 1, chunk.size(), file.get());
        if (got == 0) break;

        std::string_view rest(chunk.data(), got);
        for (auto newline = rest.find('\n'); newline != std::string_view::npos;
             newline = rest.find('\n')) {
            line.line_number += 1;
            if (pending.empty()) {
                line.text = rest.substr(0, newline);
                visit(line);
            } else {
                pending.append(rest.substr(0, newline));
                line.text = pending;
                visit(line);
                pending.clear();
            }
            rest.remove_prefix(newline + 1);
        }
        pending.append(rest);
    }
    if (std::ferror(file.get())) {
        return Error{EIO, "cannot read " + segment.path.string() + ": read error"};
    }

    if (!pending.empty()) {
        line.line_number += 1;
        line.text = pending;
        line.terminated = false;
        visit(line);
    }
    return Ok{};
}

}  // namespace

Status for_each_line(const std::vector<Segment>& segments,
                     const std::function<void(const LogLine&)>& visit) {
    for (std::size_t i = 0; i < segments.size(); ++i) {
        auto read = read_segment(segments[i], i + 1 == segments.size(), visit);
        if (!read) return read;
    }
    return Ok{};
}

}  // namespace gatewarden::audit
