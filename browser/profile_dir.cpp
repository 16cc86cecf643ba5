// Private profile dirs: made with an owner file, removed (with one retry),
// and the stale ones of a dead camoufleet found by their owner's identity.
#include "browser/profile_dir.hpp"

#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <boost/filesystem.hpp>
#include <spdlog/spdlog.h>

#include "core/chat.hpp"

namespace camoufleet::browser {

namespace fs = boost::filesystem;
using core::driver_error;
using core::failure_kind;
using namespace std::chrono_literals;

namespace {

constexpr char owner_file[] = ".camoufleet-owner";

// "<pid> <start time in clock ticks since boot>" of a process, "" when it is
// gone (or a zombie): the start time tells a reused pid apart.
std::string process_identity(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return {};
  const auto close = line.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream rest(line.substr(close + 2));
  std::string field, state;
  rest >> state;
  if (state == "Z" || state == "X") return {};
  // Fields 4..21 after the state; the start time is field 22.
  for (int i = 4; i <= 22 && rest >> field; ++i) {
  }
  return std::to_string(pid) + " " + field;
}

}  // namespace

std::string make_profile_dir(const std::string& root_dir, const std::string& instance_id) {
  std::string name = "camoufleet-";
  for (char ch : instance_id) name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  const fs::path root(root_dir);
  std::string templ = (root / (name + "-XXXXXX")).string();
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  // mkdtemp creates it 0700: the profile will hold the account's cookies.
  if (!::mkdtemp(buf.data())) {
    throw driver_error(failure_kind::browser_gone,
                       "cannot create profile dir under " + root.string() + ": " + std::strerror(errno));
  }
  // Who owns it, so a later camoufleet can remove it if we die by SIGKILL.
  std::ofstream(std::string(buf.data()) + "/" + owner_file) << process_identity(::getpid()) << "\n";
  return std::string(buf.data());
}

void remove_dir(const std::string& dir) {
  if (dir.empty()) return;
  boost::system::error_code ec;
  fs::remove_all(dir, ec);
  if (ec) {
    // A helper process may still be writing into it for a moment.
    std::this_thread::sleep_for(100ms);
    fs::remove_all(dir, ec);
    if (ec) spdlog::warn("cannot remove profile dir {}: {}", dir, ec.message());
  }
}

int remove_stale_profile_dirs(const std::string& profile_root) {
  const fs::path root = profile_root.empty() ? fs::temp_directory_path() : fs::path(profile_root);
  boost::system::error_code ec;
  int removed = 0;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (name.rfind("camoufleet-", 0) != 0 || !fs::is_directory(it->path(), ec)) continue;
    std::ifstream in((it->path() / owner_file).string());
    std::string owner;
    // No owner file: not one of ours (or from a version that wrote none).
    if (!in || !std::getline(in, owner) || owner.empty()) continue;
    const int pid = std::atoi(owner.c_str());
    if (pid <= 0 || process_identity(pid) == owner) continue;  // its camoufleet lives
    remove_dir(it->path().string());
    spdlog::info("Removed the profile dir {} of a camoufleet that is gone (pid {})",
                 it->path().string(), pid);
    ++removed;
  }
  return removed;
}

}  // namespace camoufleet::browser
