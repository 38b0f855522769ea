// Text and JSON forms of a verification report (declared in verify.hpp).
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "agent/audit/verify.hpp"

namespace gatewarden::audit {
namespace {

// The finding with the lowest seq; the report must have one.
const Finding& first_finding(const VerifyReport& report) {
    return *std::min_element(report.findings.begin(), report.findings.end(),
                             [](const Finding& a, const Finding& b) { return a.seq < b.seq; });
}

// "1 segment", "2 segments".
std::string counted(std::uint64_t count, std::string_view noun) {
    return std::to_string(count) + " " + std::string(noun) + (count == 1 ? "" : "s");
}

}  // namespace

void print_report_text(std::ostream& out, const VerifyReport& report) {
    for (const Finding& finding : report.findings) {
        out << "seq " << finding.seq << ": " << to_string(finding.kind) << ": " << finding.message
            << " (" << finding.segment << " line " << finding.line << ")\n";
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
        << counted(report.seals, "valid seal") << ", last sealed seq " << report.last_sealed_seq << ", "
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
