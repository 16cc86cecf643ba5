// chat_page::generate(): settings, prompt, Run, then the answer followed by
// the pure `generation` state machine, fed from the transport's events and
// DOM snapshots.
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "site/attachment_files.hpp"
#include "site/chat_page.hpp"
#include "site/emulated_tools.hpp"
#include "site/json_fence.hpp"
#include "site/page_scripts.hpp"
#include "site/prompt.hpp"
#include "site/reply_check.hpp"

namespace camoufleet::site {

using nlohmann::json;
using std::chrono::milliseconds;

// Events from a transport thread to the blocking caller.
class chat_page::event_queue {
 public:
  void push(page_event e) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      events_.push_back(std::move(e));
    }
    cv_.notify_one();
  }
  bool pop(page_event& out, milliseconds wait) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, wait, [&] { return !events_.empty(); })) return false;
    out = std::move(events_.front());
    events_.pop_front();
    return true;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<page_event> events_;
};

void chat_page::cancel_generation(event_queue& queue, const generation& g) {
  try {
    click_stop();
    // Wait (bounded) until the page has really let go of the request.
    const auto until = clock::now() + site_.timeouts.stop;
    while (clock::now() < until) {
      page_event ev;
      if (queue.pop(ev, site_.timeouts.poll_interval)) {
        if (ev.type == page_event::kind::failed || ev.type == page_event::kind::finished) break;
        continue;
      }
      if (!g.stream_seen() && !snapshot(0, milliseconds(2000)).generating) break;
    }
  } catch (const driver_error& e) {
    if (e.kind() == failure_kind::browser_gone) throw;
  }
  throw driver_error(failure_kind::cancelled, "the generation was stopped");
}

// A failed generation: a sign-in redirect can surface as any error of a call
// that was in flight ("target navigated or closed"), so look where the page
// is now; then leave the page idle for the next request.
void chat_page::after_failure(const driver_error& e) {
  if (e.kind() == failure_kind::site_error || e.kind() == failure_kind::timeout) {
    const auto probe_until = clock::now() + milliseconds(1500);
    const json args = {{"ready", json::array()}};
    while (clock::now() < probe_until) {
      try {
        json r = run("look", args, milliseconds(500));
        const std::string url = r.is_object() ? r.value("url", std::string()) : std::string();
        if (site_.is_login_url(url))
          throw driver_error(failure_kind::login_lost, "the site sent us to its sign-in page");
        if (r.is_object()) break;
      } catch (const driver_error& probe) {
        if (probe.kind() == failure_kind::login_lost) throw;
        if (probe.kind() == failure_kind::browser_gone) break;
      }
      std::this_thread::sleep_for(milliseconds(50));
    }
  }
  if (e.kind() != failure_kind::browser_gone && e.kind() != failure_kind::cancelled &&
      e.kind() != failure_kind::login_lost) {
    try {
      click_stop();
    } catch (const driver_error&) {
    }
  }
}

// The answer is complete on the wire; give the page a moment to finish
// rendering so that the next request starts from an idle page.
void chat_page::wait_shown_finished(std::size_t turns_before, clock::time_point deadline) {
  const auto until = clock::now() + std::min(left(deadline), site_.timeouts.stop);
  while (true) {
    try {
      auto snap = snapshot(turns_before, milliseconds(2000));
      if (snap.finished && !snap.generating) return;
    } catch (const driver_error& e) {
      if (e.kind() == failure_kind::browser_gone) throw;
    }
    if (clock::now() >= until) {
      spdlog::warn("instance={} the page did not show the answer as finished",
                   setup_.instance_id);
      return;
    }
    std::this_thread::sleep_for(site_.timeouts.poll_interval);
  }
}

