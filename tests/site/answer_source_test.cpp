// The page-hook answer source without a browser: its messages, and what it
// asks of a transport (a small fake behind the real page_transport).
#include "site/answer_source.hpp"

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "site/generation.hpp"
#include "site/page_scripts.hpp"

using namespace camoufleet::site;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

struct fake_watch : page_watch {
  std::function<void()> on_end;
  ~fake_watch() override {
    if (on_end) on_end();
  }
};

// Records what it is asked; bindings are called by the test.
class fake_transport : public page_transport {
 public:
  std::vector<std::string> bindings;
  std::vector<std::pair<std::string, json>> init_scripts;
  std::vector<std::string> answer_watches;  // url_part of each
  std::map<std::string, std::function<void(const std::string&)>> binding_handlers;

  void post(const std::string& name, const std::string& payload) {
    auto it = binding_handlers.find(name);
    if (it != binding_handlers.end()) it->second(payload);
  }

  bool is_open() const override { return true; }
  void enable(milliseconds) override {}
  json call(const std::string&, const json&, milliseconds) override { return nullptr; }
  std::string add_init_script(const std::string& source, const json& args, milliseconds) override {
    init_scripts.emplace_back(source, args);
    return "init-" + std::to_string(init_scripts.size());
  }
  void remove_init_script(const std::string&, milliseconds) override {}
  void navigate(const std::string&, milliseconds) override {}
  void reload(milliseconds) override {}
  std::vector<std::string> set_cookies(const std::vector<camoufleet::browser::stored_cookie>&,
                                       milliseconds) override {
    return {};
  }
  std::vector<camoufleet::browser::stored_cookie> cookies(milliseconds) override { return {}; }
  void insert_text(const std::string&, milliseconds) override {}
  void press_enter(milliseconds) override {}
  std::string capture_png(milliseconds) override { return {}; }
  std::unique_ptr<page_watch> watch_answers(const std::string& url_part,
                                            std::function<void(const page_event&)>) override {
    answer_watches.push_back(url_part);
    return std::make_unique<fake_watch>();
  }
  std::unique_ptr<page_watch> watch_bodies(
      const std::string&, std::function<void(const std::string*, const std::string&)>) override {
    return std::make_unique<fake_watch>();
  }
  void add_binding(const std::string& name, milliseconds) override { bindings.push_back(name); }
  std::unique_ptr<page_watch> watch_binding(
      const std::string& name, std::function<void(const std::string&)> on_payload) override {
    binding_handlers[name] = std::move(on_payload);
    auto w = std::make_unique<fake_watch>();
    w->on_end = [this, name] { binding_handlers.erase(name); };
    return w;
  }
};

}  // namespace

TEST_CASE("parse_hook_message: the hook's messages become page events") {
  auto req = parse_hook_message(R"({"id":"hook-1","kind":"request"})");
  REQUIRE(req);
  CHECK(req->type == page_event::kind::request);
  CHECK(req->request_id == "hook-1");
  auto head = parse_hook_message(R"({"id":"hook-1","kind":"response","status":429})");
  REQUIRE(head);
  CHECK(head->type == page_event::kind::response);
  CHECK(head->status == 429);
  auto body = parse_hook_message(R"({"id":"hook-1","kind":"body","data":"[[\"\u20ac"})");
  REQUIRE(body);
  CHECK(body->type == page_event::kind::body);
  CHECK(body->data == "[[\"\xe2\x82\xac");  // UTF-8, as the parser wants it
  auto failed = parse_hook_message(R"({"id":"hook-1","kind":"failed","data":"abort"})");
  REQUIRE(failed);
  CHECK(failed->type == page_event::kind::failed);
  CHECK(failed->data == "abort");
  CHECK(parse_hook_message(R"({"id":"hook-1","kind":"finished"})")->type ==
        page_event::kind::finished);
}

TEST_CASE("parse_hook_message: anything else the page posts is ignored") {
  for (const char* bad :
       {"", "not json", "[]", R"({"kind":"request"})", R"({"id":1,"kind":"request"})",
        R"({"id":"a","kind":"navigated","data":"https://x"})", R"({"id":"a","kind":"body"})",
        R"({"id":"a","kind":"body","data":5})", R"({"id":"a","kind":"response"})",
        R"({"id":"a","kind":"response","status":"200"})"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_hook_message(bad).has_value());
  }
}

TEST_CASE("hook_source: installs the hook script and a binding, then reports through it") {
  fake_transport t;
  auto src = hook_source(t, "MakerSuiteService/GenerateContent");
  CHECK(std::string(src->name()) == "hook");
  src->install(milliseconds(1000));
  REQUIRE(t.bindings.size() == 1);
  REQUIRE(t.init_scripts.size() == 1);
  CHECK(t.init_scripts[0].first == script("answer_hook").source);
  CHECK(t.init_scripts[0].second["binding"] == t.bindings[0]);
  CHECK(t.init_scripts[0].second["url_part"] == "MakerSuiteService/GenerateContent");

  std::vector<page_event> seen;
  {
    auto w = src->watch("ignored", [&](const page_event& e) { seen.push_back(e); });
    // Navigations and crashes still come from the transport: a page-only watch.
    REQUIRE(t.answer_watches.size() == 1);
    CHECK(t.answer_watches[0].empty());
    t.post(t.bindings[0], R"({"id":"hook-1","kind":"request"})");
    t.post(t.bindings[0], "junk the page posted");
    t.post(t.bindings[0], R"({"id":"hook-1","kind":"body","data":"[[[[[[[null,\"Hi\"]],\"model\"]]]],"})");
    t.post(t.bindings[0], R"({"id":"hook-1","kind":"finished"})");
  }
  // Once the watch is gone, nothing is delivered.
  t.post(t.bindings[0], R"({"id":"hook-2","kind":"request"})");
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].type == page_event::kind::request);
  CHECK(seen[1].type == page_event::kind::body);
  CHECK(seen[2].type == page_event::kind::finished);

  // What it reports drives the generation like the network stream does.
  site_profile site = load_site_profile("");
  const auto t0 = generation::clock::time_point() + std::chrono::hours(1);
  generation g(site, {}, t0, t0 + milliseconds(10000), milliseconds(10000));
  std::string text;
  for (const auto& e : seen)
    for (const auto& d : g.on_event(e, t0 + milliseconds(10)).deltas) text += d.content;
  CHECK(text == "Hi");
}

TEST_CASE("network_source: follows the request through the transport") {
  fake_transport t;
  auto src = network_source(t);
  CHECK(std::string(src->name()) == "network");
  src->install(milliseconds(1000));
  CHECK(t.init_scripts.empty());
  auto w = src->watch("MakerSuiteService/GenerateContent", [](const page_event&) {});
  REQUIRE(t.answer_watches.size() == 1);
  CHECK(t.answer_watches[0] == "MakerSuiteService/GenerateContent");
}
