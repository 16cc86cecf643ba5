#pragma once
// The page scripts: real .js files under site/scripts/, embedded at build
// time (cmake/EmbedFiles.cmake). Each is one JavaScript function of one JSON
// argument; the helpers of scripts/prelude.js are in scope. A transport runs
// `source` with the arguments as JSON: no script is assembled from C++ strings.

#include <string>

#include "core/embedded_files.hpp"

namespace camoufleet::site {

extern const core::embedded_table script_files;

struct page_script {
  std::string name;    // "snapshot" for scripts/snapshot.js
  std::string source;  // a function expression: (args) => ...
};

// Throws std::logic_error for a name with no file (a bug of the build).
const page_script& script(const std::string& name);

}  // namespace camoufleet::site
