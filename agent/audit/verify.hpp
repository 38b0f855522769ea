#pragma once
// Verification of a log folder: the hash chain, the sequence numbers and the
// seal signatures, with the first sequence number that is wrong and how.

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "platform/crypto.hpp"
#include "platform/result.hpp"

namespace gatewarden::audit {

enum class FindingKind {
    edited,     // a line's hash differs from the next prev, or from the seal that covers it
    removed,    // sequence numbers are missing
    reordered,  // a sequence number comes after a higher one
    bad_seal,   // a seal's signature, key id or covered line is wrong
    malformed,  // not JSON, or a required field is missing or of the wrong type
};

std::string_view to_string(FindingKind kind);

struct Finding {
    FindingKind kind = FindingKind::malformed;
    std::uint64_t seq = 0;   // the first sequence number that this finding makes wrong
    std::string segment;     // file name of the segment holding the line
    std::uint64_t line = 0;  // 1-based line number in that segment
    std::string message;
    bool other_key = false;  // a bad_seal only because the seal names another key
};

struct VerifyReport {
    std::uint64_t segments = 0;
    std::uint64_t lines = 0;  // whole lines, seals included
    std::uint64_t seals = 0;  // seals with a valid signature over the line they name
    std::uint64_t last_sealed_seq = 0;
    std::uint64_t unsealed = 0;  // events after the line that the last valid seal covers
    // Bytes after the last newline of the newest segment: a write in progress,
    // or one that a crash cut short. Not a failure, because the writer cuts
    // them at its next start and records that it did.
    std::uint64_t incomplete_tail_bytes = 0;
    std::string trusted_kid;  // the key id of the key the seals were checked with
    std::uint64_t seals_naming_trusted_key = 0;  // valid or not
    // Seals that name another key than the trusted one, counted per key id.
    // When no seal names the trusted key, the likelier cause is a wrong
    // --public-key rather than an altered log, and the text report adds a
    // note to that effect.
    std::map<std::string, std::uint64_t> seals_by_other_keys;
    std::vector<Finding> findings;  // at most kMaxFindings, in the order found
    std::uint64_t findings_not_listed = 0;

    static constexpr std::size_t kMaxFindings = 1000;

    bool whole() const noexcept { return findings.empty() && findings_not_listed == 0; }
    // True when seals exist but none names the trusted key: most likely the
    // key given is not the one of the gateway that wrote the log.
    bool no_seal_names_trusted_key() const noexcept {
        return seals_naming_trusted_key == 0 && !seals_by_other_keys.empty();
    }
    std::optional<std::uint64_t> first_wrong_seq() const;
};

// Walks every segment of `dir` in order. Fails (rather than reporting) when
// the folder or a segment cannot be read, or the folder contains no segment.
Result<VerifyReport> verify_log(const std::filesystem::path& dir, const crypto::PublicKey& key);

// One human line per finding, then a summary line.
void print_report_text(std::ostream& out, const VerifyReport& report);
nlohmann::json report_to_json(const VerifyReport& report);

}  // namespace gatewarden::audit
