#include "sim/server.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <chrono>
#include <iostream>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "sim/assets.hpp"
#include "sim/sim_state.hpp"
#include "sim/stream_format.hpp"
#include "sim/url.hpp"

namespace camoufleet::sim {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using request_t = http::request<http::string_body>;
using response_t = http::response<http::string_body>;

namespace {

const std::string rpc_prefix =
    "/$rpc/google.internal.alkali.applications.makersuite.v1.MakerSuiteService/";
const std::string chat_path = "/prompts/new_chat";

response_t make_response(const request_t& req, http::status status, const std::string& type,
                         std::string body) {
  response_t res{status, req.version()};
  res.set(http::field::server, "aistudio-sim");
  res.set(http::field::content_type, type);
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

response_t json_response(const request_t& req, http::status status, const std::string& body) {
  return make_response(req, status, "application/json", body);
}

response_t redirect(const request_t& req, const std::string& location) {
  auto res = make_response(req, http::status::found, "text/html; charset=utf-8", "");
  res.set(http::field::location, location);
  return res;
}

// Waits up to ms, watching the socket: returns false as soon as the peer
// has closed it. An abort must be seen within tens of ms even while nothing
// is being written (hang, slow first token), so we cannot wait for a write
// to fail.
bool wait_peer_alive(int fd, int ms) {
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + std::chrono::milliseconds(ms);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    int slice = static_cast<int>(std::min<long long>(left.count(), 25));
    if (slice < 0) slice = 0;
    pollfd p{fd, static_cast<short>(POLLIN | POLLRDHUP), 0};
    int r = ::poll(&p, 1, slice);
    if (r > 0) {
      if (p.revents & (POLLHUP | POLLERR | POLLRDHUP | POLLNVAL)) return false;
      if (p.revents & POLLIN) {
        char c;
        ssize_t n = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n == 0) return false;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
        // Data from the client (a pipelined request): not an abort, but
        // poll would report it at once again, so sleep the slice instead.
        std::this_thread::sleep_for(std::chrono::milliseconds(slice));
      }
    }
    if (clock::now() >= deadline) return true;
  }
}

constexpr int idle_timeout_ms = 120000;

// True once fd has data (or EOF) to read; false after ms without any.
bool wait_readable(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  for (;;) {
    int r = ::poll(&p, 1, ms);
    if (r < 0 && errno == EINTR) continue;
    return r > 0;
  }
}

}  // namespace

