// Output of the audit commands: readable text, and JSON with the names of docs/json-contract.md
// ("Audit"). Kept apart from the CLI so that tests can check the JSON without a process.
#pragma once

#include <string>

#include "audit/dmarc.hpp"
#include "audit/dnsbl.hpp"
#include "audit/message.hpp"
#include "audit/reports.hpp"
#include "audit/spf.hpp"

namespace mxt::audit {

std::string spf_json(const SpfReport& r, bool have_ip);
std::string spf_text(const SpfReport& r, bool have_ip);
std::string dmarc_json(const DmarcAudit& a);
std::string dmarc_text(const DmarcAudit& a);
std::string dnsbl_json(const DnsblAudit& a);
std::string dnsbl_text(const DnsblAudit& a);
std::string message_json(const MessageAudit& m);
std::string message_text(const MessageAudit& m);
std::string reports_json(const ReportsAudit& r);
std::string reports_text(const ReportsAudit& r);

}  // namespace mxt::audit
