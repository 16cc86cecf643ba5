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
  REQUIRE_FALSE(tls.ok);
  CHECK(tls.error.message.find("'https://127.0.0.1/a.png' is https") != std::string::npos);
  CHECK(tls.error.param == "messages[0].content[0].image_url.url");
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
  CHECK_FALSE(fetch::parse_http_url("https://h/a.png", err));
  CHECK(err.find("plain http only") != std::string::npos);
  CHECK_FALSE(fetch::parse_http_url("http://u:p@h/", err));
  CHECK_FALSE(fetch::parse_http_url("http://h:99999/", err));
  CHECK_FALSE(fetch::parse_http_url("http://:80/", err));
  CHECK_FALSE(fetch::parse_http_url("ftp://h/", err));
  CHECK(fetch::image_content_type("image/PNG; charset=x") == "image/png");
  CHECK(fetch::image_content_type(" image/webp") == "image/webp");
  CHECK(fetch::image_content_type("image/svg+xml").empty());
  CHECK(fetch::image_content_type("").empty());
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
  const auto slow = fetch::fetch_image(url, {1024, std::chrono::milliseconds(300)});
  CHECK(slow.mime_type.empty());
  CHECK(slow.error == "the image URL '" + url + "' did not answer within 300 ms");
  ::close(fd);
  // The port is free again (nothing listens): refused at once.
  const auto closed = fetch::fetch_image(url, {1024, std::chrono::milliseconds(2000)});
  CHECK(closed.mime_type.empty());
  CHECK(closed.error.find("the image URL '" + url + "' could not be reached") == 0);
}