struct server::impl {
  sim_state& state;
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};

  impl(sim_state& st, int port) : state(st) {
    beast::error_code ec;
    tcp::endpoint ep{net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)};
    acceptor.open(ep.protocol(), ec);
    if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(ep, ec);
    if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error("cannot listen on 127.0.0.1:" + std::to_string(port) + ": " +
                                     ec.message());
  }

  void run() {
    for (;;) {
      tcp::socket sock{ioc};
      beast::error_code ec;
      acceptor.accept(sock, ec);
      if (ec) {
        if (ec == net::error::operation_aborted) return;
        continue;
      }
      try {
        std::thread([this, s = std::move(sock)]() mutable { serve_connection(std::move(s)); })
            .detach();
      } catch (const std::system_error& e) {
        // Out of threads: refuse this connection, keep serving the others.
        std::cerr << "aistudio-sim: cannot start a connection thread: " << e.what() << "\n";
      }
    }
  }

  void serve_connection(tcp::socket sock) {
    try {
      beast::flat_buffer buf;
      for (;;) {
        request_t req;
        http::request_parser<http::string_body> parser;
        parser.body_limit(16 * 1024 * 1024);
        beast::error_code ec;
        // Browsers park idle keep-alive connections; without a limit each
        // one would hold a thread forever.
        if (buf.size() == 0 && !wait_readable(sock.native_handle(), idle_timeout_ms)) break;
        http::read(sock, buf, parser, ec);
        if (ec) break;
        req = parser.release();
        bool keep = handle(sock, req);
        if (!keep) break;
      }
      beast::error_code ec;
      sock.shutdown(tcp::socket::shutdown_send, ec);
    } catch (const std::exception& e) {
      // Nothing may escape a connection thread: it would end the process.
      std::cerr << "aistudio-sim: connection error: " << e.what() << "\n";
    } catch (...) {
    }
  }

  // Writes a complete response; returns whether to keep the connection.
  bool send(tcp::socket& sock, response_t res) {
    beast::error_code ec;
    bool keep = res.keep_alive();
    http::write(sock, res, ec);
    return keep && !ec;
  }

  bool handle(tcp::socket& sock, const request_t& req) {
    std::string path, query;
    split_target(std::string(req.target()), path, query);
    const auto method = req.method();

    if (path.rfind("/__admin/", 0) == 0)
      return send(sock, admin(req, path));
    if (method == http::verb::get && (path == "/" || path == "/prompts" || path == "/prompts/"))
      return send(sock, redirect(req, chat_path));
    if (method == http::verb::get && path.rfind("/prompts/", 0) == 0) return send(sock, page(req));
    if (path == "/ServiceLogin" || path.rfind("/v3/signin", 0) == 0)
      return send(sock, sign_in(req, query));
    if (path == "/favicon.ico") {
      auto res = make_response(req, http::status::no_content, "image/x-icon", "");
      return send(sock, std::move(res));
    }
    if (method == http::verb::get && path.rfind("/static/", 0) == 0) {
      auto name = path.substr(8);
      if (const auto* a = find_asset(name))
        return send(sock, make_response(req, http::status::ok, content_type_for(name),
                                        std::string(a->text())));
    }
    if (path.rfind(rpc_prefix, 0) == 0) {
      auto rpc = path.substr(rpc_prefix.size());
      if (method != http::verb::post)
        return send(sock, json_response(req, http::status::method_not_allowed, "{}"));
      auto account = state.authenticate(std::string(req[http::field::cookie]));
      if (!account)
        return send(sock, json_response(req, http::status::unauthorized, unauthenticated_body()));
      if (rpc == "ListModels") {
        if (const int ms = state.page().list_models_ms; ms > 0)
          std::this_thread::sleep_for(std::chrono::milliseconds(ms));
        return send(sock, make_response(req, http::status::ok, "application/json+protobuf",
                                        list_models_body(state.page().ui_variant != "2025")));
      }
      if (rpc == "GenerateContent") return generate(sock, req, *account);
    }
    return send(sock, make_response(req, http::status::not_found, "text/plain", "not found\n"));
  }

  response_t page(const request_t& req) {
    const auto account = state.authenticate(std::string(req[http::field::cookie]));
    if (!account) return redirect(req, "/ServiceLogin?continue=" + url_encode(std::string(req.target())));
    state.page_loaded(*account);
    const auto opts = state.page();
    auto html = asset_text(opts.ui_variant == "2025" ? "index.html"
                                                     : "index-" + opts.ui_variant + ".html");
    const std::string key = "{{PREFERENCE_VOTE_EVERY}}";
    if (auto pos = html.find(key); pos != std::string::npos)
      html.replace(pos, key.size(), std::to_string(opts.preference_vote_every));
    for (const auto& [slot, value] :
         {std::pair<std::string, std::string>{"{{NO_FUNCTION_CALLING}}", opts.no_function_calling},
          {"{{GROUNDING_ON}}", opts.grounding_on},
          {"{{URL_CONTEXT_ON}}", opts.url_context_on}})
      if (auto pos = html.find(slot); pos != std::string::npos)
        html.replace(pos, slot.size(), html_escape(value));
    return make_response(req, http::status::ok, "text/html; charset=utf-8", html);
  }

  response_t login_page(const request_t& req, const std::string& cont, const std::string& error) {
    auto html = asset_text("login.html");
    auto replace = [&](const std::string& key, const std::string& value) {
      for (auto pos = html.find(key); pos != std::string::npos; pos = html.find(key, pos))
        html.replace(pos, key.size(), value), pos += value.size();
    };
    replace("{{CONTINUE}}", html_escape(cont));
    replace("{{ERROR}}", error.empty() ? "" : "<div class=\"error\" role=\"alert\">" +
                                                  html_escape(error) + "</div>");
    return make_response(req, http::status::ok, "text/html; charset=utf-8", html);
  }

  response_t sign_in(const request_t& req, const std::string& query) {
    if (req.method() != http::verb::post) {
      auto q = parse_form(query);
      return login_page(req, q.count("continue") ? q["continue"] : chat_path, "");
    }
    auto form = parse_form(req.body());
    auto cont = safe_continue(form["continue"]);
    auto acct = state.sign_in(form["identifier"], form["password"]);
    if (!acct) return login_page(req, cont, "Wrong email or password");
    auto res = redirect(req, cont);
    for (const auto& [name, value] : acct->cookies)
      res.insert(http::field::set_cookie,
                 name + "=" + value + "; Path=/; Max-Age=315360000; HttpOnly; SameSite=Lax" +
                     (is_secure_prefixed(name) ? "; Secure" : ""));
    return res;
  }

  response_t admin(const request_t& req, const std::string& path) {
    int status = 200;
    std::string err;
    if (req.method() == http::verb::get && path == "/__admin/state")
      return json_response(req, http::status::ok, state.to_json().dump());
    if (req.method() != http::verb::post)
      return json_response(req, http::status::not_found, R"({"ok":false,"error":"not found"})");
    if (path == "/__admin/reset") {
      state.reset();
      return json_response(req, http::status::ok, R"({"ok":true})");
    }
    auto body = nlohmann::json::parse(req.body().empty() ? "{}" : req.body(), nullptr, false);
    if (body.is_discarded()) {
      status = 400;
      err = "body is not JSON";
    } else if (path == "/__admin/faults") {
      err = state.apply_faults(body, &status);
    } else if (path == "/__admin/pacing") {
      err = state.apply_pacing(body, &status);
    } else {
      status = 404;
      err = "not found";
    }
    nlohmann::json out = err.empty() ? nlohmann::json{{"ok", true}}
                                     : nlohmann::json{{"ok", false}, {"error", err}};
    return json_response(req, static_cast<http::status>(status), out.dump());
  }

  // Streams one GenerateContent answer. Returns whether the connection
  // can serve another request.
  bool generate(tcp::socket& sock, const request_t& req, const std::string& account) {
    std::string error;
    auto params = parse_generate_body(req.body(), error);
    if (!params) {
      nlohmann::json body = {
          {"error", {{"code", 400}, {"message", error}, {"status", "INVALID_ARGUMENT"}}}};
      return send(sock, json_response(req, http::status::bad_request, body.dump()));
    }
    auto adm = state.begin_generate(account, *params);
    // Lets a test find exactly this request in /__admin/state.
    const std::string request_id = std::to_string(adm.id);
    if (adm.kind != admission::stream) {
      const bool limited = adm.kind == admission::rate_limited;
      auto res = json_response(
          req, limited ? http::status::too_many_requests : http::status::internal_server_error,
          limited ? rate_limit_body() : internal_error_body());
      res.set("X-Sim-Request-Id", request_id);
      return send(sock, std::move(res));
    }

    http::response<http::empty_body> head{http::status::ok, req.version()};
    head.set(http::field::server, "aistudio-sim");
    head.set(http::field::content_type, "application/json+protobuf");
    head.set(http::field::cache_control, "no-store");
    head.set("X-Sim-Request-Id", request_id);
    head.keep_alive(req.keep_alive());
    head.chunked(true);
    http::response_serializer<http::empty_body> sr{head};
    beast::error_code ec;
    http::write_header(sock, sr, ec);
    if (ec) {
      state.finish(adm.id, request_status::aborted);
      return false;
    }
    const int fd = sock.native_handle();

    if (adm.hang) {
      // Never answer; only a client abort (or the process ending) ends it.
      while (wait_peer_alive(fd, 1000)) {
      }
      state.finish(adm.id, request_status::aborted);
      return false;
    }
    if (!wait_peer_alive(fd, adm.pace.first_token_ms + adm.slow_first_token_ms)) {
      state.finish(adm.id, request_status::aborted);
      return false;
    }
    const auto& pieces = adm.pieces;
    int sent_tokens = 0;
    // The last two pieces are the finish chunk and the metadata element.
    const std::size_t token_pieces = pieces.size() >= 2 ? pieces.size() - 2 : 0;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      const bool last = i + 1 == pieces.size();
      // The metadata element follows the finish chunk at once.
      if (i > 0 && !last && !wait_peer_alive(fd, adm.pace.token_ms)) {
        state.finish(adm.id, request_status::aborted);
        return false;
      }
      // The state is updated before the bytes go out, so a client that has
      // seen them can rely on the admin state already saying so.
      if (!last && adm.drop_after_tokens >= 0 && sent_tokens >= adm.drop_after_tokens) {
        state.finish(adm.id, request_status::dropped);
        drop(sock);
        return false;
      }
      if (i < token_pieces) state.progress(adm.id, ++sent_tokens);
      if (last) state.finish(adm.id, request_status::done);
      net::write(sock, http::make_chunk(net::buffer(pieces[i])), ec);
      if (ec) {
        state.finish(adm.id, request_status::aborted);  // no-op once done
        return false;
      }
    }
    net::write(sock, http::make_chunk_last(), ec);
    return !ec && req.keep_alive();
  }

  static void drop(tcp::socket& sock) {
    beast::error_code ec;
    // A FIN without the terminating chunk: the client keeps every byte sent
    // so far (an RST could discard them) and still sees a broken stream.
    sock.shutdown(tcp::socket::shutdown_both, ec);
    sock.close(ec);
  }
};

server::server(sim_state& state, int port) : impl_(std::make_unique<impl>(state, port)) {}
server::~server() = default;
int server::port() const { return impl_->acceptor.local_endpoint().port(); }
void server::run() { impl_->run(); }

}  // namespace camoufleet::sim
