// Scores per-recipient results against the labelled bounce corpus exactly as the shared
// tools/score-corpus script does (per file, expected and produced values matched as multisets;
// status scored only where the label holds a real RFC 3463 code, not a Sisimai x.0.9xx one).
#pragma once

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace mxt::corpus {

struct Label {
    std::string file, status, replycode, reason, recipient, module;
    bool has_hard = false, hard = false;
};

struct Produced {
    std::string source, recipient, status, reply_code, reason;
    bool hard_bounce = false;
};

struct Tally {
    long labels = 0, reason = 0, status_n = 0, status = 0, code_n = 0, code = 0, hard_n = 0, hard = 0, rcpt_n = 0,
         rcpt = 0, count_ok = 0, files = 0, neg = 0, neg_ok = 0;
};

struct Score {
    Tally total;
    std::map<std::string, Tally> by_module;
    std::vector<std::string> misses;
};

inline long overlap(std::vector<std::string> a, std::vector<std::string> b) {
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    std::vector<std::string> both;
    std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
    return static_cast<long>(both.size());
}

inline bool real_status(const std::string& s) {
    // ^[245]\.\d{1,3}\.\d{1,3}$ and not ^[45]\.0\.9\d\d$
    int dots = 0;
    std::size_t run = 0;
    if (s.empty() || (s[0] != '2' && s[0] != '4' && s[0] != '5')) return false;
    for (std::size_t i = 1; i < s.size(); ++i) {
        if (s[i] == '.') {
            if (run == 0 && i != 1) return false;
            ++dots;
            run = 0;
        } else if (std::isdigit(static_cast<unsigned char>(s[i]))) {
            if (dots == 0 || ++run > 3) return false;
        } else {
            return false;
        }
    }
    if (dots != 2 || run == 0 || s[1] != '.') return false;
    bool pseudo = (s[0] == '4' || s[0] == '5') && s.size() == 7 && s.substr(1, 4) == ".0.9";
    return !pseudo;
}

inline std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

inline Score score(const std::vector<Label>& labels, const std::set<std::string>& negatives,
                   const std::vector<Produced>& output) {
    std::map<std::string, std::vector<Label>> want;
    for (const auto& l : labels) want[l.file].push_back(l);
    std::set<std::string> files(negatives);
    for (const auto& [f, _] : want) files.insert(f);
    std::map<std::string, std::vector<Produced>> got;
    for (const auto& o : output) {
        for (const auto& f : files) {
            if (o.source == f || (o.source.size() > f.size() && o.source.ends_with("/" + f))) {
                got[f].push_back(o);
                break;
            }
        }
    }
    Score sc;
    for (const auto& f : files) {
        const auto& g = got[f];
        if (negatives.count(f)) {
            sc.total.neg += 1;
            sc.total.neg_ok += g.empty();
            if (!g.empty()) sc.misses.push_back(f + ": not a bounce, but " + std::to_string(g.size()) + " record(s) produced");
            continue;
        }
        const auto& w = want[f];
        std::string mod = w[0].module.empty() ? "?" : w[0].module;
        std::vector<std::string> wr, gr, ws, gs, wc, gc, wh, gh, wrc, grc;
        for (const auto& x : w) {
            wr.push_back(x.reason);
            if (real_status(x.status)) ws.push_back(x.status);
            if (!x.replycode.empty()) wc.push_back(x.replycode);
            if (x.has_hard) wh.push_back(x.hard ? "1" : "0");
            if (!x.recipient.empty()) wrc.push_back(lower(x.recipient));
        }
        for (const auto& x : g) {
            gr.push_back(x.reason);
            gs.push_back(x.status);
            gc.push_back(x.reply_code);
            gh.push_back(x.hard_bounce ? "1" : "0");
            grc.push_back(lower(x.recipient));
        }
        Tally t;
        t.labels = static_cast<long>(w.size());
        t.reason = overlap(wr, gr);
        t.status_n = static_cast<long>(ws.size());
        t.status = overlap(ws, gs);
        t.code_n = static_cast<long>(wc.size());
        t.code = overlap(wc, gc);
        t.hard_n = static_cast<long>(wh.size());
        t.hard = overlap(wh, gh);
        t.rcpt_n = static_cast<long>(wrc.size());
        t.rcpt = overlap(wrc, grc);
        t.count_ok = g.size() == w.size();
        t.files = 1;
        for (Tally* dst : {&sc.total, &sc.by_module[mod]}) {
            dst->labels += t.labels;
            dst->reason += t.reason;
            dst->status_n += t.status_n;
            dst->status += t.status;
            dst->code_n += t.code_n;
            dst->code += t.code;
            dst->hard_n += t.hard_n;
            dst->hard += t.hard;
            dst->rcpt_n += t.rcpt_n;
            dst->rcpt += t.rcpt;
            dst->count_ok += t.count_ok;
            dst->files += t.files;
        }
        if (t.reason < t.labels || g.size() != w.size()) {
            std::sort(wr.begin(), wr.end());
            std::sort(gr.begin(), gr.end());
            std::string m = f + ": want reasons [";
            for (auto& r : wr) m += r + " ";
            m += "] got [";
            for (auto& r : gr) m += r + " ";
            m += "]";
            sc.misses.push_back(m);
        }
    }
    return sc;
}

inline double pct(long a, long b) { return b ? 100.0 * static_cast<double>(a) / static_cast<double>(b) : 100.0; }

}  // namespace mxt::corpus
