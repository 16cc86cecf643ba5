#pragma once
// The page scripts: real .js files under site/scripts/, embedded at build
// time (cmake/embed_files.cmake). Each is one JavaScript function of one JSON
// argument; the helpers of scripts/prelude.js are in scope. A transport runs
// `source` with the arguments as JSON: no script is assembled from C++ strings.

#include <cstddef>
#include <string>

namespace camoufleet::site {

struct embedded_file {
  const char* name;
  const unsigned char* data;
  std::size_t size;
};
extern const embedded_file embedded_files[];
extern const std::size_t embedded_file_count;

struct page_script {
  std::string name;    // "snapshot" for scripts/snapshot.js
  std::string source;  // a function expression: (args) => ...
};

// Throws std::logic_error for a name with no file (a bug of the build).
const page_script& script(const std::string& name);

}  // namespace camoufleet::site
