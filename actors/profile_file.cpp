#include "actors/profile_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <vector>

#include "core/chat.hpp"
#include "browser/storage_state.hpp"

namespace camoufleet {

namespace {

std::string errno_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

bool write_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    auto n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    off += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

std::string write_file_atomic(const std::string& path, const std::string& content) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string tmpl = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  int fd = ::mkostemp(name.data(), O_CLOEXEC);  // created 0600
  if (fd < 0) return errno_text("creating a temp file");
  const std::string tmp(name.data());
  auto fail = [&](const char* what) {
    std::string why = errno_text(what);
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    return why;
  };
  if (::fchmod(fd, S_IRUSR | S_IWUSR) != 0) return fail("chmod");
  if (!write_all(fd, content)) return fail("writing");
  if (::fsync(fd) != 0) return fail("fsync");
  if (::close(fd) != 0) {
    fd = -1;
    return fail("close");
  }
  fd = -1;
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("rename");
  // The rename itself is durable only once the directory is synced.
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return "";
}

std::optional<std::string> read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return ss.str();
}

refresh_decision decide_refresh(const std::string& storage_json,
                                const std::optional<std::string>& current) {
  refresh_decision d;
  if (!current) {
    d.why = "the profile file is gone";
    return d;
  }
  browser::storage_state state;
  try {
    state = browser::parse_storage_state(storage_json, "from the browser");
  } catch (const std::exception& e) {
    d.why = std::string("the browser's session is not usable (") + e.what() + ")";
    return d;
  }
  if (state.cookies.empty()) {
    d.why = "the browser's session has no cookies";
    return d;
  }
  d.content = browser::to_storage_state_json(state);
  if (d.content == *current) {
    d.why = "unchanged";
    d.content.clear();
    return d;
  }
  d.write = true;
  return d;
}

std::string profile_name(const std::string& auth_file) {
  return std::filesystem::path(auth_file).stem().string();
}

std::string needs_login_reason(const std::string& auth_file) {
  if (auth_file.empty())
    return "login lost: run camoufleet login --save-as NAME --activate, then restart";
  const auto file = std::filesystem::path(auth_file).filename().string();
  return "login lost for " + file + ": run camoufleet login --save-as " +
         profile_name(auth_file) + " --activate";
}

namespace {
std::size_t hash_of(const std::string& s) { return std::hash<std::string>{}(s); }
bool same(const std::map<std::string, std::size_t>& m, const std::string& path,
          const std::string& content) {
  auto it = m.find(path);
  return it != m.end() && it->second == hash_of(content);
}
}  // namespace

void profile_writes::record_loaded(const std::string& path, const std::string& content) {
  std::lock_guard<std::mutex> lock(mu_);
  known_[path] = hash_of(content);
  written_.erase(path);
}

void profile_writes::record_written(const std::string& path, const std::string& content) {
  std::lock_guard<std::mutex> lock(mu_);
  known_[path] = written_[path] = hash_of(content);
}

bool profile_writes::is_known(const std::string& path, const std::string& content) const {
  std::lock_guard<std::mutex> lock(mu_);
  return same(known_, path, content);
}

bool profile_writes::is_ours(const std::string& path, const std::string& content) const {
  std::lock_guard<std::mutex> lock(mu_);
  return same(written_, path, content);
}

void profile_writes::forget(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  known_.erase(path);
  written_.erase(path);
}

}  // namespace camoufleet