generation_result chat_page::generate(const std::vector<chat_message>& messages,
                                      const generation_params& params,
                                      const std::function<void(const delta&)>& on_delta,
                                      milliseconds timeout) {
  stop_requested_ = false;
  last_streamed_ = false;
  const auto deadline = clock::now() + timeout;
  ensure_open();
  const std::string conversation = flatten_prompt(messages, site_.labels);
  if (conversation.empty())
    throw driver_error(failure_kind::site_error, "nothing to send: the prompt is empty");
  // Emulated function calling: the tools go before the conversation, and
  // the answer's text is searched for calls (held back while streaming).
  auto prompt_for = [&](bool emulate) {
    std::string p = emulate ? flatten_prompt(messages, site_.labels,
                                             emulated_tools_prompt(params.function_declarations))
                            : conversation;
    for (const auto& instruction :
         {tool_choice_instruction(params, emulate), response_format_instruction(params)})
      if (!instruction.empty()) p += site_.labels.separator + instruction;
    return p;
  };

  // Private copies of the request's images, removed when generate() returns.
  const attachment_files files(messages);
  const int trips_at_start = trips_;
  // In the common case the one-trip script checks the model and the
  // declarations itself; otherwise (or when it finds them off) the slow
  // steps come first. tool_mode::emulated needs no look at the page;
  // automatic is settled there, by prepare_page().
  const bool check_page = files.empty() && page_checkable(params);
  bool emulate =
      !params.function_declarations.empty() && params.tool_mode == tool_mode::emulated;
  if (!check_page) emulate = prepare_page(params, deadline);
  std::string prompt = prompt_for(emulate);

  // Watched before Run is pressed so that the request cannot be missed.
  auto queue = std::make_shared<event_queue>();
  std::unique_ptr<page_watch> watch;
  auto start_watch = [&] {
    queue = std::make_shared<event_queue>();
    watch = source_->watch(site_.generate_content_pattern,
                           [queue](const page_event& e) { queue->push(e); });
  };
  start_watch();
  const auto t_prepare = clock::now();
  one_trip trip;
  if (files.empty()) trip = prepare_and_submit(params, prompt, deadline, check_page);
  if (trip.page_unprepared) {
    // The model switch reloads the page: its navigation is no answer's.
    watch.reset();
    emulate = prepare_page(params, deadline);
    prompt = prompt_for(emulate);
    start_watch();
    trip = prepare_and_submit(params, prompt, deadline, false);
  }
  // The answer's text is searched for written calls: emulated tools in any
  // of their forms; with native declarations `Request function call:`
  // blocks only, which models sometimes write instead of calling (FACTS 5).
  std::optional<emulated_stream> written;
  if (emulate) {
    written.emplace(call_forms::all);
    spdlog::info("instance={} function calling emulated in the prompt", setup_.instance_id);
  } else if (!params.function_declarations.empty() && params.tool_choice != "none") {
    written.emplace(call_forms::upstream_only);
  }
  // An answer asked for as JSON loses a code fence the model put around it.
  std::optional<json_fence> fence;
  if (!params.response_format.empty()) fence.emplace();
  bool clicked = trip.clicked;
  std::optional<dom_snapshot> fast = trip.before;
  spdlog::debug("instance={} one-trip submit: {} in {} us (in the page: {})", setup_.instance_id,
                fast ? (clicked ? "clicked" : "not clicked") : "slow path",
                std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - t_prepare)
                    .count(),
                trip.page_ms.empty() ? "-" : trip.page_ms);
  if (!fast) {
    apply_settings(params, deadline);
    fast = snapshot(0, std::min(left(deadline), milliseconds(5000)));
  }
  if (!files.empty()) attach_files(files.paths(), prompt, deadline);
  const dom_snapshot before = *fast;
  const auto turns_before = static_cast<std::size_t>(before.turns);

  auto pass_on = [&](generation_step step) {
    if (!step.note.empty()) spdlog::info("instance={} {}", setup_.instance_id, step.note);
    for (const auto& d : step.deltas) {
      if (!on_delta) continue;
      delta out = d;
      if (written) out.content = written->feed(out.content);
      if (fence) out.content = fence->feed(out.content);
      if (!out.content.empty() || !out.reasoning.empty()) on_delta(out);
    }
    if (step.failure) throw *step.failure;
    return step.done;
  };

  std::optional<generation> g;
  try {
    if (!clicked) submit_prompt(prompt, deadline);
    submit_trips_ = trips_ - trips_at_start;
    spdlog::debug("instance={} Run clicked after {} page round trip(s)", setup_.instance_id,
                  submit_trips_);
    g.emplace(site_, before, clock::now(), deadline, timeout);
    while (true) {
      if (stop_requested_) cancel_generation(*queue, *g);
      ensure_open();
      if (pass_on(g->tick(clock::now()))) break;
      page_event ev;
      if (queue->pop(ev, std::min(left(deadline), site_.timeouts.poll_interval))) {
        if (pass_on(g->on_event(ev, clock::now()))) break;
      }
      if (!g->snapshot_due(clock::now())) continue;
      dom_snapshot snap = snapshot(turns_before, std::min(left(deadline), milliseconds(5000)));
      if (pass_on(g->on_snapshot(snap, clock::now()))) break;
    }
  } catch (const driver_error& e) {
    watch.reset();
    after_failure(e);
    spdlog::warn("instance={} generate failed: {} ({})", setup_.instance_id, e.what(),
                 to_string(e.kind()));
    throw;
  }
  watch.reset();
  last_streamed_ = !g->dom_mode();
  if (!g->dom_mode()) wait_shown_finished(turns_before, deadline);
  if (!g->blocked_message().empty())
    spdlog::warn("instance={} the site blocked the answer: {}", setup_.instance_id,
                 g->blocked_message());
  generation_result result = g->result();
  if (written) {
    const std::size_t native_calls = result.tool_calls.size();
    const std::string tail =
        adopt_written_calls(*written, declared_names(params.function_declarations), result);
    const std::string shown = fence && on_delta ? fence->feed(tail) : tail;
    if (!shown.empty() && on_delta) on_delta(delta{shown, ""});
    if (result.tool_calls.size() != native_calls || (emulate && !result.tool_calls.empty()))
      spdlog::info("instance={} {} function call(s) read from the answer text ({})",
                   setup_.instance_id, result.tool_calls.size(), emulate ? "emulated" : "native");
  }
  if (fence) {
    if (on_delta) {
      const std::string rest = fence->finish();
      if (!rest.empty()) on_delta(delta{rest, ""});
    }
    result.content = json_fence::strip(result.content);
  }
  if (params.ask_again) {
    const std::string problem = reply_problem(result, params);
    if (!problem.empty() && !stop_requested_ && clock::now() < deadline)
      return ask_again(messages, params, std::move(result), problem, on_delta, deadline);
  }
  return result;
}

