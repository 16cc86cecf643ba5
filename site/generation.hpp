#pragma once
// The state of one answer being generated, as a pure class: it is fed what
// the page did (the answer request and its body, DOM snapshots, navigations,
// a crash) and the clock, and says what came out: deltas, done, or a
// failure. No threads, no I/O, no protocol: site/chat_generate.cpp drives it
// against a page transport; tests drive it directly.

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/chat.hpp"
#include "site/page_transport.hpp"
#include "site/site_profile.hpp"
#include "site/stream_parser.hpp"

namespace camoufleet::site {

// What the page shows of the newest answer and of errors (scripts/snapshot.js).
struct dom_snapshot {
  std::string url;
  int turns = 0;     // answer turns on the page
  std::string text;  // of the newest answer turn after the baseline
  std::string reasoning;
  bool finished = false;    // that turn has its edit button
  bool generating = false;  // a stop button is showing
  std::string quota;
  std::string toast;
  // The function calls that turn shows: name, arguments as the page shows them.
  std::vector<std::pair<std::string, std::string>> calls;
};

// What one call gave; failure is final (every later call gives it again).
struct generation_step {
  std::vector<delta> deltas;
  bool done = false;
  std::optional<driver_error> failure;
  std::string note;  // something worth a log line ("following the DOM: ...")
};

class generation {
 public:
  using clock = std::chrono::steady_clock;

  // `before` is the page as it was before Run was pressed; `started` is when
  // Run was pressed; the whole answer must be complete by `deadline`
  // (`total` is that budget, for the message). `site` must outlive this.
  generation(const site_profile& site, dom_snapshot before, clock::time_point started,
             clock::time_point deadline, std::chrono::milliseconds total);

  // The clock moved: the first-token, idle and total timeouts.
  generation_step tick(clock::time_point now);
  // Something the page did (from page_transport::watch_answers).
  generation_step on_event(const page_event& e, clock::time_point now);
  // Whether a DOM snapshot is due (errors are read off the page; in DOM mode
  // the answer too). The driver takes one and passes it to on_snapshot().
  bool snapshot_due(clock::time_point now) const;
  generation_step on_snapshot(const dom_snapshot& snap, clock::time_point now);

  bool done() const { return done_; }
  bool failed() const { return failure_.has_value(); }
  // The answer is followed in the DOM (no answer request in time, or its body
  // could not be followed) rather than on the network.
  bool dom_mode() const { return dom_mode_; }
  bool stream_seen() const { return stream_seen_; }
  std::size_t deltas() const { return deltas_; }
  // The complete answer (valid once done()).
  generation_result result() const;
  // What the site said when it blocked the prompt or the answer ("" if it did not).
  const std::string& blocked_message() const { return parser_.blocked_message(); }

 private:
  void handle(const page_event& e, clock::time_point now, generation_step& out);
  void complete_from_network();
  void look(const dom_snapshot& snap, clock::time_point now, generation_step& out);
  void emit(delta d, clock::time_point now, generation_step& out);
  template <class F>
  generation_step guarded(F&& f);

  const site_profile& site_;
  dom_snapshot before_;
  clock::time_point started_;
  clock::time_point deadline_;
  std::chrono::milliseconds total_;
  stream_parser parser_;
  std::string request_id_;
  bool stream_seen_ = false;
  bool network_done_ = false;
  bool dom_mode_ = false;
  bool done_ = false;
  int http_status_ = 0;
  std::string content_;
  std::string reasoning_;
  std::size_t deltas_ = 0;
  clock::time_point last_progress_;
  clock::time_point next_snapshot_;
  std::optional<driver_error> dom_error_;  // seen on the page, given after a grace
  clock::time_point dom_error_at_;
  // The answer request failed before anything of it was heard: given after
  // a grace unless the page goes to its sign-in page meanwhile.
  std::optional<driver_error> held_failure_;
  clock::time_point held_until_;
  std::string emitted_text_;  // DOM mode: what was already passed on
  std::string emitted_reasoning_;
  std::vector<std::pair<std::string, std::string>> shown_calls_;  // DOM mode, at the end
  std::optional<driver_error> failure_;
};

}  // namespace camoufleet::site
