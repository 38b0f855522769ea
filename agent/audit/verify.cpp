#include "agent/audit/verify.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "agent/audit/line_reader.hpp"
#include "agent/audit/seal.hpp"
#include "agent/audit/segments.hpp"

namespace gatewarden::audit {
namespace {

// Lines remembered by seq, so that swapped or late lines can still be
// checked against their neighbours. The writer always seals the line just
// before the seal, so a small window suffices.
constexpr std::size_t kWindowSize = 4096;
constexpr std::size_t kMaxOpenGaps = 1024;

struct LineInfo {
    const Segment* segment = nullptr;
    std::uint64_t line_number = 0;
    crypto::Hash256 hash{};
    std::optional<crypto::Hash256> prev;  // nothing for a malformed line
    bool is_seal = false;
};

// A run of missing seqs, reported as `removed` unless they turn up later.
struct Gap {
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    std::optional<std::size_t> finding;  // index into the report's findings
};

std::optional<crypto::Hash256> parse_hash(const nlohmann::json& value) {
    if (!value.is_string() || value.get_ref<const std::string&>().size() != 64) return std::nullopt;
    auto bytes = crypto::from_hex(value.get_ref<const std::string&>());
    if (!bytes) return std::nullopt;
    crypto::Hash256 hash{};
    std::copy(bytes.value().begin(), bytes.value().end(), hash.begin());
    return hash;
}

std::optional<crypto::Signature> parse_signature(const nlohmann::json& value) {
    if (!value.is_string() || value.get_ref<const std::string&>().size() != 128)
        return std::nullopt;
    auto bytes = crypto::from_hex(value.get_ref<const std::string&>());
    if (!bytes) return std::nullopt;
    crypto::Signature signature{};
    std::copy(bytes.value().begin(), bytes.value().end(), signature.begin());
    return signature;
}

bool is_string_field(const nlohmann::json& line, const char* name) {
    const auto field = line.find(name);
    return field != line.end() && field->is_string();
}

bool is_seq_field(const nlohmann::json& line, const char* name) {
    const auto field = line.find(name);
    return field != line.end() && field->is_number_unsigned();
}

std::string seq_text(std::uint64_t seq) { return "seq " + std::to_string(seq); }

class Verifier {
  public:
    explicit Verifier(const crypto::PublicKey& key) : key_(key) { report_.trusted_kid = crypto::key_id(key); }

    void visit(const LogLine& line);
    VerifyReport take_report() { return std::move(report_); }

  private:
    void check_sequence(std::uint64_t seq);
    void check_neighbours(std::uint64_t seq);
    void check_seal(const nlohmann::json& parsed, std::uint64_t seq);
    void remember(std::uint64_t seq, LineInfo info);
    // Records a finding about the current line, or about the remembered line
    // `at`. Returns the finding when it is listed, or nullptr when its seq
    // already has one or the list is full.
    Finding* add_finding(FindingKind kind, std::uint64_t seq, std::string message,
                         const LineInfo* at = nullptr);
    std::uint64_t unsealed_after(std::uint64_t covers_seq) const;

    const crypto::PublicKey& key_;
    VerifyReport report_;
    const LogLine* current_ = nullptr;

