#include "prometheus_text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>
#include <sstream>

namespace camoufleet::testing {

namespace {

bool metric_name_ok(const std::string& n) {
  if (n.empty()) return false;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!(alpha || (i > 0 && c >= '0' && c <= '9'))) return false;
  }
  return true;
}

bool label_name_ok(const std::string& n) {
  if (n.empty() || n.find(':') != std::string::npos || n.rfind("__", 0) == 0) return false;
  return metric_name_ok(n);
}

double parse_value(const std::string& s) {
  if (s == "+Inf" || s == "Inf") return INFINITY;
  if (s == "-Inf") return -INFINITY;
  if (s == "NaN") return NAN;
  if (s.empty()) throw prom_parse_error("empty value");
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end == nullptr || *end != '\0') throw prom_parse_error("bad value '" + s + "'");
  return v;
}

bool ends_with(const std::string& s, const std::string& t) {
  return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
}

// The family a sample name belongs to, given the declared families.
std::string family_of(const std::string& name, const std::map<std::string, prom_family>& fams) {
  if (fams.count(name) > 0) return name;
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    if (!ends_with(name, suffix)) continue;
    const auto base = name.substr(0, name.size() - std::string(suffix).size());
    auto it = fams.find(base);
    if (it != fams.end() && (it->second.type == "histogram" || it->second.type == "summary"))
      return base;
  }
  return {};
}

prom_sample parse_sample(const std::string& line) {
  prom_sample s;
  std::size_t i = 0;
  while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
  s.name = line.substr(0, i);
  if (!metric_name_ok(s.name)) throw prom_parse_error("bad metric name '" + s.name + "'");
  if (i < line.size() && line[i] == '{') {
    ++i;
    for (;;) {
      if (i < line.size() && line[i] == '}') {
        ++i;
        break;
      }
      std::size_t eq = line.find('=', i);
      if (eq == std::string::npos) throw prom_parse_error("label without '='");
      const auto lname = line.substr(i, eq - i);
      if (!label_name_ok(lname)) throw prom_parse_error("bad label name '" + lname + "'");
      i = eq + 1;
      if (i >= line.size() || line[i] != '"') throw prom_parse_error("label value not quoted");
      ++i;
      std::string value;
      for (;;) {
        if (i >= line.size()) throw prom_parse_error("unterminated label value");
        const char c = line[i++];
        if (c == '"') break;
        if (c == '\\') {
          if (i >= line.size()) throw prom_parse_error("dangling escape");
          const char e = line[i++];
          if (e == 'n') value += '\n';
          else if (e == '\\' || e == '"') value += e;
          else throw prom_parse_error(std::string("bad escape \\") + e);
        } else {
          value += c;
        }
      }
      if (s.labels.count(lname) > 0) throw prom_parse_error("label '" + lname + "' twice");
      s.labels[lname] = value;
      if (i < line.size() && line[i] == ',') ++i;
      else if (i < line.size() && line[i] == '}') continue;
      else throw prom_parse_error("expected ',' or '}' after a label");
    }
  }
  if (i >= line.size() || line[i] != ' ') throw prom_parse_error("no value");
  std::istringstream rest(line.substr(i + 1));
  std::string value, timestamp, extra;
  rest >> value >> timestamp >> extra;
  if (!extra.empty()) throw prom_parse_error("trailing text");
  s.value = parse_value(value);
  if (!timestamp.empty()) {
    char* end = nullptr;
    std::strtoll(timestamp.c_str(), &end, 10);
    if (*end != '\0') throw prom_parse_error("bad timestamp");
  }
  return s;
}

bool includes(const std::map<std::string, std::string>& labels,
              const std::map<std::string, std::string>& match) {
  for (const auto& [k, v] : match) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  return true;
}

