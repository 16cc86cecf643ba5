// core/embedded_files over a real generated table (the page scripts).
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "core/embedded_files.hpp"
#include "site/page_scripts.hpp"

using namespace camoufleet;

TEST_CASE("embedded files: the generated table holds each script once, whole, and finds by name") {
  REQUIRE(site::script_files.count > 1);
  std::set<std::string> names;
  for (const auto& f : site::script_files) {
    CAPTURE(f.name);
    CHECK(names.insert(f.name).second);
    CHECK(f.size == f.text().size());
    CHECK(f.size > 0);
    CHECK(f.data[f.size] == 0);  // one NUL past the end, never counted
  }
  const auto* prelude = site::script_files.find("prelude.js");
  REQUIRE(prelude != nullptr);
  CHECK(std::string(prelude->name) == "prelude.js");
  CHECK(site::script_files.find("prelude") == nullptr);
  CHECK(site::script_files.find("") == nullptr);
  CHECK(site::script_files.find("scripts/prelude.js") == nullptr);
}

TEST_CASE("embedded files: content types by extension") {
  CHECK(std::string(core::content_type_for("index.html")) == "text/html; charset=utf-8");
  CHECK(std::string(core::content_type_for("app.js")) == "text/javascript; charset=utf-8");
  CHECK(std::string(core::content_type_for("style.css")) == "text/css; charset=utf-8");
  CHECK(std::string(core::content_type_for("models.json")) == "application/json");
  CHECK(std::string(core::content_type_for("logo.svg")) == "image/svg+xml");
  CHECK(std::string(core::content_type_for("shot.png")) == "image/png");
  CHECK(std::string(core::content_type_for("js")) == "application/octet-stream");
  CHECK(std::string(core::content_type_for("")) == "application/octet-stream");
}
