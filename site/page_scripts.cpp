#include "site/page_scripts.hpp"

#include <map>
#include <mutex>
#include <stdexcept>

namespace camoufleet::site {
namespace {

std::string file_text(const std::string& name) {
  if (const auto* f = script_files.find(name)) return std::string(f->text());
  throw std::logic_error("no page script " + name + " in the build");
}

std::map<std::string, page_script> load_all() {
  const std::string prelude = file_text("prelude.js");
  std::map<std::string, page_script> out;
  for (const auto& f : script_files) {
    std::string file = f.name;
    if (file == "prelude.js" || file.size() < 3 || file.substr(file.size() - 3) != ".js") continue;
    page_script s;
    s.name = file.substr(0, file.size() - 3);
    // The file's function, called with the one argument, helpers in scope.
    s.source = "(args) => {\n" + prelude + "\nreturn (\n" + file_text(file) + "\n)(args);\n}";
    out.emplace(s.name, std::move(s));
  }
  return out;
}

}  // namespace

const page_script& script(const std::string& name) {
  static const std::map<std::string, page_script> all = load_all();
  auto it = all.find(name);
  if (it == all.end()) throw std::logic_error("no page script " + name + " in the build");
  return it->second;
}

}  // namespace camoufleet::site
