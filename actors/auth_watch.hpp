#pragma once
// Polling the auth dir: a listing of *.json files with what identifies a
// version of each (mtime, size, inode), and the pure diff of two listings.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace camoufleet {

struct file_stamp {
  std::int64_t mtime_ns = 0;
  std::int64_t size = 0;
  std::uint64_t inode = 0;
  bool operator==(const file_stamp& o) const {
    return mtime_ns == o.mtime_ns && size == o.size && inode == o.inode;
  }
  bool operator!=(const file_stamp& o) const { return !(*this == o); }
};

// path -> stamp of the regular *.json files directly in a dir.
using dir_snapshot = std::map<std::string, file_stamp>;

// nullopt when the dir is missing or cannot be listed: a watcher then skips
// the round rather than taking every file for removed.
std::optional<dir_snapshot> scan_auth_dir(const std::string& dir);

struct dir_diff {
  std::vector<std::string> added;    // sorted paths
  std::vector<std::string> removed;
  std::vector<std::string> changed;  // present in both, stamp differs
  bool empty() const { return added.empty() && removed.empty() && changed.empty(); }
};

dir_diff diff_snapshots(const dir_snapshot& before, const dir_snapshot& after);

}  // namespace camoufleet
