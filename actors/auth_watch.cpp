#include "actors/auth_watch.hpp"
#include "actors/browser_sidecar.hpp"

#include <sys/stat.h>

#include <filesystem>

namespace camoufleet {

std::optional<dir_snapshot> scan_auth_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  dir_snapshot out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return std::nullopt;
  fs::directory_iterator it(dir, ec), end;
  if (ec) return std::nullopt;
  for (; !ec && it != end; it.increment(ec)) {
    const auto& p = it->path();
    if (!is_profile_file(p.string())) continue;
    struct stat sb {};
    // stat follows symlinks, like the browser start that reads the file.
    if (::stat(p.c_str(), &sb) != 0 || !S_ISREG(sb.st_mode)) continue;
    file_stamp s;
    s.mtime_ns = static_cast<std::int64_t>(sb.st_mtim.tv_sec) * 1000000000LL + sb.st_mtim.tv_nsec;
    s.size = static_cast<std::int64_t>(sb.st_size);
    s.inode = static_cast<std::uint64_t>(sb.st_ino);
    out[p.string()] = s;
  }
  if (ec) return std::nullopt;
  return out;
}

dir_diff diff_snapshots(const dir_snapshot& before, const dir_snapshot& after) {
  dir_diff d;
  for (const auto& [path, stamp] : after) {
    auto it = before.find(path);
    if (it == before.end())
      d.added.push_back(path);
    else if (it->second != stamp)
      d.changed.push_back(path);
  }
  for (const auto& [path, stamp] : before)
    if (after.count(path) == 0) d.removed.push_back(path);
  return d;
}

}  // namespace camoufleet
