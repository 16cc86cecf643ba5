// --image-urls fetch: the parser's placeholders (http/request_parts.*) and
// the fetcher's pure parts and failures (fetch/image_fetch.*).
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "fetch/image_fetch.hpp"
#include "http/chat_request.hpp"

using namespace camoufleet;
using nlohmann::json;

namespace {
fetch::fetch_limits limits(std::size_t max_bytes, std::chrono::milliseconds timeout) {
  fetch::fetch_limits l;
  l.max_bytes = max_bytes;
  l.timeout = timeout;
  return l;
}

std::string with_image(const std::string& url) {
  return json{{"messages", json::array({{{"role", "user"},
                                          {"content", json::array({{{"type", "image_url"},
                                                                    {"image_url", {{"url", url}}}}})}}})}}
      .dump();
}
}  // namespace

TEST_CASE("image URLs: refused by default, placeholders to fetch with --image-urls fetch") {
  auto off = http::parse_chat_request(with_image("http://127.0.0.1/a.png"));
  REQUIRE_FALSE(off.ok);
  CHECK(off.error.message.find("not fetched (--image-urls refuse)") != std::string::npos);
  auto on = http::parse_chat_request(with_image("http://127.0.0.1/a.png"), true);
  REQUIRE(on.ok);
  REQUIRE(on.request.messages[0].attachments.size() == 1);
  CHECK(on.request.messages[0].attachments[0].mime_type.empty());
  CHECK(on.request.messages[0].attachments[0].data == "http://127.0.0.1/a.png");
  auto tls = http::parse_chat_request(with_image("https://127.0.0.1/a.png"), true);
  REQUIRE(tls.ok);
  CHECK(tls.request.messages[0].attachments[0].data == "https://127.0.0.1/a.png");
  auto refused = http::parse_chat_request(with_image("https://127.0.0.1/a.png"));
  REQUIRE_FALSE(refused.ok);
  CHECK(refused.error.param == "messages[0].content[0].image_url.url");
}

TEST_CASE("image URLs: parse_http_url and image_content_type") {
  std::string err;
  auto a = fetch::parse_http_url("http://example.org:8080/img/a.png?x=1#frag", err);
  REQUIRE(a);
  CHECK(a->host == "example.org");
  CHECK(a->port == "8080");
  CHECK(a->target == "/img/a.png?x=1");
  auto b = fetch::parse_http_url("HTTP://[::1]/", err);
  REQUIRE(b);
  CHECK(b->host == "::1");
  CHECK(b->port == "80");
  auto c = fetch::parse_http_url("http://h", err);
  REQUIRE(c);
  CHECK(c->target == "/");
  auto d = fetch::parse_http_url("HTTPS://Example.org/a.png#x", err);
  REQUIRE(d);
  CHECK(d->tls);
  CHECK(d->port == "443");
  CHECK(d->target == "/a.png");
  CHECK(d->host_header() == "Example.org");
  CHECK(d->text() == "https://Example.org/a.png");
  auto e = fetch::parse_http_url("https://[::1]:8443?q", err);
  REQUIRE(e);
  CHECK(e->host == "::1");
  CHECK(e->port == "8443");
  CHECK(e->target == "/?q");
  CHECK(e->host_header() == "[::1]:8443");
  CHECK_FALSE(fetch::parse_http_url("https://[::1]x/", err));
  CHECK_FALSE(fetch::parse_http_url("http://h\\x/", err));
  CHECK_FALSE(fetch::parse_http_url("http://u:p@h/", err));
  CHECK_FALSE(fetch::parse_http_url("http://h:99999/", err));
  CHECK_FALSE(fetch::parse_http_url("http://:80/", err));
  CHECK_FALSE(fetch::parse_http_url("ftp://h/", err));
  CHECK(err == "is not an http:// or https:// URL");
  CHECK(fetch::image_content_type("image/PNG; charset=x") == "image/png");
  CHECK(fetch::image_content_type(" image/webp") == "image/webp");
  CHECK(fetch::image_content_type("image/svg+xml").empty());
  CHECK(fetch::image_content_type("").empty());
}

TEST_CASE("image URLs: redirect locations resolve as RFC 3986 says") {
  std::string err;
  const auto base = *fetch::parse_http_url("https://img.example:8443/a/b/c.png?x=1", err);
  auto at = [&](const std::string& loc) { return fetch::resolve_location(base, loc); };
  CHECK(at("http://other/x.png") == "http://other/x.png");
  CHECK(at("HTTPS://other/x.png") == "HTTPS://other/x.png");
  CHECK(at("//cdn.example/x.png") == "https://cdn.example/x.png");
  CHECK(at("/root.png?y") == "https://img.example:8443/root.png?y");
  CHECK(at("d.png") == "https://img.example:8443/a/b/d.png");
  CHECK(at("../d.png") == "https://img.example:8443/a/d.png");
  CHECK(at("../../../../d.png") == "https://img.example:8443/d.png");
  CHECK(at("./e/./f/../g.png") == "https://img.example:8443/a/b/e/g.png");
  CHECK(at("..") == "https://img.example:8443/a/");
  CHECK(at("?z=2") == "https://img.example:8443/a/b/c.png?z=2");
  CHECK(at("#frag") == "https://img.example:8443/a/b/c.png?x=1");
  CHECK(at("  /s.png ") == "https://img.example:8443/s.png");
  CHECK(at("").empty());
  CHECK(at("ftp://x/") == "ftp://x/");  // fetch_image refuses it, naming the hop
  const auto plain = *fetch::parse_http_url("http://[::1]:8080/p", err);
  CHECK(fetch::resolve_location(plain, "q.png") == "http://[::1]:8080/q.png");
  CHECK(fetch::is_redirect(301));
  CHECK(fetch::is_redirect(308));
  CHECK_FALSE(fetch::is_redirect(304));
  CHECK_FALSE(fetch::is_redirect(200));
}

TEST_CASE("image URLs: a closed port and a server that never answers fail naming the URL") {
  // A listening socket nobody accepts on: connect succeeds, no answer comes.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd, 4) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/a.png";
  const auto slow = fetch::fetch_image(url, limits(1024, std::chrono::milliseconds(300)));
  CHECK(slow.mime_type.empty());
  CHECK(slow.error == "the image URL '" + url + "' did not answer within 300 ms");
  ::close(fd);
  // The port is free again (nothing listens): refused at once.
  const auto closed = fetch::fetch_image(url, limits(1024, std::chrono::milliseconds(2000)));
  CHECK(closed.mime_type.empty());
  CHECK(closed.error.find("the image URL '" + url + "' could not be reached") == 0);
}
