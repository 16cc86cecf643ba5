#pragma once
// --responses-store-file: the server's memory of /v1/responses answers
// (previous_response_id, item_reference, GET) kept across a restart. Read
// into the server before it serves; written back every `every` when it
// changed, and once more at the end (call save() after the server's
// shutdown, when every background response has its end). Each write is a
// new file (mode 0600: it holds the conversations) renamed over the old
// one, so a crash mid-write leaves the last whole file.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "http/server.hpp"

namespace camoufleet::app {

// `text` written to a new file beside `path` (mode 0600, flushed to disk)
// and renamed over it. "" when written, else why not.
std::string write_file_replacing(const std::string& path, const std::string& text);

class responses_file {
 public:
  responses_file(std::string path, http::server& api,
                 std::chrono::milliseconds every = std::chrono::seconds(30));
  ~responses_file();  // stops the writer (no last write: save() does that)
  responses_file(const responses_file&) = delete;
  responses_file& operator=(const responses_file&) = delete;

  // Before the server starts. No file: none to load, and an empty one is
  // written at once (a path that cannot be written is logged now, not at
  // the first answer). A file that is not a responses file is moved aside
  // (PATH.unreadable-<unix time>), logged, and the server starts with none.
  void load();
  // The periodic writer.
  void start();
  // Written now if anything changed since the last write; false when a
  // write failed (logged).
  bool save();

 private:
  void loop();

  std::string path_;
  http::server& api_;
  std::chrono::milliseconds every_;
  std::mutex save_mu_;         // one write at a time
  std::uint64_t written_ = 0;  // the generation last written
  bool failing_ = false;       // the last write failed (logged once until it works again)
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread writer_;
};

}  // namespace camoufleet::app
