// What a tab's network data collector keeps in a real firefox-esr. Firefox
// holds every collected body until the client lets it go (up to 200 MB per
// browser, then as evicted entries that never leave): a page that loads
// anything besides the body a watch wants must not leave those bodies in
// the browser (bidi::body_collector).
#include <doctest/doctest.h>

#include <map>
#include <mutex>

#include "browser/bidi/bidi_transport.hpp"
#include "browser/bidi/body_collector.hpp"
#include "tests/bidi/browser_fixture.hpp"
#include "tests/bidi/test_page_server.hpp"

using namespace camoufleet::bidi;
using namespace camoufleet::bidi::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// What a getData for request (any collector) says: the body, or the error.
std::string get_data(session& s, const std::string& request) {
  try {
    json r = s.command("network.getData", {{"dataType", "response"}, {"request", request}}, 20s);
    return body_bytes(r);
  } catch (const std::exception& e) {
    return std::string("error: ") + e.what();
  }
}

}  // namespace

TEST_CASE("bidi transport: a watch gets the body it wants, every other body the tab loads is let go") {
  page_server pages;
  browser_fixture b;
  session& s = *b.s;
  const std::string tab = s.initial_context(20s);

  // The test's own collector, added first, keeps the same bodies and never
  // lets go: it shows Firefox collected them, so "gone" later means let go.
  const std::string control =
      s.command("network.addDataCollector",
                {{"dataTypes", {"response"}}, {"maxEncodedDataSize", 1 << 20}, {"contexts", {tab}}}, 20s)
          .value("collector", "");
  REQUIRE_FALSE(control.empty());
  std::mutex m;
  std::map<std::string, std::string> request_of;  // path -> request id
  auto seen = s.on_event("network.responseCompleted", [&](const json& p) {
    const std::string url = p.value("/request/url"_json_pointer, std::string());
    std::lock_guard<std::mutex> lock(m);
    request_of[url.substr(pages.origin().size())] = p.value("/request/request"_json_pointer, std::string());
  });

  bidi_transport t(s, tab, pages.origin());
  t.enable(20s);
  std::vector<std::string> told;
  auto w = t.watch_bodies("/text/wanted", [&](const std::string* body, const std::string& error) {
    std::lock_guard<std::mutex> lock(m);
    told.push_back(body ? *body : "error: " + error);
  });
  t.navigate(pages.origin() + "/", 20s);
  t.call("async () => { for (const n of ['a', 'wanted', 'b', 'c']) await (await fetch('/text/' + n)).text(); }",
         json::object(), 20s);

  const std::vector<std::string> others = {"/", "/text/a", "/text/b", "/text/c"};
  REQUIRE(wait_until(
      [&] {
        std::lock_guard<std::mutex> lock(m);
        for (const auto& p : others)
          if (!request_of.count(p)) return false;
        return !told.empty() && request_of.count("/text/wanted");
      },
      20s));
  {
    std::lock_guard<std::mutex> lock(m);
    CHECK(told == std::vector<std::string>{"text:/text/wanted"});
  }
  std::map<std::string, std::string> ids;
  {
    std::lock_guard<std::mutex> lock(m);
    ids = request_of;
  }
  // Firefox collected every body (the control still holds them)...
  for (const auto& p : others) {
    CAPTURE(p);
    json r = s.command("network.getData",
                       {{"dataType", "response"}, {"request", ids[p]}, {"collector", control}}, 20s);
    if (p != "/") CHECK(body_bytes(r) == "text:" + p);
  }
  // ...and once the control lets go, nobody holds any of them, nor the
  // wanted one, which the watch read and let go.
  s.command("network.removeDataCollector", {{"collector", control}}, 20s);
  std::map<std::string, std::string> left;
  const bool all_gone = wait_until(
      [&] {
        left.clear();
        for (const auto& p : {"/", "/text/a", "/text/b", "/text/c", "/text/wanted"}) {
          std::string d = get_data(s, ids[p]);
          if (d.find("no such network data") == std::string::npos) left[p] = d;
        }
        return left.empty();
      },
      20s);
  for (const auto& [p, d] : left) MESSAGE(p << " still held: " << d);
  CHECK(all_gone);
  seen.reset();
}

TEST_CASE("bidi transport: which watches want a completed response's body, and a disown that came too early") {
  const json a = {{"context", "tab-1"},
                  {"request", {{"request", "7"}, {"url", "http://x/api/ListModels?k=1"}, {"method", "POST"}}}};
  CHECK(body_wanted_by(a, "tab-1", {"/ListModels", "/Generate", "ListModels"}) == std::vector<std::size_t>{0, 2});
  CHECK(body_wanted_by(a, "tab-1", {"/Generate"}) == std::vector<std::size_t>{});
  CHECK(body_wanted_by(a, "tab-1", {}) == std::vector<std::size_t>{});
  // Another tab's, or no request id: not this collector's business.
  CHECK_FALSE(body_wanted_by(a, "tab-2", {"/ListModels"}));
  json no_id = a;
  no_id["request"].erase("request");
  CHECK_FALSE(body_wanted_by(no_id, "tab-1", {"/ListModels"}));
  CHECK_FALSE(body_wanted_by(json::array(), "tab-1", {"/ListModels"}));
  // A preflight is nobody's body, but still the tab's: let go.
  json preflight = a;
  preflight["request"]["method"] = "OPTIONS";
  CHECK(body_wanted_by(preflight, "tab-1", {"/ListModels"}) == std::vector<std::size_t>{});

  CHECK(disown_came_too_early(
      "network.disownData: no such network data: Network data for request id 7 and DataType response does not "
      "match collector 3"));
  CHECK_FALSE(disown_came_too_early("network.disownData: no such network collector: gone"));
  CHECK_FALSE(disown_came_too_early("browser_gone: the socket dropped"));
}