void check_histogram(const std::string& name, const prom_family& f) {
  // Group by the labels other than le.
  std::map<std::map<std::string, std::string>, std::vector<std::pair<double, double>>> buckets;
  std::map<std::map<std::string, std::string>, double> counts;
  for (const auto& s : f.samples) {
    auto key = s.labels;
    if (s.name == name + "_bucket") {
      auto le = key.find("le");
      if (le == key.end()) throw prom_parse_error(name + "_bucket without le");
      const double bound = parse_value(le->second);
      key.erase(le);
      buckets[key].emplace_back(bound, s.value);
    } else if (s.name == name + "_count") {
      counts[key] = s.value;
    }
  }
  if (buckets.empty()) throw prom_parse_error(name + ": histogram without buckets");
  for (auto& [key, list] : buckets) {
    std::sort(list.begin(), list.end());
    for (std::size_t i = 1; i < list.size(); ++i)
      if (list[i].second < list[i - 1].second)
        throw prom_parse_error(name + ": buckets not cumulative");
    if (!std::isinf(list.back().first)) throw prom_parse_error(name + ": no +Inf bucket");
    auto c = counts.find(key);
    if (c == counts.end() || c->second != list.back().second)
      throw prom_parse_error(name + ": +Inf bucket differs from _count");
  }
}

}  // namespace

prom_text parse_prometheus_text(const std::string& text) {
  prom_text out;
  std::set<std::string> series;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    try {
      if (line.empty()) continue;
      if (line[0] == '#') {
        std::istringstream words(line);
        std::string hash, kind, name;
        words >> hash >> kind >> name;
        if (kind != "HELP" && kind != "TYPE") continue;  // a plain comment
        if (!metric_name_ok(name)) throw prom_parse_error("bad metric name '" + name + "'");
        std::string rest;
        std::getline(words, rest);
        if (!rest.empty() && rest[0] == ' ') rest.erase(0, 1);
        auto& fam = out.families[name];
        if (kind == "HELP") {
          if (!fam.help.empty()) throw prom_parse_error("second HELP for " + name);
          fam.help = rest;
        } else {
          static const std::set<std::string> types = {"counter", "gauge", "histogram", "summary",
                                                      "untyped"};
          if (!fam.type.empty()) throw prom_parse_error("second TYPE for " + name);
          if (!fam.samples.empty()) throw prom_parse_error("TYPE after samples of " + name);
          if (types.count(rest) == 0) throw prom_parse_error("unknown type '" + rest + "'");
          if (rest == "counter" && !ends_with(name, "_total"))
            throw prom_parse_error("counter " + name + " is not named *_total");
          fam.type = rest;
        }
        continue;
      }
      auto s = parse_sample(line);
      const auto fam_name = family_of(s.name, out.families);
      if (fam_name.empty() || out.families[fam_name].type.empty())
        throw prom_parse_error("sample " + s.name + " without a TYPE");
      std::string key = s.name + "{";
      for (const auto& [k, v] : s.labels) key += k + "=" + v + ",";
      if (!series.insert(key).second) throw prom_parse_error("duplicate series " + key + "}");
      out.families[fam_name].samples.push_back(std::move(s));
    } catch (const prom_parse_error& e) {
      throw prom_parse_error("line " + std::to_string(n) + ": " + e.what() + ": " + line);
    }
  }
  for (const auto& [name, f] : out.families)
    if (f.type == "histogram") check_histogram(name, f);
  return out;
}

std::vector<prom_sample> prom_text::samples(const std::string& name,
                                            const std::map<std::string, std::string>& match) const {
  std::vector<prom_sample> found;
  for (const auto& [fname, f] : families)
    for (const auto& s : f.samples)
      if (s.name == name && includes(s.labels, match)) found.push_back(s);
  return found;
}

double prom_text::value(const std::string& name,
                        const std::map<std::string, std::string>& match) const {
  auto found = samples(name, match);
  if (found.size() != 1)
    throw prom_parse_error(name + ": " + std::to_string(found.size()) + " samples match");
  return found[0].value;
}

double prom_text::sum(const std::string& name,
                      const std::map<std::string, std::string>& match) const {
  double total = 0;
  for (const auto& s : samples(name, match)) total += s.value;
  return total;
}

}  // namespace camoufleet::testing
