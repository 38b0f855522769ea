#pragma once
// A private temporary folder for one test, removed with everything in it when
// the object goes away. Set GATEWARDEN_KEEP_TEST_DIRS=1 to keep the folders
// for a look after a failure; their paths are then printed to stderr.

#include <filesystem>
#include <string>

namespace gatewarden::testing {

class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

// Writes `text` to `file`, replacing it; throws std::runtime_error on failure.
void write_file(const std::filesystem::path& file, const std::string& text);

// Reads the whole of `file`; an empty string when it does not exist.
std::string read_file(const std::filesystem::path& file);

}  // namespace gatewarden::testing
