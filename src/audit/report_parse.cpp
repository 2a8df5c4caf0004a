// Aggregate report XML through libxml2: RFC 7489 appendix C and RFC 9990 (namespace
// urn:ietf:params:xml:ns:dmarc-2.0) read by element local names, so both schemas and the old
// draft share one walker. Entities are refused outright (no report needs a DTD, and refusing
// them shuts out entity-expansion attacks): first by a byte search, then, whatever the document's
// encoding (a UTF-16 document hides "<!ENTITY" from the byte search), by a SAX hook that stops the
// parser at the first entity declaration. The network is never used.
#include <libxml/SAX2.h>
#include <libxml/parserInternals.h>  // xmlCreateMemoryParserCtxt
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <fmt/format.h>

#include <cctype>
#include <cstring>

#include "audit/reports.hpp"

namespace mxt::audit {
namespace {

bool named(xmlNode* n, const char* name) {
    return n && n->type == XML_ELEMENT_NODE && std::strcmp(reinterpret_cast<const char*>(n->name), name) == 0;
}

xmlNode* child(xmlNode* n, const char* name) {
    if (!n) return nullptr;
    for (xmlNode* c = n->children; c; c = c->next)
        if (named(c, name)) return c;
    return nullptr;
}

std::string text(xmlNode* n) {
    if (!n) return {};
    xmlChar* t = xmlNodeGetContent(n);
    std::string s = t ? reinterpret_cast<const char*>(t) : "";
    xmlFree(t);
    std::size_t a = 0, b = s.size();
    while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
    while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
    return s.substr(a, b - a);
}

std::string text(xmlNode* n, const char* name) { return text(child(n, name)); }

// Results are lower-case keywords; some reporters write "Pass" (tolerated, with a warning).
std::string result(std::string s, std::vector<std::string>& warnings, const std::string& where) {
    std::string l = s;
    for (auto& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (l != s && !s.empty()) {
        std::string w = fmt::format("{}: result '{}' is not lower-case; read as '{}'", where, s, l);
        if (warnings.size() < 20) warnings.push_back(w);
    }
    return l;
}

// Replaces bytes that are not valid UTF-8 with '?', so one bad byte does not lose the report.
std::string repair_utf8(std::string_view in, std::size_t& repaired) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size();) {
        unsigned char c = static_cast<unsigned char>(in[i]);
        int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        bool ok = len > 0 && i + len <= in.size();
        for (int k = 1; ok && k < len; ++k)
            if ((static_cast<unsigned char>(in[i + k]) & 0xC0) != 0x80) ok = false;
        if (!ok) {
            out += '?';
            ++repaired;
            ++i;
            continue;
        }
        out.append(in.substr(i, len));
        i += len;
    }
    return out;
}


// Set on the parser context (its _private) while a report is parsed.
struct EntityGuard {
    bool declared = false;
    int line = 0;
};

// SAX entityDecl hook: any entity declaration (general or parameter, internal or external) ends
// the parse before libxml2 can expand or load it.
void refuse_entity_decl(void* ctx, const xmlChar*, int, const xmlChar*, const xmlChar*, xmlChar*) {
    auto* ctxt = static_cast<xmlParserCtxtPtr>(ctx);
    if (auto* g = static_cast<EntityGuard*>(ctxt->_private); g && !g->declared) {
        g->declared = true;
        g->line = xmlSAX2GetLineNumber(ctx);
    }
    xmlStopParser(ctxt);
}

// Parses with the entity guard installed. nullptr when the document is not usable; `guard`
// says whether an entity declaration was the reason.
xmlDoc* read_guarded(const std::string& xml, int opts, EntityGuard& guard) {
    xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(xml.data(), static_cast<int>(xml.size()));
    if (!ctxt) return nullptr;
    ctxt->sax->entityDecl = refuse_entity_decl;
    ctxt->_private = &guard;
    xmlCtxtUseOptions(ctxt, opts);
    xmlParseDocument(ctxt);
    xmlDoc* doc = ctxt->myDoc;
    bool usable = doc && !guard.declared && (ctxt->wellFormed || (opts & XML_PARSE_RECOVER));
    if (!usable && doc) {
        xmlFreeDoc(doc);
        doc = nullptr;
    }
    ctxt->myDoc = nullptr;
    xmlFreeParserCtxt(ctxt);
    return doc;
}
}  // namespace

