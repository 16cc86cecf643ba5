// fetch_image(): one GET per hop over plain TCP or TLS (Boost.Beast over
// OpenSSL), redirects followed, then the answer checked to be an image.
#include "fetch/image_fetch.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <type_traits>

#include "core/image_type.hpp"

namespace camoufleet::fetch {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

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

namespace {

// What one hop brought back: an error (a reason without the URL), or the answer.
struct hop {
  std::string error;
  int status = 0;
  std::string location;
  std::string content_type;
  std::string body;
};

// Resolve, connect, (TLS handshake,) send one GET, read the answer; bounded
// by the limits. `ssl_handle` is the TLS session, null for plain http.
template <class Stream>
hop exchange(net::io_context& ioc, Stream& stream, const http_url& u, const fetch_limits& limits,
             SSL* ssl_handle) {
  hop out;
  tcp::resolver resolver(ioc);
  beast::flat_buffer buffer;
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, u.target, 11};
  req.set(bhttp::field::host, u.host_header());
  req.set(bhttp::field::user_agent, "camoufleet");
  req.set(bhttp::field::accept, "image/png, image/jpeg, image/webp, image/gif");
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(limits.max_bytes);
  bool finished = false;
  bool timed_out = false;
  auto fail = [&](const std::string& what) {
    finished = true;
    out.error = what;
  };
  auto& tcp_layer = beast::get_lowest_layer(stream);
  tcp_layer.expires_after(limits.timeout);
  auto on_read = [&](beast::error_code ec, std::size_t) {
    if (ec == bhttp::error::body_limit)
      return fail("is larger than " + std::to_string(limits.max_bytes) + " bytes");
    if (ec == beast::error::timeout) {
      timed_out = true;
      return fail("");
    }
    if (ec && !(ec == ssl::error::stream_truncated && parser.is_done()))
      return fail("gave a broken answer (" + ec.message() + ")");
    finished = true;
  };
  auto on_write = [&](beast::error_code ec, std::size_t) {
    if (ec) return fail("could not be asked (" + ec.message() + ")");
    bhttp::async_read(stream, buffer, parser, on_read);
  };
  auto on_handshake = [&](beast::error_code ec) {
    if (ec == beast::error::timeout) {
      timed_out = true;
      return fail("");
    }
    if (ec && ssl_handle) {
      const long verify = SSL_get_verify_result(ssl_handle);
      if (verify != X509_V_OK)
        return fail("has a certificate that failed verification (" +
                    std::string(X509_verify_cert_error_string(verify)) + ")");
      return fail("failed the TLS handshake (" + ec.message() + ")");
    }
    if (ec) return fail("could not be reached (" + ec.message() + ")");
    bhttp::async_write(stream, req, on_write);
  };
  auto on_connect = [&](beast::error_code ec, const tcp::endpoint&) {
    if (ec == beast::error::timeout) {
      timed_out = true;
      return fail("");
    }
    if (ec) return fail("could not be reached (" + ec.message() + ")");
    if constexpr (std::is_same_v<Stream, tls_stream>)
      stream.async_handshake(ssl::stream_base::client, on_handshake);
    else
      on_handshake({});
  };
  resolver.async_resolve(u.host, u.port, [&](beast::error_code ec, tcp::resolver::results_type r) {
    if (ec) return fail("could not be resolved (" + ec.message() + ")");
    tcp_layer.async_connect(r, on_connect);
  });
  ioc.run_for(limits.timeout + std::chrono::milliseconds(200));
  if (!finished || timed_out) {
    out.error = "did not answer within " + std::to_string(limits.timeout.count()) + " ms";
    return out;
  }
  if (!out.error.empty()) return out;
  auto& res = parser.get();
  out.status = static_cast<int>(res.result_int());
  out.location = std::string(res[bhttp::field::location]);
  out.content_type = std::string(res[bhttp::field::content_type]);
  out.body = std::move(res.body());
  return out;
}

hop get_once(const http_url& u, const fetch_limits& limits) {
  net::io_context ioc;
  if (!u.tls) {
    beast::tcp_stream stream(ioc);
    return exchange(ioc, stream, u, limits, nullptr);
  }
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  beast::error_code ec;
  ctx.set_default_verify_paths(ec);
  if (!limits.ca_file.empty()) {
    ctx.load_verify_file(limits.ca_file, ec);
    if (ec) {
      hop out;
      out.error = "could not be checked: the CA file '" + limits.ca_file + "' did not load (" +
                  ec.message() + ")";
      return out;
    }
  }
  ctx.set_verify_mode(ssl::verify_peer);
  tls_stream stream(ioc, ctx);
  SSL* handle = stream.native_handle();
  // The certificate must name the host: an IP address as an IP SAN, a name as a DNS name.
  X509_VERIFY_PARAM* param = SSL_get0_param(handle);
  boost::system::error_code not_ip;
  net::ip::make_address(u.host, not_ip);
  if (not_ip) {
    SSL_set_tlsext_host_name(handle, u.host.c_str());  // SNI: names only (RFC 6066)
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    X509_VERIFY_PARAM_set1_host(param, u.host.c_str(), 0);
  } else {
    X509_VERIFY_PARAM_set1_ip_asc(param, u.host.c_str());
  }
  return exchange(ioc, stream, u, limits, handle);
}

std::string after_hops(int redirects, const std::string& at) {
  if (redirects == 0) return "";
  return " (after " + std::to_string(redirects) + (redirects == 1 ? " redirect" : " redirects") +
         ", at '" + at + "')";
}

}  // namespace

fetched_image fetch_image(const std::string& url, const fetch_limits& limits) {
  fetched_image out;
  const std::string named = "the image URL '" + url + "' ";
  std::string current = url;
  for (int redirects = 0;; ++redirects) {
    std::string why;
    const auto parts = parse_http_url(current, why);
    if (!parts) {
      out.error = redirects == 0 ? named + why
                                 : named + "was redirected to '" + current + "', which " + why +
                                       after_hops(redirects, current);
      return out;
    }
    hop h = get_once(*parts, limits);
    if (!h.error.empty()) {
      out.error = named + h.error + after_hops(redirects, current);
      return out;
    }
    if (is_redirect(h.status)) {
      const std::string next = resolve_location(*parts, h.location);
      if (next.empty()) {
        out.error = named + "was answered with HTTP " + std::to_string(h.status) +
                    " without a Location" + after_hops(redirects, current);
        return out;
      }
      if (redirects == limits.max_redirects) {
        out.error = named + "was redirected more than " + std::to_string(limits.max_redirects) +
                    " times (the last to '" + next + "')";
        return out;
      }
      current = next;
      continue;
    }
    const std::string where = after_hops(redirects, current);
    if (h.status != 200) {
      out.error = named + "was answered with HTTP " + std::to_string(h.status) + where;
      return out;
    }
    const std::string mime = image_content_type(h.content_type);
    if (mime.empty()) {
      out.error = named + "has the content type '" + h.content_type +
                  "', not image/png, image/jpeg, image/webp or image/gif" + where;
      return out;
    }
    if (core::sniff_image_type(h.body) != mime) {
      out.error = named + "says " + mime + " but its bytes are not a " + mime.substr(6) + " image" +
                  where;
      return out;
    }
    out.mime_type = mime;
    out.data = std::move(h.body);
    return out;
  }
}

}  // namespace camoufleet::fetch
