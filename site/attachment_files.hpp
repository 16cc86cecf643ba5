#pragma once
// The images and files of a request as files the browser can be given: a
// private directory (0700) under the system temp dir with one 0600 file per
// attachment (a file the client named keeps its name, in a 0700 directory
// of its own), removed with everything in it when the object goes away
// (after the request). Throws driver_error(site_error) when they cannot be
// written.

#include <string>
#include <vector>

#include "core/chat.hpp"

namespace camoufleet::site {

class attachment_files {
 public:
  // Every attachment of every message, in order; nothing is written when
  // there are none. `parent` = "" uses $TMPDIR or /tmp.
  explicit attachment_files(const std::vector<core::chat_message>& messages,
                            const std::string& parent = "");
  ~attachment_files();
  attachment_files(const attachment_files&) = delete;
  attachment_files& operator=(const attachment_files&) = delete;

  bool empty() const { return paths_.empty(); }
  const std::vector<std::string>& paths() const { return paths_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::vector<std::string> paths_;
};

// "png" for "image/png", "jpg" for "image/jpeg", "pdf", "mp3", ...; "bin"
// when unknown.
std::string file_extension(const std::string& mime_type);

// The name the page sees for the n-th attachment (from 1): the client's
// filename, with the type's extension added when missing, or image-N.png /
// file-N.pdf.
std::string upload_name(const core::attachment& a, std::size_t n);

}  // namespace camoufleet::site
