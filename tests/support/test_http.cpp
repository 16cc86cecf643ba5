// The HTTP client of test_support.hpp (http_request, http_request_stream):
// Boost.Beast over one blocking socket per request, every step with a deadline.
#include "test_support.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <exception>

namespace camoufleet::testing {

namespace {

bool iequals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

// Runs one async operation to completion on ioc; the stream's expiry
// (set by the caller) turns a stall into beast::error::timeout.
template <class Start>
beast::error_code run_op(net::io_context& ioc, Start&& start) {
  beast::error_code result = net::error::would_block;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run();
  return result;
}

}  // namespace

std::string http_response::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return "";
}

std::vector<std::string> http_response::headers_named(const std::string& name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) out.push_back(v);
  return out;
}

nlohmann::json http_response::json() const { return nlohmann::json::parse(body); }

http_response http_request(const std::string& method, int port, const std::string& target,
                           const std::string& body, const header_list& headers,
                           std::chrono::milliseconds timeout) {
  return http_request_stream(method, port, target, body, headers,
                             [](const std::string&) { return true; }, timeout);
}

http_response http_request_stream(const std::string& method, int port, const std::string& target,
                                  const std::string& body, const header_list& headers,
                                  const std::function<bool(const std::string&)>& on_piece,
                                  std::chrono::milliseconds timeout) {
  http_response out;
  try {
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.expires_after(timeout);
    tcp::endpoint ep{net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)};
    auto ec = run_op(ioc, [&](auto h) { stream.async_connect(ep, h); });
    if (ec) {
      out.error = "connect: " + ec.message();
      return out;
    }
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    req.set(http::field::connection, "close");
    for (const auto& [k, v] : headers) req.insert(k, v);
    if (!body.empty() || method == "POST" || method == "PUT") {
      req.body() = body;
      req.prepare_payload();
    }
    ec = run_op(ioc, [&](auto h) { http::async_write(stream, req, h); });
    if (ec) {
      out.error = "write: " + ec.message();
      return out;
    }
    beast::flat_buffer buf;
    http::response_parser<http::buffer_body> parser;
    // Not boost::none: Boost 1.74 compares the length against the empty
    // optional and reports body_limit for every body.
    parser.body_limit(std::uint64_t(1) << 40);
    ec = run_op(ioc, [&](auto h) { http::async_read_header(stream, buf, parser, h); });
    if (ec) {
      out.error = "read header: " + ec.message();
      return out;
    }
    out.status = static_cast<int>(parser.get().result_int());
    for (const auto& f : parser.get())
      out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    if (!on_piece("")) {
      stream.socket().close(ec);
      return out;
    }
    char tmp[8192];
    while (!parser.is_done()) {
      parser.get().body().data = tmp;
      parser.get().body().size = sizeof tmp;
      ec = run_op(ioc, [&](auto h) { http::async_read_some(stream, buf, parser, h); });
      if (ec == http::error::need_buffer) ec = {};
      std::size_t n = sizeof tmp - parser.get().body().size;
      if (n > 0) {
        std::string piece(tmp, n);
        out.body += piece;
        if (!on_piece(piece)) {
          stream.socket().close(ec);
          return out;
        }
      }
      if (ec) {
        out.error = "read body: " + ec.message();
        return out;
      }
    }
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  return out;
}

}  // namespace camoufleet::testing