std::expected<AggregateReport, std::string> parse_aggregate_report(std::string_view xml_in, const std::string& source) {
    if (xml_in.find("<!ENTITY") != std::string_view::npos)
        return std::unexpected(fmt::format("{}: refused: the XML declares entities (byte {}); aggregate reports "
                                           "never need them and they are how entity-expansion bombs work",
                                           source, xml_in.find("<!ENTITY")));
    AggregateReport rep;
    rep.source = source;
    std::size_t repaired = 0;
    std::string xml = repair_utf8(xml_in, repaired);
    if (repaired) rep.warnings.push_back(fmt::format("{} bytes of invalid UTF-8 replaced", repaired));
    if (xml.size() > static_cast<std::size_t>(INT32_MAX)) return std::unexpected(source + ": too large");
    const int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
    xmlResetLastError();
    EntityGuard guard;
    auto refused = [&] {
        return fmt::format("{}:{}: refused: the XML declares entities; aggregate reports never need them and "
                           "they are how entity-expansion bombs work",
                           source, guard.line);
    };
    xmlDoc* doc = read_guarded(xml, opts, guard);
    if (guard.declared) return std::unexpected(refused());
    if (!doc) {
        const xmlError* e = xmlGetLastError();
        std::string why = fmt::format("{}:{}: not well-formed XML: {}", source, e ? e->line : 0,
                                      e && e->message ? std::string(e->message).substr(0, 120) : "parse error");
        while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
        // Reporters do send broken XML (stray wrappers, unescaped '<'): salvage what libxml2's
        // recovery mode can read, and say where the document was broken.
        doc = read_guarded(xml, opts | XML_PARSE_RECOVER, guard);
        if (guard.declared) return std::unexpected(refused());
        if (!doc) return std::unexpected(why);
        rep.warnings.push_back(why + " (read in recovery mode; check the numbers)");
    }
    xmlNode* root = xmlDocGetRootElement(doc);
    // A stray wrapper element around <feedback> is tolerated.
    if (root && !named(root, "feedback"))
        for (xmlNode* c = root->children; c; c = c->next)
            if (named(c, "feedback")) {
                root = c;
                break;
            }
    if (!named(root, "feedback")) {
        xmlFreeDoc(doc);
        return std::unexpected(source + ": the root element is not <feedback>: not a DMARC aggregate report");
    }
    rep.schema = root->ns && root->ns->href &&
                         std::strcmp(reinterpret_cast<const char*>(root->ns->href), "urn:ietf:params:xml:ns:dmarc-2.0") == 0
                     ? "rfc9990"
                     : "rfc7489";
    // RFC 9990 reports: the dmarc-2.0 namespace, or version 2.0, or its new policy elements.
    xmlNode* pp = child(root, "policy_published");
    if (text(root, "version") == "2.0" || child(pp, "np") || child(pp, "testing") || child(pp, "discovery_method") ||
        child(child(root, "report_metadata"), "generator"))
        rep.schema = "rfc9990";
    xmlNode* meta = child(root, "report_metadata");
    rep.org_name = text(meta, "org_name");
    rep.report_id = text(meta, "report_id");
    if (xmlNode* dr = child(meta, "date_range")) {
        rep.begin = std::strtoll(text(dr, "begin").c_str(), nullptr, 10);
        rep.end = std::strtoll(text(dr, "end").c_str(), nullptr, 10);
        if (rep.end - rep.begin > 86400 * 2) rep.warnings.push_back("date range longer than one day");
    }
    xmlNode* pol = child(root, "policy_published");
    rep.policy_domain = text(pol, "domain");
    rep.policy = text(pol, "p");
    int n = 0;
    for (xmlNode* r = root->children; r; r = r->next) {
        if (!named(r, "record")) continue;
        ++n;
        std::string where = fmt::format("record {}", n);
        ReportRecord rec;
        xmlNode* row = child(r, "row");
        rec.source_ip = text(row, "source_ip");
        rec.count = std::strtoull(text(row, "count").c_str(), nullptr, 10);
        xmlNode* pe = child(row, "policy_evaluated");
        rec.disposition = result(text(pe, "disposition"), rep.warnings, where);
        rec.dkim = result(text(pe, "dkim"), rep.warnings, where);
        rec.spf = result(text(pe, "spf"), rep.warnings, where);
        xmlNode* ids = child(r, "identifiers");
        if (!ids) ids = child(r, "identities");  // seen in the wild
        rec.header_from = text(ids, "header_from");
        rec.envelope_from = text(ids, "envelope_from");
        if (xmlNode* ar = child(r, "auth_results")) {
            for (xmlNode* a = ar->children; a; a = a->next) {
                if (named(a, "dkim"))
                    rec.dkim_auth.push_back({text(a, "domain"), result(text(a, "result"), rep.warnings, where), text(a, "selector")});
                else if (named(a, "spf"))
                    rec.spf_auth.push_back({text(a, "domain"), result(text(a, "result"), rep.warnings, where), {}});
            }
        }
        if (rec.source_ip.empty()) {
            rep.warnings.push_back(where + ": no source_ip, skipped");
            continue;
        }
        rep.records.push_back(std::move(rec));
    }
    if (n == 0) rep.warnings.push_back("no <record> sections");
    if (n == 0 && !rep.warnings.empty() && rep.warnings.front().find("recovery mode") != std::string::npos) {
        std::string why = rep.warnings.front();
        xmlFreeDoc(doc);
        return std::unexpected(why);
    }
    xmlFreeDoc(doc);
    return rep;
}

}  // namespace mxt::audit
