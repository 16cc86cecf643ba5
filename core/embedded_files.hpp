#pragma once
// Files built into a binary at build time (cmake/embed_files.cmake): the
// simulator's page, the dashboard's page, the driver's page scripts. Each
// user declares one `extern const core::embedded_table NAME;` in its own
// header and the generated .cpp defines it. Pure.

#include <cstddef>
#include <string_view>

namespace camoufleet::core {

struct embedded_file {
  const char* name;  // the file's name without its directory, e.g. "app.js"
  const unsigned char* data;
  std::size_t size;

  std::string_view text() const { return {reinterpret_cast<const char*>(data), size}; }
};

struct embedded_table {
  const embedded_file* files;
  std::size_t count;

  const embedded_file* begin() const { return files; }
  const embedded_file* end() const { return files + count; }
  // nullptr when there is no such file.
  const embedded_file* find(std::string_view name) const;
};

// The Content-Type to serve a file with, by its extension.
const char* content_type_for(std::string_view name);

}  // namespace camoufleet::core