generation_result chat_page::ask_again(const std::vector<chat_message>& messages,
                                       const generation_params& params, generation_result first,
                                       const std::string& problem,
                                       const std::function<void(const delta&)>& on_delta,
                                       clock::time_point deadline) {
  spdlog::warn("instance={} the answer is not what the request demands ({}): asking once more",
               setup_.instance_id, problem);
  std::vector<chat_message> again = messages;
  chat_message said("assistant", first.content);
  said.tool_calls = first.tool_calls;
  again.push_back(std::move(said));
  again.emplace_back("user", ask_again_request(problem, params));
  generation_params once = params;
  once.ask_again = false;
  try {
    new_chat(left(deadline));
    generation_result second = generate(again, once, on_delta, left(deadline));
    // Both answers were asked of the account.
    second.prompt_tokens += first.prompt_tokens;
    second.completion_tokens += first.completion_tokens;
    second.reasoning_tokens += first.reasoning_tokens;
    if (const auto still = reply_problem(second, params); !still.empty())
      spdlog::warn("instance={} the second answer breaks it too ({}): returned as it is",
                   setup_.instance_id, still);
    return second;
  } catch (const driver_error& e) {
    if (e.kind() == failure_kind::cancelled) throw;
    spdlog::warn("instance={} the second try failed ({}): the first answer is returned",
                 setup_.instance_id, e.what());
    return first;
  }
}

}  // namespace camoufleet::site
