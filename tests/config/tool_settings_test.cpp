#include <doctest/doctest.h>

#include "config/tool_settings.hpp"
#include "parse_fixture.hpp"

using camoufleet::config::test::error_line;
using camoufleet::config::test::parse_fixture;

TEST_CASE("tool settings: defaults, flags and environment") {
  parse_fixture f;
  auto d = f.parse({});
  REQUIRE_FALSE(d.exit_now);
  CHECK(d.value.tool_mode == camoufleet::core::tool_mode::automatic);
  CHECK(d.value.image_fetch_ca_file.empty());
  CHECK(d.value.image_urls == "refuse");
  CHECK(d.value.image_fetch_max_bytes == 8u * 1024 * 1024);
  CHECK(d.value.image_fetch_timeout == std::chrono::seconds(10));

  auto r = f.parse({"--tool-mode", "Emulated", "--image-urls", "fetch", "--image-fetch-max-bytes",
                    "64k", "--image-fetch-timeout", "3"});
  REQUIRE_FALSE(r.exit_now);
  CHECK(r.value.tool_mode == camoufleet::core::tool_mode::emulated);
  CHECK(r.value.image_urls == "fetch");
  CHECK(r.value.image_fetch_max_bytes == 64u * 1024);
  CHECK(r.value.image_fetch_timeout == std::chrono::seconds(3));

  f.env["CAMOUFLEET_TOOL_MODE"] = "native";
  f.env["CAMOUFLEET_IMAGE_URLS"] = "fetch";
  auto e = f.parse({});
  REQUIRE_FALSE(e.exit_now);
  CHECK(e.value.tool_mode == camoufleet::core::tool_mode::native);
  CHECK(e.value.image_urls == "fetch");
}

TEST_CASE("tool settings: bad values are one line naming the flag") {
  parse_fixture f;
  auto a = f.parse({"--tool-mode", "magic"});
  CHECK(a.exit_code == 2);
  CHECK(error_line(a).find("--tool-mode \"magic\" is not one of auto, native, emulated") !=
        std::string::npos);
  auto b = f.parse({"--image-urls", "always"});
  CHECK(error_line(b).find("--image-urls") != std::string::npos);
  auto c = f.parse({"--image-fetch-max-bytes", "0"});
  CHECK(error_line(c).find("--image-fetch-max-bytes") != std::string::npos);
  auto d = f.parse({"--image-fetch-timeout", "0"});
  CHECK(error_line(d).find("--image-fetch-timeout") != std::string::npos);
  auto e = f.parse({"--image-fetch-ca-file", "/nonexistent/ca.pem"});
  CHECK(e.exit_code == 2);
  CHECK(error_line(e).find("--image-fetch-ca-file: /nonexistent/ca.pem cannot be read") !=
        std::string::npos);
}

TEST_CASE("tool settings: the tool mode's names both ways") {
  using camoufleet::core::tool_mode;
  for (auto m : {tool_mode::automatic, tool_mode::native, tool_mode::emulated})
    CHECK(camoufleet::core::parse_tool_mode(camoufleet::core::to_string(m)) == m);
  CHECK_FALSE(camoufleet::core::parse_tool_mode("Native"));
  CHECK_FALSE(camoufleet::core::parse_tool_mode(""));
}
