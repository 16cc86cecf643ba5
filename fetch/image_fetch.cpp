#include "fetch/image_fetch.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cctype>

#include "core/image_type.hpp"

namespace camoufleet::fetch {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::optional<http_url> parse_http_url(const std::string& url, std::string& error) {
  std::string lower = url.substr(0, 8);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower.rfind("https://", 0) == 0) {
    error = "https image URLs are not fetched (camoufleet fetches plain http only); send the "
            "image as a data URL";
    return std::nullopt;
  }
  if (lower.rfind("http://", 0) != 0) {
    error = "is not an http:// URL";
    return std::nullopt;
  }
  http_url out;
  const std::string rest = url.substr(7);
  const auto slash = rest.find_first_of("/?#");
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) out.target = rest.substr(slash);
  if (out.target[0] != '/') out.target = "/" + out.target;
  if (const auto hash = out.target.find('#'); hash != std::string::npos) out.target.resize(hash);
  if (authority.find('@') != std::string::npos) {
    error = "has user information, which is not fetched";
    return std::nullopt;
  }
  if (!authority.empty() && authority[0] == '[') {  // [v6]:port
    const auto close = authority.find(']');
    if (close == std::string::npos) {
      error = "has a malformed host";
      return std::nullopt;
    }
    out.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':')
      out.port = authority.substr(close + 2);
  } else if (const auto colon = authority.rfind(':'); colon != std::string::npos) {
    out.host = authority.substr(0, colon);
    out.port = authority.substr(colon + 1);
  } else {
    out.host = authority;
  }
  const bool port_ok = !out.port.empty() && out.port.size() <= 5 &&
                       std::all_of(out.port.begin(), out.port.end(),
                                   [](unsigned char c) { return std::isdigit(c); }) &&
                       std::stoi(out.port) > 0 && std::stoi(out.port) < 65536;
  if (out.host.empty() || !port_ok) {
    error = "has no valid host and port";
    return std::nullopt;
  }
  for (char c : out.target)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      error = "has spaces or control characters";
      return std::nullopt;
    }
  return out;
}

std::string image_content_type(const std::string& content_type) {
  std::string t = content_type.substr(0, content_type.find(';'));
  t.erase(0, t.find_first_not_of(" \t"));
  t.erase(t.find_last_not_of(" \t") + 1);
  std::transform(t.begin(), t.end(), t.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* ok : {"image/png", "image/jpeg", "image/webp", "image/gif"})
    if (t == ok) return t;
  return "";
}

fetched_image fetch_image(const std::string& url, const fetch_limits& limits) {
  fetched_image out;
  const std::string named = "the image URL '" + url + "' ";
  std::string why;
  const auto parts = parse_http_url(url, why);
  if (!parts) {
    out.error = named + why;
    return out;
  }
  net::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::tcp_stream stream(ioc);
  beast::flat_buffer buffer;
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, parts->target, 11};
  req.set(bhttp::field::host, parts->port == "80" ? parts->host : parts->host + ":" + parts->port);
  req.set(bhttp::field::user_agent, "camoufleet");
  req.set(bhttp::field::accept, "image/png, image/jpeg, image/webp, image/gif");
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(limits.max_bytes);
  bool finished = false;
  auto fail = [&](const std::string& what) {
    finished = true;
    why = what;
  };
  stream.expires_after(limits.timeout);
  auto on_read = [&](beast::error_code ec, std::size_t) {
    if (ec == bhttp::error::body_limit)
      return fail("is larger than " + std::to_string(limits.max_bytes) + " bytes");
    if (ec == beast::error::timeout) return fail("did not answer in time");
    if (ec) return fail("gave a broken answer (" + ec.message() + ")");
    finished = true;
  };
  auto on_write = [&](beast::error_code ec, std::size_t) {
    if (ec) return fail("could not be asked (" + ec.message() + ")");
    bhttp::async_read(stream, buffer, parser, on_read);
  };
  auto on_connect = [&](beast::error_code ec, const tcp::endpoint&) {
    if (ec) return fail("could not be reached (" + ec.message() + ")");
    bhttp::async_write(stream, req, on_write);
  };
  resolver.async_resolve(parts->host, parts->port,
                         [&](beast::error_code ec, tcp::resolver::results_type r) {
    if (ec) return fail("could not be resolved (" + ec.message() + ")");
    stream.async_connect(r, on_connect);
  });
  const std::string late = "did not answer within " + std::to_string(limits.timeout.count()) + " ms";
  ioc.run_for(limits.timeout + std::chrono::milliseconds(200));
  if (!finished || why == "did not answer in time") why = late;
  if (!why.empty()) {
    out.error = named + why;
    return out;
  }
  auto& res = parser.get();
  if (res.result_int() != 200) {
    out.error = named + "was answered with HTTP " + std::to_string(res.result_int()) +
                (res.result_int() / 100 == 3 ? " (redirects are not followed)" : "");
    return out;
  }
  const std::string declared = std::string(res[bhttp::field::content_type]);
  const std::string mime = image_content_type(declared);
  if (mime.empty()) {
    out.error = named + "has the content type '" + declared +
                "', not image/png, image/jpeg, image/webp or image/gif";
    return out;
  }
  if (core::sniff_image_type(res.body()) != mime) {
    out.error = named + "says " + mime + " but its bytes are not a " + mime.substr(6) + " image";
    return out;
  }
  out.mime_type = mime;
  out.data = std::move(res.body());
  return out;
}

}  // namespace camoufleet::fetch
