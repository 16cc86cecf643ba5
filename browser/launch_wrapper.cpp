#include "browser/launch_wrapper.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <vector>

namespace camoufleet::browser {

namespace {

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

}  // namespace

std::string wrapped_program(const std::string& script_text) {
  std::istringstream in(script_text);
  std::string line;
  if (!std::getline(in, line) || line.rfind("#!", 0) != 0) return "";
  std::string program;
  while (std::getline(in, line)) {
    auto w = words(line);
    if (w.empty() || w[0][0] == '#') continue;
    if (!program.empty()) return "";  // a second command
    if (w[0] == "exec") w.erase(w.begin());
    if (w.size() != 2 || w[1] != "\"$@\"" || w[0][0] != '/') return "";
    if (w[0].find_first_of("$`'\"\\;&|<>*?") != std::string::npos) return "";
    program = w[0];
  }
  return program;
}

std::string unwrap_launcher(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return path;
  char head[2] = {0, 0};
  if (!in.read(head, 2) || head[0] != '#' || head[1] != '!') return path;  // a binary: itself
  std::string text = "#!";
  char buf[4096];
  in.read(buf, sizeof buf);
  text.append(buf, static_cast<std::size_t>(in.gcount()));
  if (text.size() >= 2 + sizeof buf) return path;  // a long script does more than run one program
  const std::string program = wrapped_program(text);
  return !program.empty() && ::access(program.c_str(), X_OK) == 0 ? program : path;
}

}  // namespace camoufleet::browser
