#include "http/body_guard.hpp"

#include <sys/socket.h>

#include <exception>

#include <pistache/http.h>
#include <pistache/peer.h>

// Pistache 0.0.5 declares Http::Handler::onInput private, so a handler that
// overrides it cannot call it by name. Its symbol is exported; the Itanium
// ABI passes `this` first, so it is called as a free function.
extern void pistache_http_handler_on_input(
    Pistache::Http::Handler* self, const char* buffer, std::size_t len,
    const std::shared_ptr<Pistache::Tcp::Peer>& peer) __asm__(
    "_ZN8Pistache4Http7Handler7onInputEPKcmRKSt10shared_ptrINS_3Tcp4PeerEE");

namespace camoufleet::http {

namespace {

namespace ph = Pistache::Http;
using steady = std::chrono::steady_clock;

// Per connection, kept in the peer's data slots.
struct guard_state {
  std::size_t fed = 0;  // bytes of the current request given to the parser
  bool rejected = false;
  std::size_t drained = 0;
  steady::time_point drain_until;
};

constexpr const char* state_key = "camoufleet.body_guard";

std::shared_ptr<guard_state> state_of(const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  auto data = peer->tryGetData(state_key);
  if (data) return std::static_pointer_cast<guard_state>(data);
  auto st = std::make_shared<guard_state>();
  peer->putData(state_key, st);
  return st;
}

void reject(guard_state& st, const body_limit& limit, const oversized_request& request,
            const std::shared_ptr<Pistache::Tcp::Peer>& peer,
            const std::function<oversize_answer(const oversized_request&)>& make_413) {
  st.rejected = true;
  st.drain_until = steady::now() + limit.drain_time;
  // The parser's partial request is dropped with it.
  if (auto parser = ph::Handler::getParser(peer)) parser->reset();
  const oversize_answer answer = make_413(request);
  std::string text = "HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json\r\n";
  for (const auto& [name, value] : answer.headers) text += name + ": " + value + "\r\n";
  text += "Content-Length: " + std::to_string(answer.body.size()) +
          "\r\nConnection: close\r\n\r\n" + answer.body;
  const auto n = text.size();
  const int fd = peer->fd();
  // Once the answer is on the wire, end our direction (FIN after the 413);
  // the client's direction stays open for the drain.
  peer->send(Pistache::RawBuffer(std::move(text), n))
      .then([fd](ssize_t) { ::shutdown(fd, SHUT_WR); }, [](std::exception_ptr) {});
}

}  // namespace

void guarded_input(ph::Handler& handler, const body_limit& limit, const char* buffer,
                   std::size_t len, const std::shared_ptr<Pistache::Tcp::Peer>& peer,
                   const std::function<oversize_answer(const oversized_request&)>& make_413) {
  auto st = state_of(peer);
  if (st->rejected) {
    st->drained += len;
    // Bounded: past it the connection closes (Pistache sees EOF and drops it).
    if (st->drained > limit.drain_bytes || steady::now() >= st->drain_until)
      ::shutdown(peer->fd(), SHUT_RDWR);
    return;
  }
  pistache_http_handler_on_input(&handler, buffer, len, peer);
  auto parser = ph::Handler::getParser(peer);
  if (!parser) return;
  const auto step = parser->step() ? parser->step()->id() : ph::Private::RequestLineStep::Id;
  if (step == ph::Private::RequestLineStep::Id) {
    st->fed = 0;  // between requests (the last one, if any, was handled)
    return;
  }
  st->fed += len;
  oversized_request request;
  if (step == ph::Private::BodyStep::Id) {  // the head is read whole
    const auto& headers = parser->request.headers();
    if (auto cl = headers.tryGet<ph::Header::ContentLength>())
      request.declared = static_cast<std::size_t>(cl->value());
    if (auto origin = headers.tryGetRaw("Origin")) request.origin = origin->value();
    if (auto host = headers.tryGet<ph::Header::Host>()) request.host = host->host();
  }
  if (request.declared > limit.max_body || st->fed > limit.max_body + limit.header_slack)
    reject(*st, limit, request, peer, make_413);
}

}  // namespace camoufleet::http
