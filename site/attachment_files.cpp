#include "site/attachment_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "core/text.hpp"

namespace camoufleet::site {

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw core::driver_error(core::failure_kind::site_error,
                           "attachments: " + what + ": " + std::strerror(errno));
}

void write_private(const std::string& path, const std::string& data) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) fail("cannot create " + path);
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      fail("cannot write " + path);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) fail("cannot write " + path);
}

}  // namespace

std::string file_extension(const std::string& mime_type) {
  if (mime_type == "image/png") return "png";
  if (mime_type == "image/jpeg") return "jpg";
  if (mime_type == "image/webp") return "webp";
  if (mime_type == "image/gif") return "gif";
  if (mime_type == "application/pdf") return "pdf";
  if (mime_type == "text/plain") return "txt";
  if (mime_type == "text/markdown") return "md";
  if (mime_type == "text/csv") return "csv";
  if (mime_type == "audio/wav") return "wav";
  if (mime_type == "audio/mpeg") return "mp3";
  return "bin";
}

std::string upload_name(const core::attachment& a, std::size_t n) {
  const std::string ext = "." + file_extension(a.mime_type);
  if (a.filename.empty())
    return (a.mime_type.rfind("image/", 0) == 0 ? "image-" : "file-") + std::to_string(n) + ext;
  // The browser tells the type by the extension: the right one is added
  // when the client's name does not end with it.
  const std::string lower = core::to_lower(a.filename);
  const bool has = lower.size() > ext.size() &&
                   lower.compare(lower.size() - ext.size(), ext.size(), ext) == 0;
  return has ? a.filename : a.filename + ext;
}

attachment_files::attachment_files(const std::vector<core::chat_message>& messages,
                                   const std::string& parent) {
  std::size_t count = 0;
  for (const auto& m : messages) count += m.attachments.size();
  if (count == 0) return;
  std::string base = parent;
  if (base.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    base = tmp && *tmp ? tmp : "/tmp";
  }
  std::string templ = base + "/camoufleet-upload-XXXXXX";
  // mkdtemp makes the directory 0700.
  if (!::mkdtemp(templ.data())) fail("cannot create a private directory in " + base);
  dir_ = templ;
  try {
    std::size_t n = 0;
    for (const auto& m : messages)
      for (const auto& a : m.attachments) {
        const std::string name = upload_name(a, ++n);
        // A client's name gets a directory of its own: two files may share it.
        std::string sub = dir_;
        if (!a.filename.empty()) {
          sub += "/" + std::to_string(n);
          if (::mkdir(sub.c_str(), 0700) != 0) fail("cannot create " + sub);
        }
        const std::string path = sub + "/" + name;
        write_private(path, a.data);
        paths_.push_back(path);
      }
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    throw;
  }
}

attachment_files::~attachment_files() {
  if (dir_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

}  // namespace camoufleet::site
