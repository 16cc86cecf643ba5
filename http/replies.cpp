// Writing answers of server::impl: JSON replies, errors, completion streams.
#include <sstream>

#include "http/server_impl.hpp"

namespace camoufleet::http {

// ---------------------------------------------------------------------------

void server::impl::on_event(const pending_ptr& p, const request_event& ev) {
  bool ended = false;
  {
    std::lock_guard<std::mutex> lock(p->mu);
    if (p->done) return;
    if (auto a = std::get_if<request_assigned>(&ev)) {
      p->instance_id = a->instance_id;
      if (!p->background_status.empty()) note_background_start(*p);
      if (p->stream && p->head_sent) write_stream(*p, sse_comment("instance " + a->instance_id), false);
    } else if (auto d = std::get_if<request_delta>(&ev)) {
      if (p->stream) {
        if (!p->head_sent) start_stream(*p);
        emit(*p, p->body->on_delta(*d), false);
      }
      // Non-stream replies are built from request_finished alone.
    } else if (auto f = std::get_if<request_finished>(&ev)) {
      if (!f->instance_id.empty()) p->instance_id = f->instance_id;
      if (!p->background_status.empty()) {
        settle_background(*p, *f);
      } else if (p->stream) {
        if (!p->head_sent) start_stream(*p);
        const std::string end = p->body->on_finished(*f);
        // /v1/responses: the object the stream's last event carries, kept
        // before that event goes out (a client may continue from it at once).
        remember(*p, p->body->answered_object());
        write_stream(*p, end, true);
      } else {
        completion_meta meta = p->meta;
        if (!f->model.empty()) meta.model = f->model;
        // /v1/responses: the response object, to keep and to send.
        std::string object;
        if (p->responses_echo) {
          object = response_json({meta, *p->responses_echo}, *f);
          remember(*p, object);
        }
        reply_json(*p, 200, p->responses_echo ? object : completion_json(meta, *f),
                   completion_headers(*p));
      }
      ended = true;
    } else if (auto e = std::get_if<request_failed>(&ev)) {
      if (!e->instance_id.empty()) p->instance_id = e->instance_id;
      auto reply = map_error(e->code, e->message, e->retry_after_s);
      if (e->code == error_code::unknown_model && !p->alias.empty())
        reply.message = "The model '" + p->alias + "' stands for '" + p->meta.model +
                        "' (--model-alias), which the site does not have.";
      if (!p->background_status.empty() && e->code == error_code::cancelled)
        fail_background(*p, "cancelled", nullptr);  // by /v1/cancel/{id}
      else
        reply_error(*p, reply);
      ended = true;
    }
  }
  if (ended) untrack(p);
}

void server::impl::remember(pending& p, const std::string& object) {
  if (!p.responses_echo || !p.record.store) return;
  answers_.save(p.id, p.record.previous, std::move(p.record.input), object);
}

header_list server::impl::completion_headers(const pending& p) const {
  header_list h;
  h.emplace_back("X-Request-Id", p.id);
  if (!p.instance_id.empty()) h.emplace_back("X-Camoufleet-Instance", p.instance_id);
  return h;
}

namespace {

// The bytes ResponseWriter::send would put on the wire: status line, the
// writer's headers (Connection, ours), Content-Type, Content-Length, body.
std::string response_bytes(int status, const std::string& content_type,
                           const ph::Header::Collection& headers, const std::string& body) {
  std::ostringstream os;
  os << "HTTP/1.1 " << status << ' ' << ph::codeString(static_cast<ph::Code>(status)) << "\r\n";
  for (const auto& h : headers.list()) {
    const std::string name = h->name();
    if (name == "Content-Type" || name == "Content-Length") continue;
    os << name << ": ";
    h->write(os);
    os << "\r\n";
  }
  if (status == 204) {  // no content, and no headers about one (a preflight's answer)
    os << "\r\n";
    return os.str();
  }
  os << "Content-Type: ";
  for (char c : content_type)
    if (c != '\r' && c != '\n') os << c;
  os << "\r\nContent-Length: " << body.size() << "\r\n\r\n" << body;
  return os.str();
}

}  // namespace

// Not ResponseWriter::send: its promise is a chained one that Pistache 0.0.5
// resolves on the reactor without the chained core's lock (async.h's
// Chainer), so a then() attached here raced with it (ThreadSanitizer, round
// 5): the continuation could be missed or its list read mid-push_back. The
// peer's own send resolves under that lock, as send_raw's does.
void server::impl::reply_json(pending& p, int status, const std::string& body,
                              const header_list& headers, const char* content_type) {
  if (p.done) return;
  write_reply(p, status, body, headers, content_type);
  finish(p);
}

void server::impl::write_reply(pending& p, int status, const std::string& body,
                               const header_list& headers, const char* content_type) {
  p.status = status;
  std::shared_lock<std::shared_mutex> io(io_mu_);
  if (p.writer && writable_) {
    try {
      auto& w = *p.writer;
      for (const auto& [name, value] : headers)
        w.headers().add(std::make_shared<named_header>(name, value));
      for (const auto& [name, value] : p.cors)
        w.headers().add(std::make_shared<named_header>(name, value));
      if (auto peer = w.getPeer()) {
        std::string bytes = response_bytes(
            status, content_type == nullptr ? "application/json" : content_type, w.headers(), body);
        const auto n = bytes.size();
        track_write(writes_, peer->send(Pistache::RawBuffer(std::move(bytes), n)));
      }
    } catch (const std::exception&) {
      // The peer is gone; nothing to tell it.
    }
  }
}

void server::impl::reply_error(pending& p, const error_reply& e) {
  if (p.done) return;
  if (!p.background_status.empty()) {  // its client has its answer: kept instead
    fail_background(p, "failed", &e);
    return;
  }
  if (p.stream && p.head_sent) {
    // The status line is out: the SDKs raise on an error event instead.
    // A reader of a kept stream has no body of its own: its stream just ends.
    write_stream(p, p.body ? p.body->on_failed(e) : std::string(), true);
    return;
  }
  header_list headers = e.headers;
  if (p.completion) {
    auto extra = completion_headers(p);
    headers.insert(headers.end(), extra.begin(), extra.end());
  }
  reply_json(p, e.status, error_body(e), headers);
}

void server::impl::reply_now(ph::ResponseWriter response, endpoint route, header_list cors,
                             const error_reply* error) {
  auto p = std::make_shared<pending>();
  p->route = route_label(route);
  p->cors = std::move(cors);
  p->writer.emplace(std::move(response));
  std::lock_guard<std::mutex> lock(p->mu);
  if (error != nullptr) {
    reply_error(*p, *error);
  } else {
    reply_json(*p, 204, std::string(), {});
  }
}

void server::impl::send_raw(pending& p, std::string bytes) {
  std::shared_lock<std::shared_mutex> io(io_mu_);
  if (auto peer = writable_ ? p.peer.lock() : nullptr) {
    try {
      const auto n = bytes.size();
      track_write(writes_, peer->send(Pistache::RawBuffer(std::move(bytes), n)));
    } catch (const std::exception&) {
    }
  }
  p.last_write = steady::now();
}

void server::impl::start_stream(pending& p) {
  if (p.head_sent) return;
  p.head_sent = true;
  header_list headers = completion_headers(p);
  headers.insert(headers.end(), p.cors.begin(), p.cors.end());
  send_raw(p, stream_response_head(headers));
  p.status = 200;
}

void server::impl::write_stream(pending& p, std::string sse_text, bool last) {
  std::string bytes = chunk_frame(sse_text);
  if (last) bytes += chunk_terminator();
  if (!bytes.empty()) send_raw(p, std::move(bytes));
  if (last) finish(p);
}

void server::impl::finish(pending& p) {
  p.done = true;
  // 0: the client went away before the answer ended (counted as nginx's 499).
  if (!p.route.empty()) stats_->http_answered(p.route, p.status == 0 ? 499 : p.status);
  if (p.completion) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() -
                                                                          p.received)
                        .count();
    const bool background = !p.background_status.empty();
    spdlog::info("http: {} {} -> {} via {} in {} ms{}", p.id,
                 background ? "background"
                 : p.stream ? "stream"
                            : "reply",
                 background      ? p.background_status
                 : p.status == 0 ? std::string("client gone")
                                 : std::to_string(p.status),
                 p.instance_id.empty() ? std::string("-") : p.instance_id, ms,
                 p.caller.empty() ? std::string() : " for " + p.caller);
  }
  // Dropped here, while the server (and so Pistache's transport) is alive.
  p.writer.reset();
}

}  // namespace camoufleet::http
