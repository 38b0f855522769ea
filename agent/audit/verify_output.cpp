// Text and JSON forms of a verification report (declared in verify.hpp).
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>

#include "agent/audit/verify.hpp"
#include "platform/counted.hpp"

namespace gatewarden::audit {
namespace {

constexpr std::uint64_t kOtherKeyFindingsListed = 3;

// The finding with the lowest seq; the report must have one.
const Finding& first_finding(const VerifyReport& report) {
    return *std::min_element(report.findings.begin(), report.findings.end(),
                             [](const Finding& a, const Finding& b) { return a.seq < b.seq; });
}

// "key 1a2b (3 seals), key 3c4d (1 seal)".
std::string other_keys_text(const std::map<std::string, std::uint64_t>& seals_by_key) {
    std::string text;
    for (const auto& [kid, count] : seals_by_key) {
        if (!text.empty()) text += ", ";
        text += "key " + kid + " (" + counted(count, "seal") + ")";
    }
    return text;
}

}  // namespace

void print_report_text(std::ostream& out, const VerifyReport& report) {
    // With the wrong key every seal is a finding. The likely cause comes
    // first, and only a few of those findings follow, so the cause is not buried.
    const bool wrong_key_likely = report.no_seal_names_trusted_key();
    if (wrong_key_likely) {
        out << "note: no seal names the trusted key " << report.trusted_kid << "; the seals name "
            << other_keys_text(report.seals_by_other_keys)
            << ". If --public-key is not the key of the gateway that wrote this log, pass that "
               "gateway's gateway.pub; if it is, these seals were not made by it\n";
    }

    std::uint64_t other_key_findings = 0;
    for (const Finding& finding : report.findings) {
        if (wrong_key_likely && finding.other_key && ++other_key_findings > kOtherKeyFindingsListed) continue;
        out << "seq " << finding.seq << ": " << to_string(finding.kind) << ": " << finding.message
            << " (" << finding.segment << " line " << finding.line << ")\n";
    }
    if (other_key_findings > kOtherKeyFindingsListed) {
        out << counted(other_key_findings - kOtherKeyFindingsListed, "more seal")
            << " naming another key not listed (--format json lists them)\n";
    }
    if (report.findings_not_listed > 0) {
        out << report.findings_not_listed << " more findings not listed\n";
    }
    if (report.incomplete_tail_bytes > 0) {
        out << "note: the newest segment ends with " << report.incomplete_tail_bytes
            << " bytes without a newline (a write in progress or cut short by a crash); "
               "the writer removes them at its next start\n";
    }

    out << counted(report.lines, "line") << " in " << counted(report.segments, "segment") << ", "
        << counted(report.seals, "valid seal");
    if (!report.seals_by_other_keys.empty()) {
        std::uint64_t others = 0;
        for (const auto& [kid, count] : report.seals_by_other_keys) others += count;
        out << " (and " << others << " naming another key)";
    }
    out << ", last sealed seq " << report.last_sealed_seq << ", "
        << counted(report.unsealed, "unsealed event") << " after the last seal: ";
    if (report.whole()) {
        out << "chain and seals are whole\n";
    } else {
        out << "verification FAILED, first wrong seq " << report.first_wrong_seq().value_or(0);
        if (!report.findings.empty()) out << " (" << to_string(first_finding(report).kind) << ")";
        out << "\n";
    }
}

nlohmann::json report_to_json(const VerifyReport& report) {
    nlohmann::json findings = nlohmann::json::array();
    for (const Finding& finding : report.findings) {
        findings.push_back({{"seq", finding.seq},
                            {"kind", to_string(finding.kind)},
                            {"segment", finding.segment},
                            {"line", finding.line},
                            {"message", finding.message}});
    }

    nlohmann::json json = {{"ok", report.whole()},
                           {"segments", report.segments},
                           {"lines", report.lines},
                           {"seals", report.seals},
                           {"seals_by_other_keys", report.seals_by_other_keys},
                           {"last_sealed_seq", report.last_sealed_seq},
                           {"unsealed", report.unsealed},
                           {"incomplete_tail_bytes", report.incomplete_tail_bytes},
                           {"findings", findings},
                           {"findings_not_listed", report.findings_not_listed}};
    const auto first = report.first_wrong_seq();
    json["first_wrong_seq"] = first ? nlohmann::json(*first) : nlohmann::json(nullptr);
    return json;
}

}  // namespace gatewarden::audit
