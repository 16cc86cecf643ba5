#pragma once
// A strict reader of the Prometheus text exposition format (0.0.4), for
// tests: it refuses what a Prometheus server would refuse (bad names, bad
// label syntax or escapes, unparsable values, samples without a TYPE,
// duplicate series, counters not named *_total, histograms whose buckets are
// not cumulative or whose +Inf bucket differs from _count).

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace camoufleet::testing {

struct prom_sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct prom_family {
  std::string type;  // counter, gauge, histogram, summary, untyped
  std::string help;
  std::vector<prom_sample> samples;
};

struct prom_text {
  std::map<std::string, prom_family> families;

  // The value of the one sample with this name whose labels include `match`;
  // throws when there is none or more than one.
  double value(const std::string& name, const std::map<std::string, std::string>& match = {}) const;
  // Sum over every sample with this name whose labels include `match`.
  double sum(const std::string& name, const std::map<std::string, std::string>& match = {}) const;
  std::vector<prom_sample> samples(const std::string& name,
                                   const std::map<std::string, std::string>& match = {}) const;
};

struct prom_parse_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

prom_text parse_prometheus_text(const std::string& text);

}  // namespace camoufleet::testing
