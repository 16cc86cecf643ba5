#include "site/generation.hpp"

#include "site/function_calls.hpp"

#include <stdexcept>

namespace camoufleet::site {

using std::chrono::milliseconds;

namespace {

bool starts_with(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}

}  // namespace

generation::generation(const site_profile& site, dom_snapshot before, clock::time_point started,
                       clock::time_point deadline, milliseconds total)
    : site_(site),
      before_(std::move(before)),
      started_(started),
      deadline_(deadline),
      total_(total),
      parser_(site.wire),
      last_progress_(started),
      next_snapshot_(started) {}

template <class F>
generation_step generation::guarded(F&& f) {
  generation_step out;
  if (failure_) {
    out.failure = failure_;
    return out;
  }
  try {
    f(out);
  } catch (const driver_error& e) {
    failure_ = e;
  } catch (const stream_parse_error& e) {
    failure_ = driver_error(failure_kind::site_error, e.what());
  }
  if (failure_) out.failure = failure_;
  out.done = done_ && !failure_;
  return out;
}

generation_step generation::tick(clock::time_point now) {
  return guarded([&](generation_step&) {
    if (done_) return;
    if (held_failure_ && now >= held_until_) throw *held_failure_;
    if (now >= deadline_)
      throw driver_error(failure_kind::timeout,
                         "no complete answer within " + std::to_string(total_.count()) + " ms");
    if (deltas_ == 0 && now - started_ > site_.timeouts.first_token)
      throw driver_error(failure_kind::timeout, "no answer started in time");
    if (now - last_progress_ > site_.timeouts.idle)
      throw driver_error(failure_kind::timeout, "the answer stalled");
  });
}

generation_step generation::on_event(const page_event& e, clock::time_point now) {
  return guarded([&](generation_step& out) {
    if (!done_) handle(e, now, out);
  });
}

bool generation::snapshot_due(clock::time_point now) const {
  return !done_ && !failure_ && !held_failure_ && now >= next_snapshot_;
}

generation_step generation::on_snapshot(const dom_snapshot& snap, clock::time_point now) {
  return guarded([&](generation_step& out) {
    if (!done_) look(snap, now, out);
  });
}

void generation::emit(delta d, clock::time_point now, generation_step& out) {
  content_ += d.content;
  reasoning_ += d.reasoning;
  ++deltas_;
  last_progress_ = now;
  out.deltas.push_back(std::move(d));
}

void generation::handle(const page_event& e, clock::time_point now, generation_step& out) {
  using kind = page_event::kind;
  // A failed request waits only for where the page goes (or a late status).
  if (held_failure_ && e.type != kind::navigated && e.type != kind::crashed &&
      e.type != kind::response)
    return;
  switch (e.type) {
    case kind::request:
      if (dom_mode_) return;  // too late: the DOM is already being followed
      stream_seen_ = true;
      request_id_ = e.request_id;
      last_progress_ = now;
      return;
    case kind::body_unavailable:
      if (dom_mode_ || e.request_id != request_id_) return;
      out.note = "cannot stream the answer (" + e.data + "); following the DOM";
      dom_mode_ = true;
      return;
    case kind::body:
      if (dom_mode_ || e.request_id != request_id_) return;
      for (auto& d : parser_.feed(e.data)) emit(std::move(d), now, out);
      return;
    case kind::response:
      http_status_ = e.status;
      if (http_status_ == site_.wire.rate_limit_status)
        throw driver_error(failure_kind::rate_limited,
                           "the site refused the request: HTTP " + std::to_string(http_status_));
      if (http_status_ == 401 || http_status_ == 403)
        throw driver_error(failure_kind::login_lost,
                           "the site no longer accepts the session: HTTP " +
                               std::to_string(http_status_));
      if (http_status_ >= 400)
        throw driver_error(failure_kind::site_error,
                           "the site answered HTTP " + std::to_string(http_status_));
      return;
    case kind::finished: {
      if (dom_mode_) return;
      if (!parser_.done())
        throw driver_error(failure_kind::site_error,
                           "the answer stream ended before it was complete");
      complete_from_network();
      return;
    }
    case kind::failed: {
      if (dom_mode_) return;
      // A page may cancel its fetch once it has read the closing bracket:
      // the answer is complete all the same.
      if (parser_.done()) {
        complete_from_network();
        return;
      }
      driver_error failed(failure_kind::site_error,
                          "the answer stream failed: " + (e.data.empty() ? "unknown" : e.data) +
                              " (after " + std::to_string(deltas_) + " pieces, " +
                              std::to_string(parser_.chunks()) + " chunks, HTTP " +
                              std::to_string(http_status_) +
                              (parser_.started() ? "" : ", no body") + ")");
      if (http_status_ != 0 || parser_.started()) throw failed;
      // Nothing of the answer came: a navigation of the page (to its
      // sign-in page, when another of its calls met the lost login) cancels
      // the request before its response; the navigation is reported after.
      held_failure_ = std::move(failed);
      held_until_ = now + site_.timeouts.failure_settle;
      return;
    }
    case kind::navigated:
      if (site_.is_login_url(e.data))
        throw driver_error(failure_kind::login_lost, "the site sent us to its sign-in page");
      throw driver_error(failure_kind::site_error, "the page navigated away during the answer");
    case kind::crashed:
      throw driver_error(failure_kind::browser_gone, "the tab crashed");
  }
}

// The whole body is in: an error the stream carried instead of an answer
// fails the generation however the request itself ended.
void generation::complete_from_network() {
  const auto& err = parser_.stream_error();
  if (!err.empty())
    throw driver_error(parser_.stream_error_kind(),
                       "the site reported an error in the answer stream: " + err);
  network_done_ = done_ = true;
}

void generation::look(const dom_snapshot& snap, clock::time_point now, generation_step& out) {
  // While the network stream is followed, the DOM is only checked for
  // errors; a slower pace keeps the page's main thread free.
  next_snapshot_ = now + (stream_seen_ && !dom_mode_ ? 3 : 1) * site_.timeouts.poll_interval;
  if (site_.is_login_url(snap.url))
    throw driver_error(failure_kind::login_lost, "the site sent us to its sign-in page");
  if (!dom_error_ && ((!snap.quota.empty() && snap.quota != before_.quota) ||
                      (!snap.toast.empty() && snap.toast != before_.toast))) {
    const std::string& shown =
        snap.quota != before_.quota && !snap.quota.empty() ? snap.quota : snap.toast;
    auto kind = site_.classify_error_text(shown);
    dom_error_ = driver_error(kind == "rate_limit" ? failure_kind::rate_limited
                              : kind == "quota"    ? failure_kind::quota_exceeded
                                                   : failure_kind::site_error,
                              "the page shows: " + shown);
    // The page can render an error before the response that caused it is
    // reported; the HTTP status is the more precise word, so wait a bit.
    dom_error_at_ = now + (stream_seen_ ? site_.timeouts.poll_interval * 10 : milliseconds(0));
  }
  if (dom_error_ && now >= dom_error_at_) throw *dom_error_;
  if (!stream_seen_ && !dom_mode_ && now - started_ >= site_.timeouts.stream_start) {
    out.note = "no answer request seen; following the DOM";
    dom_mode_ = true;
  }
  if (!dom_mode_ || snap.turns <= before_.turns) return;
  // DOM fallback: pass on what the newest turn grew by.
  if (starts_with(snap.reasoning, emitted_reasoning_) &&
      snap.reasoning.size() > emitted_reasoning_.size()) {
    delta d;
    d.reasoning = snap.reasoning.substr(emitted_reasoning_.size());
    emitted_reasoning_ = snap.reasoning;
    emit(std::move(d), now, out);
  }
  if (starts_with(snap.text, emitted_text_) && snap.text.size() > emitted_text_.size()) {
    delta t;
    t.content = snap.text.substr(emitted_text_.size());
    emitted_text_ = snap.text;
    emit(std::move(t), now, out);
  }
  if (snap.finished && !snap.generating) {
    // The page may have re-rendered earlier text: the DOM's final word wins.
    content_ = snap.text;
    reasoning_ = snap.reasoning;
    shown_calls_ = snap.calls;
    done_ = true;
  }
}

generation_result generation::result() const {
  generation_result r;
  r.content = content_;
  r.reasoning = reasoning_;
  r.finish_reason = parser_.finish_reason().empty() ? "stop" : parser_.finish_reason();
  // Followed in the DOM, the calls are the ones the turn shows.
  r.tool_calls = to_tool_calls(dom_mode_ ? decode_shown_calls(shown_calls_)
                                         : decode_function_calls(parser_.function_calls()));
  // The model ended its turn to have functions called (OpenAI's reason for it).
  if (!r.tool_calls.empty() && r.finish_reason == "stop") r.finish_reason = "tool_calls";
  if (parser_.usage().present) {
    r.prompt_tokens = parser_.usage().prompt_tokens;
    r.completion_tokens = parser_.usage().completion_tokens;
    r.reasoning_tokens = parser_.usage().reasoning_tokens;
  }
  return r;
}

}  // namespace camoufleet::site
