#include "app/responses_file.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

namespace camoufleet::app {

std::string write_file_replacing(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".new-" + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return "cannot create " + tmp + ": " + std::strerror(errno);
  const auto fail = [&](const char* what) {
    const std::string why = std::string(what) + " " + tmp + ": " + std::strerror(errno);
    ::close(fd);
    ::unlink(tmp.c_str());
    return why;
  };
  // An existing file of another mode: ours is 0600 whatever the umask made it.
  if (::fchmod(fd, 0600) != 0) return fail("cannot set the mode of");
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("cannot write");
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("cannot flush");
  if (::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return "cannot close " + tmp + ": " + std::strerror(errno);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = "cannot rename " + tmp + " to " + path + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return why;
  }
  return {};
}

responses_file::responses_file(std::string path, http::server& api, std::chrono::milliseconds every)
    : path_(std::move(path)), api_(api), every_(every) {}

responses_file::~responses_file() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (writer_.joinable()) writer_.join();
}

void responses_file::load() {
  std::ifstream in(path_, std::ios::binary);
  if (!in) {
    if (errno != ENOENT) {
      spdlog::error("Responses: cannot read {} ({}); starting with none kept", path_,
                    std::strerror(errno));
      return;
    }
    // None yet: written now, empty, so that a path that cannot be written
    // is told at the start rather than at the first answer.
    const std::string why = write_file_replacing(path_, api_.dump_responses());
    if (why.empty()) {
      spdlog::info("Responses: {} is new; starting with none kept", path_);
    } else {
      spdlog::error("Responses: answers will not be kept across a restart: {}", why);
      failing_ = true;
    }
    return;
  }
  std::ostringstream text;
  text << in.rdbuf();
  const std::string why = api_.load_responses(text.str());
  if (why.empty()) {
    written_ = api_.responses_generation();
    spdlog::info("Responses: {} kept answers read from {}", api_.responses_kept(), path_);
    return;
  }
  const std::string aside = path_ + ".unreadable-" + std::to_string(std::time(nullptr));
  if (std::rename(path_.c_str(), aside.c_str()) == 0)
    spdlog::error(
        "Responses: {} is not a responses file ({}); moved aside to {}, starting with "
        "none kept",
        path_, why, aside);
  else
    spdlog::error(
        "Responses: {} is not a responses file ({}) and cannot be moved aside ({}); "
        "starting with none kept",
        path_, why, std::strerror(errno));
}

void responses_file::start() {
  writer_ = std::thread([this] { loop(); });
}

void responses_file::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, every_, [this] { return stop_; });
    if (stop_) break;
    lock.unlock();
    save();
    lock.lock();
  }
}

bool responses_file::save() {
  std::lock_guard<std::mutex> lock(save_mu_);
  const auto generation = api_.responses_generation();
  if (generation == written_) return true;
  const std::string why = write_file_replacing(path_, api_.dump_responses());
  if (!why.empty()) {
    if (!failing_) spdlog::error("Responses: not kept across a restart: {}", why);
    failing_ = true;
    return false;
  }
  if (failing_) spdlog::info("Responses: written to {} again", path_);
  failing_ = false;
  written_ = generation;
  return true;
}

}  // namespace camoufleet::app
