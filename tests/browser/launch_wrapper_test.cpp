#include "browser/launch_wrapper.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>

#include "tests/browser/scratch_dir.hpp"

using namespace camoufleet::browser;

TEST_CASE("launch wrapper: a one-line wrapper that runs a program without exec names that program") {
  // Debian's /usr/bin/chromium-headless-shell, word for word.
  CHECK(wrapped_program("#!/bin/sh -e\n\n/usr/lib/chromium/chromium-headless-shell \"$@\"\n") ==
        "/usr/lib/chromium/chromium-headless-shell");
  CHECK(wrapped_program("#!/bin/sh\n# the real one\nexec /opt/b/browser \"$@\"\n") == "/opt/b/browser");
}

TEST_CASE("launch wrapper: anything beyond running one program with the same arguments is kept as it is") {
  CHECK(wrapped_program("") == "");
  CHECK(wrapped_program("/usr/lib/x \"$@\"\n") == "");                         // no shebang
  CHECK(wrapped_program("#!/bin/sh\n/usr/lib/x --flag \"$@\"\n") == "");       // adds a flag
  CHECK(wrapped_program("#!/bin/sh\n/usr/lib/x\n") == "");                     // drops the arguments
  CHECK(wrapped_program("#!/bin/sh\nFOO=1 /usr/lib/x \"$@\"\n") == "");        // sets a variable
  CHECK(wrapped_program("#!/bin/sh\n/usr/lib/x \"$@\"\nrm -rf /tmp/p\n") == "");  // cleans up after
  CHECK(wrapped_program("#!/bin/sh\nx \"$@\"\n") == "");                       // a relative name
  CHECK(wrapped_program("#!/bin/sh\n$DIR/x \"$@\"\n") == "");                  // a variable path
  CHECK(wrapped_program("#!/bin/sh\n/usr/lib/x $@\n") == "");                  // unquoted: splits words
}

TEST_CASE("launch wrapper: a file is launched as the program its wrapper runs only if that program exists") {
  testing::scratch_dir d;
  const std::string program = d.path + "/real-browser";
  std::ofstream(program) << "\x7f" "ELF";
  ::chmod(program.c_str(), 0755);
  const std::string wrapper = d.path + "/browser";
  std::ofstream(wrapper) << "#!/bin/sh -e\n\n" << program << " \"$@\"\n";
  ::chmod(wrapper.c_str(), 0755);
  CHECK(unwrap_launcher(wrapper) == program);
  CHECK(unwrap_launcher(program) == program);  // not a script

  const std::string dangling = d.path + "/dangling";
  std::ofstream(dangling) << "#!/bin/sh\n" << d.path << "/missing \"$@\"\n";
  CHECK(unwrap_launcher(dangling) == dangling);
  CHECK(unwrap_launcher(d.path + "/none") == d.path + "/none");
}
