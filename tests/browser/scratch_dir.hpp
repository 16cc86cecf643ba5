#pragma once
// A private temp dir for a cdp test, removed on destruction.

#include <stdlib.h>

#include <chrono>
#include <string>
#include <thread>

#include <boost/filesystem.hpp>

namespace camoufleet::browser::testing {

struct scratch_dir {
  std::string path;
  scratch_dir() {
    char templ[] = "/tmp/cdp-test-XXXXXX";
    path = ::mkdtemp(templ);
  }
  ~scratch_dir() {
    // A browser's helpers may still be writing into it for a moment after the
    // browser itself is gone: retry briefly.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    boost::system::error_code ec;
    while (boost::filesystem::remove_all(path, ec), ec && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
};

}  // namespace camoufleet::browser::testing
