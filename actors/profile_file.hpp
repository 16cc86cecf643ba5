#pragma once
// Writing an instance's refreshed session back to its profile file, and the
// wording that tells a user how to fix a lost login. Pure decisions plus one
// small atomic-write helper; no CAF, no threads.

#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace camoufleet {

// Writes content to path atomically: a temp file in the same directory
// (never named *.json, so a dir watcher ignores it), fsync, chmod 0600,
// rename over path, fsync of the directory. Returns "" on success, else a
// reason (which never quotes the content).
std::string write_file_atomic(const std::string& path, const std::string& content);

// The whole file, or nullopt when it cannot be read (missing, no access).
std::optional<std::string> read_whole_file(const std::string& path);

struct refresh_decision {
  bool write = false;
  std::string content;  // what to write (normalized storageState JSON)
  std::string why;      // why not, for the log; never a cookie value
};

// Whether a session read from the browser (storage_json) should replace the
// profile file whose current text is `current` (nullopt: the file is gone,
// e.g. removed by the user, so it must not be recreated). Writes only a state
// that parses and holds cookies, and only when it differs from the file.
refresh_decision decide_refresh(const std::string& storage_json,
                                const std::optional<std::string>& current);

// "alice" for ".../alice.json".
std::string profile_name(const std::string& auth_file);
// The reason an instance in needs_login shows, naming the file and the fix.
std::string needs_login_reason(const std::string& auth_file);

// What this process knows of each profile file: the version an instance
// loaded or last wrote ("known": a refresh may replace only that), and the
// version it last wrote itself ("ours": the dir watcher ignores that change,
// so our own refresh never restarts an instance, while a user rewriting the
// file, even with the same content, does). Thread-safe.
class profile_writes {
 public:
  void record_loaded(const std::string& path, const std::string& content);
  void record_written(const std::string& path, const std::string& content);
  bool is_known(const std::string& path, const std::string& content) const;
  bool is_ours(const std::string& path, const std::string& content) const;
  void forget(const std::string& path);

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::size_t> known_;
  std::map<std::string, std::size_t> written_;
};

}  // namespace camoufleet
