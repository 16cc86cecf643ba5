// Which instance's browser costs how much (http/browser_memory.hpp): the
// /proc reader is a table here; and the spares in /metrics.
#include <doctest/doctest.h>

#include <map>

#include "http/browser_memory.hpp"
#include "http/metrics.hpp"
#include "prometheus_text.hpp"

using namespace camoufleet;
using namespace camoufleet::testing;

namespace {

instance_view instance(const std::string& id, int pid, const std::string& node = "") {
  instance_view i;
  i.id = id;
  i.browser_pid = pid;
  i.node_id = node;
  return i;
}

}  // namespace

TEST_CASE("browser memory: a shared browser is split among its instances, each process read once") {
  fleet_view v;
  v.instances = {instance("instance_1", 100), instance("instance_2", 100), instance("instance_3", 100),
                 instance("instance_4", 200), instance("instance_5", 0)};
  spare_view s;
  s.id = 7;
  s.pid = 300;
  s.ready = true;
  v.spares = {s};
  std::map<int, int> reads;
  const std::map<int, std::int64_t> rss = {{100, 900}, {200, 250}, {300, 170}};
  auto m = http::attribute_browser_memory(v, [&](int pid) {
    ++reads[pid];
    return rss.at(pid);
  });
  CHECK(m.at("instance_1") == 300);
  CHECK(m.at("instance_2") == 300);
  CHECK(m.at("instance_3") == 300);
  CHECK(m.at("instance_4") == 250);
  CHECK(m.count("instance_5") == 0);  // no browser: unknown, not 0 bytes
  CHECK(m.at("spare_7") == 170);
  CHECK(reads == std::map<int, int>{{100, 1}, {200, 1}, {300, 1}});
}

TEST_CASE("browser memory: an instance of another node is not read from this machine's /proc") {
  fleet_view v;
  // Same pid number on two machines: only the local one is this machine's process.
  v.instances = {instance("instance_1", 100), instance("node_b/instance_1", 100, "node_b")};
  spare_view remote_spare;  // a node's warm spare, shown at the head
  remote_spare.id = 1;
  remote_spare.pid = 100;
  remote_spare.ready = true;
  remote_spare.node_id = "node_b";
  v.spares = {remote_spare};
  std::map<int, int> reads;
  auto m = http::attribute_browser_memory(v, [&](int pid) {
    ++reads[pid];
    return std::int64_t{400};
  });
  CHECK(m.at("instance_1") == 400);  // not halved by the remote instance
  CHECK(m.count("node_b/instance_1") == 0);
  CHECK(m.count("node_b.spare_1") == 0);
  CHECK(reads == std::map<int, int>{{100, 1}});
}

TEST_CASE("metrics: warm spares as camoufleet_browser_spares, their memory apart (issue 21)") {
  fleet_view v;
  v.spares_wanted = 2;
  v.spares = {{1, true, 4242, ""}, {3, false, 0, ""}};
  fleet_stats stats;
  const auto text = http::metrics_text(v, stats.snapshot(100000), {{"spare_1", 200000000}}, 100000);
  prom_text m;
  REQUIRE_NOTHROW(m = parse_prometheus_text(text));
  CHECK(m.families["camoufleet_browser_spares"].type == "gauge");
  CHECK(m.value("camoufleet_browser_spares", {{"state", "ready"}}) == 1);
  CHECK(m.value("camoufleet_browser_spares", {{"state", "starting"}}) == 1);
  CHECK(m.value("camoufleet_browser_spares_wanted", {}) == 2);
  CHECK(m.value("camoufleet_spare_browser_memory_bytes", {{"spare", "spare_1"}}) == 200000000);
}
