#include "tests/fuzz/mutate.hpp"

namespace camoufleet::testing {

std::string mutate(std::string s, std::mt19937& rng, const std::vector<std::string>& tokens) {
  std::uniform_int_distribution<int> op(0, 4);
  const int rounds = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < rounds; ++i) {
    const std::size_t pos = s.empty() ? 0 : rng() % (s.size() + 1);
    switch (op(rng)) {
      case 0:  // flip a byte
        if (!s.empty()) s[pos % s.size()] = static_cast<char>(rng() & 0xff);
        break;
      case 1:  // delete a span
        if (!s.empty()) s.erase(pos % s.size(), 1 + rng() % 8);
        break;
      case 2: {  // insert a token ("" stands for a NUL byte)
        if (tokens.empty()) break;
        const std::string& t = tokens[rng() % tokens.size()];
        s.insert(pos, t.empty() ? std::string(1, '\0') : t);
        break;
      }
      case 3:  // duplicate a span
        if (!s.empty()) {
          const auto start = pos % s.size();
          s.insert(pos, s.substr(start, 1 + rng() % 16));
        }
        break;
      default:  // truncate
        s.resize(pos);
        break;
    }
  }
  return s;
}

}  // namespace camoufleet::testing
