// Runs the built mxtriage binary (MXT_BINARY) and captures its stdout, stderr and exit status,
// for the end-to-end scenario tests.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace mxt::test {

struct ProcessResult {
    int status = -1;
    std::string out;
    std::string err;
};

inline std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

inline std::string read_all(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

// A fresh directory under the temp dir, removed at the end of the test.
class Scratch {
public:
    Scratch() {
        std::string t = (std::filesystem::temp_directory_path() / "mxt-triage-XXXXXX").string();
        dir_ = mkdtemp(t.data());
    }
    ~Scratch() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    std::string file(const std::string& name) const { return (dir_ / name).string(); }

private:
    std::filesystem::path dir_;
};

inline ProcessResult mxtriage(const std::vector<std::string>& args, const Scratch& scratch,
                    const std::string& tag = "run") {
    std::string cmd = "env -u MXTRIAGE_DB NO_COLOR=1 " + shell_quote(MXT_BINARY);
    for (const auto& a : args) cmd += " " + shell_quote(a);
    std::string out = scratch.file(tag + ".out"), err = scratch.file(tag + ".err");
    cmd += " >" + shell_quote(out) + " 2>" + shell_quote(err);
    int raw = std::system(cmd.c_str());
    ProcessResult r;
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    r.out = read_all(out);
    r.err = read_all(err);
    return r;
}

inline std::string scenario(const std::string& name) {
    return std::string(MXT_TEST_DATA) + "/scenarios/" + name;
}

}  // namespace mxt::test