    std::uint64_t expected_seq_ = 1;
    std::uint64_t highest_seq_ = 0;
    std::map<std::uint64_t, LineInfo> window_;
    std::vector<Gap> open_gaps_;
    std::set<std::uint64_t> seqs_with_findings_;
};

Finding* Verifier::add_finding(FindingKind kind, std::uint64_t seq, std::string message,
                               const LineInfo* at) {
    // One finding per seq: the first explains the rest (a malformed line also
    // breaks the next line's prev, for instance).
    if (!seqs_with_findings_.insert(seq).second) return nullptr;
    if (report_.findings.size() >= VerifyReport::kMaxFindings) {
        report_.findings_not_listed += 1;
        return nullptr;
    }
    const Segment* segment = at ? at->segment : current_->segment;
    const std::uint64_t line_number = at ? at->line_number : current_->line_number;
    return &report_.findings.emplace_back(
        Finding{kind, seq, segment->path.filename().string(), line_number, std::move(message)});
}

void Verifier::visit(const LogLine& line) {
    current_ = &line;
    if (!line.terminated && line.in_last_segment) {
        report_.incomplete_tail_bytes = line.text.size();
        return;
    }
    report_.lines += 1;

    LineInfo info;
    info.segment = line.segment;
    info.line_number = line.line_number;
    info.hash = crypto::blake2b_256(line.text);
    const auto parsed = nlohmann::json::parse(line.text, nullptr, false);
    const bool fields_ok = !parsed.is_discarded() && parsed.is_object() &&
                           is_seq_field(parsed, "seq") && is_string_field(parsed, "time") &&
                           is_string_field(parsed, "gateway") && is_string_field(parsed, "type") &&
                           parse_hash(parsed.value("prev", nlohmann::json())).has_value();
    if (!fields_ok) {
        // Assume the line sits where the next seq belongs, so that the chain
        // check of the following line still runs.
        const std::uint64_t seq = expected_seq_;
        add_finding(FindingKind::malformed, seq,
                    "line is not a JSON object with seq, time, gateway, type and prev");
        expected_seq_ = std::max(expected_seq_, seq + 1);
        highest_seq_ = std::max(highest_seq_, seq);
        remember(seq, info);
        check_neighbours(seq);
        return;
    }

    const auto seq = parsed["seq"].get<std::uint64_t>();
    info.prev = parse_hash(parsed["prev"]);
    info.is_seal = parsed["type"] == "seal";
    if (!line.terminated)
        add_finding(FindingKind::malformed, seq, "segment does not end with a newline");

    check_sequence(seq);
    const bool duplicate = window_.contains(seq);
    if (!duplicate) {
        remember(seq, info);
        check_neighbours(seq);
    }
    if (info.is_seal) {
        check_seal(parsed, seq);
    } else {
        report_.unsealed += 1;
    }
}

void Verifier::check_sequence(std::uint64_t seq) {
    if (seq > expected_seq_) {
        std::string message =
            seq == expected_seq_ + 1
                ? seq_text(expected_seq_) + " is missing"
                : seq_text(expected_seq_) + " to " + std::to_string(seq - 1) + " are missing";
        add_finding(FindingKind::removed, expected_seq_, message + " before " + seq_text(seq));

        Gap gap{expected_seq_, seq - 1, std::nullopt};
        if (!report_.findings.empty() && report_.findings.back().seq == expected_seq_) {
            gap.finding = report_.findings.size() - 1;
        }
        if (open_gaps_.size() >= kMaxOpenGaps) open_gaps_.erase(open_gaps_.begin());
        open_gaps_.push_back(gap);
    } else if (seq < expected_seq_) {
        const auto gap = std::find_if(open_gaps_.begin(), open_gaps_.end(), [&](const Gap& g) {
            return seq >= g.first && seq <= g.last;
        });
        const std::string message = seq_text(seq) + " comes after " + seq_text(highest_seq_);
        if (gap != open_gaps_.end() && gap->finding) {
            // The "missing" line turned up later: the lines were moved, not removed.
            Finding& earlier = report_.findings[*gap->finding];
            earlier.kind = FindingKind::reordered;
            earlier.message = message;
        } else if (gap == open_gaps_.end()) {
            add_finding(FindingKind::reordered, seq, message);
        }
    }
    expected_seq_ = std::max(expected_seq_, seq + 1);
    highest_seq_ = std::max(highest_seq_, seq);
}

void Verifier::check_neighbours(std::uint64_t seq) {
    const LineInfo& line = window_.at(seq);

    if (seq == 1 && line.prev && *line.prev != crypto::Hash256{}) {
        add_finding(FindingKind::edited, 1, "the first line's prev is not 64 zeros");
    }
    const auto before = window_.find(seq - 1);
    if (before != window_.end() && line.prev && *line.prev != before->second.hash) {
        add_finding(FindingKind::edited, seq - 1,
                    "line hash does not match the prev of " + seq_text(seq), &before->second);
    }
    const auto after = window_.find(seq + 1);
    if (after != window_.end() && after->second.prev && *after->second.prev != line.hash) {
        add_finding(FindingKind::edited, seq,
                    "line hash does not match the prev of " + seq_text(seq + 1), &line);
    }
}

void Verifier::check_seal(const nlohmann::json& parsed, std::uint64_t seq) {
    const auto covers_hash = parse_hash(parsed.value("covers_hash", nlohmann::json()));
    const auto signature = parse_signature(parsed.value("sig", nlohmann::json()));
    if (!is_seq_field(parsed, "covers_seq") || !is_string_field(parsed, "kid") || !covers_hash ||
        !signature) {
        add_finding(FindingKind::malformed, seq,
                    "seal lacks covers_seq, covers_hash, kid or sig in the expected form");
        return;
    }

    SealRecord seal{parsed["covers_seq"].get<std::uint64_t>(), *covers_hash,
                    parsed["kid"].get<std::string>(), *signature};
    if (seal.kid != report_.trusted_kid) {
        ++report_.seals_by_other_keys[seal.kid];
        Finding* finding = add_finding(FindingKind::bad_seal, seq,
                                       "seal is signed by key " + seal.kid + ", not by the trusted key " +
                                           report_.trusted_kid);
        if (finding != nullptr) finding->other_key = true;
        return;
    }
    ++report_.seals_naming_trusted_key;
    if (!seal_signature_valid(key_, parsed["gateway"].get<std::string>(), seal)) {
        add_finding(FindingKind::bad_seal, seq, "seal signature is invalid");
        return;
    }

    const auto covered = window_.find(seal.covers_seq);
    if (seal.covers_seq >= seq || covered == window_.end()) {
        add_finding(FindingKind::bad_seal, seq,
                    "seal covers " + seq_text(seal.covers_seq) + ", which is not a line before it");
        return;
    }
    if (covered->second.hash != seal.covers_hash) {
        add_finding(FindingKind::edited, seal.covers_seq,
                    "line no longer matches the seal at " + seq_text(seq), &covered->second);
        return;
    }

    report_.seals += 1;
    report_.last_sealed_seq = std::max(report_.last_sealed_seq, seal.covers_seq);
    report_.unsealed = unsealed_after(report_.last_sealed_seq);
}

std::uint64_t Verifier::unsealed_after(std::uint64_t covers_seq) const {
    std::uint64_t count = 0;
    for (auto line = window_.upper_bound(covers_seq); line != window_.end(); ++line) {
        if (!line->second.is_seal) count += 1;
    }
    return count;
}

void Verifier::remember(std::uint64_t seq, LineInfo info) {
    window_.emplace(seq, info);
    if (window_.size() > kWindowSize) window_.erase(window_.begin());
}

}  // namespace

std::string_view to_string(FindingKind kind) {
    switch (kind) {
        case FindingKind::edited:
            return "edited";
        case FindingKind::removed:
            return "removed";
        case FindingKind::reordered:
            return "reordered";
        case FindingKind::bad_seal:
            return "bad_seal";
        case FindingKind::malformed:
            return "malformed";
    }
    return "malformed";
}

std::optional<std::uint64_t> VerifyReport::first_wrong_seq() const {
    if (findings.empty()) return std::nullopt;
    return std::min_element(findings.begin(), findings.end(),
                            [](const Finding& a, const Finding& b) { return a.seq < b.seq; })
        ->seq;
}

Result<VerifyReport> verify_log(const std::filesystem::path& dir, const crypto::PublicKey& key) {
    auto segments = list_segments(dir);
    if (!segments) return segments.error();
    if (segments.value().empty()) {
        return Error{2, "no event segments (events-NNNNNN.jsonl) in " + dir.string() +
                            ": check that --dir names the folder set as audit.dir"};
    }

    Verifier verifier(key);
    auto read = for_each_line(segments.value(), [&](const LogLine& line) { verifier.visit(line); });
    if (!read) return read.error();

    VerifyReport report = verifier.take_report();
    report.segments = segments.value().size();
    return report;
}

}  // namespace gatewarden::audit
