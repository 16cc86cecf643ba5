#include <doctest/doctest.h>

#include <caf/all.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include "actors/messages.hpp"

using namespace camoufleet;

namespace {

struct system_fixture {
  system_fixture() : sys(cfg()) {}
  static caf::actor_system_config& cfg() {
    static caf::actor_system_config c;
    static bool once = [] {
      register_types(c);
      c.set("scheduler.max-threads", size_t{1});
      return true;
    }();
    (void)once;
    return c;
  }
  caf::actor_system sys;
};

// Serializes x inside a caf::message (as a remote send would) and reads it back.
template <class T>
T round_trip(caf::actor_system& sys, const T& x) {
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  auto msg = caf::make_message(x);
  REQUIRE_FALSE(sink(msg));
  caf::message back;
  caf::binary_deserializer source{sys, buf};
  REQUIRE_FALSE(source(back));
  REQUIRE(back.match_elements<T>());
  return back.get_as<T>(0);
}

}  // namespace

TEST_CASE("messages: a completion request crosses a serializer intact") {
  system_fixture f;
  completion_request r;
  r.id = "chatcmpl-1";
  r.messages = {{"system", "be brief"}, {"user", "hi"}};
  r.params.model = "gemini-2.5-pro";
  r.params.temperature = 0.5;
  r.params.stop = {"END"};
  r.params.reasoning_effort = "low";
  r.params.function_declarations = R"([{"name":"f"}])";
  r.params.tool_choice = "function";
  r.params.tool_choice_name = "f";
  r.params.tool_mode = core::tool_mode::emulated;
  r.params.response_format = "json_schema";
  r.params.response_schema = R"({"name":"trip","schema":{"type":"object"}})";
  r.params.web_search = true;
  r.params.ask_again = true;
  core::attachment file;
  file.mime_type = "application/pdf";
  file.data = "%PDF-1.4";
  file.filename = "report.pdf";
  r.messages[1].attachments.push_back(file);
  r.stream = true;
  r.received_ms = 1234;
  auto b = round_trip(f.sys, r);
  CHECK(b.id == r.id);
  REQUIRE(b.messages.size() == 2);
  CHECK(b.messages[1].content == "hi");
  CHECK(b.params.model == "gemini-2.5-pro");
  CHECK(b.params.temperature == doctest::Approx(0.5));
  CHECK(b.params.stop == std::vector<std::string>{"END"});
  // Every field a page needs, also on a remote node (nodes/ sends these).
  CHECK(b.params.reasoning_effort == "low");
  CHECK(b.params.function_declarations == r.params.function_declarations);
  CHECK(b.params.tool_choice == "function");
  CHECK(b.params.tool_choice_name == "f");
  CHECK(b.params.tool_mode == core::tool_mode::emulated);
  CHECK(b.params.response_format == "json_schema");
  CHECK(b.params.response_schema == r.params.response_schema);
  CHECK(b.params.web_search);
  CHECK(b.params.ask_again);
  REQUIRE(b.messages[1].attachments.size() == 1);
  CHECK(b.messages[1].attachments[0].mime_type == "application/pdf");
  CHECK(b.messages[1].attachments[0].data == "%PDF-1.4");
  CHECK(b.messages[1].attachments[0].filename == "report.pdf");
  CHECK(b.stream);
  CHECK(b.received_ms == 1234);
}

TEST_CASE("messages: events, views and outcomes cross a serializer intact") {
  system_fixture f;
  request_failed failed{"r", "instance_2", error_code::queue_full, "full", 5};
  auto fb = round_trip(f.sys, failed);
  CHECK(fb.code == error_code::queue_full);
  CHECK(fb.retry_after_s == 5);
  CHECK(fb.instance_id == "instance_2");

  request_finished fin{"r", "instance_1", "m", "text", "why", "stop", 3, 4, 0, {}};
  auto finb = round_trip(f.sys, fin);
  CHECK(finb.content == "text");
  CHECK(finb.completion_tokens == 4);

  fleet_view v;
  v.multi_instance_mode = true;
  v.queue_limit = 7;
  instance_view iv;
  iv.id = "instance_10";
  iv.status = instance_status::cooldown;
  iv.until_ms = 99;
  v.instances.push_back(iv);
  v.queue.push_back({"q1", 12});
  auto vb = round_trip(f.sys, v);
  REQUIRE(vb.instances.size() == 1);
  CHECK(vb.instances[0].status == instance_status::cooldown);
  CHECK(vb.instances[0].until_ms == 99);
  CHECK(vb.queue.at(0).waiting_ms == 12);

  job_outcome o;
  o.request_id = "r";
  o.code = error_code::browser_gone;
  o.delta_sent = true;
  auto ob = round_trip(f.sys, o);
  CHECK(ob.code == error_code::browser_gone);
  CHECK(ob.delta_sent);

  instance_models m{"instance_1", {{"gemini-2.5-pro", "Gemini 2.5 Pro"}}};
  CHECK(round_trip(f.sys, m).models.at(0).display_name == "Gemini 2.5 Pro");

  fleet_view silent;
  silent.unanswered = "did not answer";
  CHECK(round_trip(f.sys, silent).unanswered == "did not answer");

  // A PNG is binary: every byte value survives.
  std::string png;
  for (int i = 0; i < 256; ++i) png.push_back(static_cast<char>(i));
  auto shot = round_trip(f.sys, screenshot_reply{screenshot_status::ok, png, ""});
  CHECK(shot.status == screenshot_status::ok);
  CHECK(shot.png == png);
}

TEST_CASE("messages: enums print by name in CAF's rendering") {
  CHECK(caf::deep_to_string(instance_status::needs_login) == "needs_login");
  CHECK(caf::deep_to_string(error_code::queue_timeout) == "queue_timeout");
}
