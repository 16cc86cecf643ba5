#pragma once
// A scripted browser::session for the actor tests: per-instance knobs for
// deltas, failures, hangs and pings, and counters of what the actors did.
// Everything a test waits on is guarded and signalled, with deadlines.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "browser/session.hpp"

namespace camoufleet::testing {

using namespace std::chrono_literals;

// Polls cond until it holds or the deadline passes.
template <class Cond>
bool eventually_true(Cond cond, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (cond()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
}

// Behaviour and observations for one instance id.
struct fake_script {
  // -- knobs (set before the instance uses them) --
  std::optional<core::failure_kind> start_failure;
  std::vector<std::string> deltas{"Hel", "lo"};
  std::optional<core::failure_kind> fail_before_delta;
  std::optional<core::failure_kind> fail_after_delta;
  bool fail_once = false;           // the failure knobs clear themselves after one use
  bool hold_after_first_delta = false;   // block until release() or request_stop()
  bool hold_before_first_delta = false;  // the same, before any text
  bool ping_ok = true;
  bool ping_hangs = false;  // ping blocks until release() or request_stop()
  bool ignore_stop = false;  // a page that keeps streaming after request_stop()
  bool hold_in_switch_model = false;  // switch_model blocks until release() (ignores stop)
  bool screenshot_fails = false;      // screenshot_png throws site_error
  bool start_hangs_once = false;      // the next start blocks until release() (a launch that never returns)
  int new_chat_failures = 0;          // the next N new_chat calls throw site_error
  std::optional<core::failure_kind> reload_failure;  // the next reload throws this
  bool hold_in_reload = false;        // reload blocks until release() or a stop
  std::string storage_json = "{}";    // what storage_state() returns
  std::vector<core::model_info> models{{"gemini-2.5-pro", "Gemini 2.5 Pro"},
                                      {"gemini-2.5-flash", "Gemini 2.5 Flash"}};

  // -- observations --
  int starts = 0;
  int closes = 0;
  int generates = 0;
  int stops_requested = 0;
  int pings = 0;
  int collections = 0;  // collect_garbage calls
  int new_chats = 0;                      // new_chat calls, failed ones included
  int reloads = 0;                        // reload calls, failed ones included
  std::vector<int> reloads_at_generate;   // reloads when each generate began
  std::vector<int> new_chats_at_generate;  // new_chats when each generate began
  int generate_returns = 0;
  int switches = 0;          // switch_model calls that began
  int storage_reads = 0;
  int screenshots = 0;  // generate() calls that ended, by return or throw
  std::vector<std::string> prompts;  // first message content of each generate
  browser::exit_callback on_exit;        // of the latest session
  int on_exit_owner = 0;                 // which session (by start number) on_exit belongs to
  bool released = false;
  bool stop_flag = false;
};

class fake_world {
 public:
  // The script for an instance id ("instance_1"), created on first use.
  fake_script& script(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu);
    return scripts_[id];
  }
  // The same, for callers that hold mu already.
  fake_script& script_locked(const std::string& id) { return scripts_[id]; }
  template <class F>
  auto with(const std::string& id, F f) {
    std::lock_guard<std::mutex> lock(mu);
    return f(scripts_[id]);
  }
  // Waits (with a deadline) until pred(script) holds; true if it did.
  template <class Pred>
  bool wait(const std::string& id, Pred pred, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, timeout, [&] { return pred(scripts_[id]); });
  }
  // Waits (with a deadline) until pred() holds over the world's fields.
  template <class Pred>
  bool wait_world(Pred pred, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, timeout, pred);
  }
  void release(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu);
    scripts_[id].released = true;
    cv.notify_all();
  }
  // Simulates the browser process dying (called as a cdp thread would).
  void kill(const std::string& id, const std::string& reason = "killed") {
    browser::exit_callback cb;
    {
      std::lock_guard<std::mutex> lock(mu);
      cb = scripts_[id].on_exit;
    }
    if (cb) cb(reason);
  }

  browser::session_factory factory();

  std::mutex mu;
  std::condition_variable cv;
  // Parallel-start probe: starts currently inside the factory, and the most seen.
  int starting_now = 0;
  int max_parallel_starts = 0;
  int start_barrier = 0;  // > 0: each start waits (bounded) until this many are inside

 private:
  std::map<std::string, fake_script> scripts_;
};

class fake_page : public core::page_driver {
 public:
  fake_page(fake_world& w, std::string id) : world_(w), id_(std::move(id)) {}

  void open(std::chrono::milliseconds) override {}
  std::vector<core::model_info> models() override {
    return world_.with(id_, [](fake_script& s) { return s.models; });
  }
  std::string current_model() override { return model_; }
  void switch_model(const std::string& id, std::chrono::milliseconds timeout) override {
    std::unique_lock<std::mutex> lock(world_.mu);
    auto& s = world_.script_locked(id_);
    ++s.switches;
    world_.cv.notify_all();
    if (s.hold_in_switch_model) {
      // Like a slow model menu: a stop request does not end it.
      world_.cv.wait_for(lock, timeout, [&] { return s.released; });
      s.released = false;
    }
    model_ = id;
  }
  core::generation_result generate(const std::vector<core::chat_message>& messages,
                                  const core::generation_params& params,
                                  const std::function<void(const core::delta&)>& on_delta,
                                  std::chrono::milliseconds timeout) override {
    struct count_return {
      fake_world& w;
      const std::string& id;
      ~count_return() {
        std::lock_guard<std::mutex> lock(w.mu);
        ++w.script_locked(id).generate_returns;
        w.cv.notify_all();
      }
    } counter{world_, id_};
    // Like the real driver: a stop requested from here on counts, and the
    // model is switched first when the page is on another one.
    world_.with(id_, [](fake_script& s) { return s.stop_flag = false; });
    if (!params.model.empty() && params.model != model_) switch_model(params.model, timeout);
    if (world_.with(id_, [](fake_script& s) { return s.stop_flag; }))
      throw core::driver_error(core::failure_kind::cancelled, "cancelled before the answer began");
    return generate_impl(messages, params, on_delta, timeout);
  }
  core::generation_result generate_impl(const std::vector<core::chat_message>& messages,
                                       const core::generation_params&,
                                       const std::function<void(const core::delta&)>& on_delta,
                                       std::chrono::milliseconds timeout) {
    std::vector<std::string> deltas;
    std::optional<core::failure_kind> before, after;
    bool hold = false;
    bool hold_before = false;
    {
      std::lock_guard<std::mutex> lock(world_.mu);
      auto& s = world_.script_locked(id_);
      ++s.generates;
      s.new_chats_at_generate.push_back(s.new_chats);
      s.reloads_at_generate.push_back(s.reloads);
      s.prompts.push_back(messages.empty() ? "" : messages.front().content);
      s.stop_flag = false;
      s.released = false;
      deltas = s.deltas;
      before = s.fail_before_delta;
      after = s.fail_after_delta;
      hold = s.hold_after_first_delta;
      hold_before = s.hold_before_first_delta;
      if (s.fail_once) {
        s.fail_before_delta.reset();
        s.fail_after_delta.reset();
      }
      world_.cv.notify_all();
    }
    if (before) throw core::driver_error(*before, "scripted failure before the answer");
    if (hold_before) hold_here(timeout);
    std::string all;
    for (std::size_t i = 0; i < deltas.size(); ++i) {
      on_delta({deltas[i], ""});
      all += deltas[i];
      if (i == 0 && hold) hold_here(timeout);
    }
    if (after) throw core::driver_error(*after, "scripted failure mid-answer");
    return {all, "", "stop", {}, 3, static_cast<int>(deltas.size())};
  }
  void request_stop() override {
    std::lock_guard<std::mutex> lock(world_.mu);
    auto& s = world_.script_locked(id_);
    ++s.stops_requested;
    s.stop_flag = true;
    world_.cv.notify_all();
  }
  void new_chat(std::chrono::milliseconds) override {
    std::lock_guard<std::mutex> lock(world_.mu);
    auto& s = world_.script_locked(id_);
    ++s.new_chats;
    world_.cv.notify_all();
    if (s.new_chat_failures > 0) {
      --s.new_chat_failures;
      throw core::driver_error(core::failure_kind::site_error, "scripted: New chat did not clear");
    }
  }
  void reload(std::chrono::milliseconds) override {
    std::unique_lock<std::mutex> lock(world_.mu);
    auto& s = world_.script_locked(id_);
    ++s.reloads;
    world_.cv.notify_all();
    if (s.hold_in_reload) wait_released_or_stopped(lock, s);
    if (auto f = std::exchange(s.reload_failure, std::nullopt))
      throw core::driver_error(*f, "scripted: the page did not load again");
  }
  bool ping(std::chrono::milliseconds) override {
    std::unique_lock<std::mutex> lock(world_.mu);
    auto& s = world_.script_locked(id_);
    ++s.pings;
    world_.cv.notify_all();
    if (s.ping_hangs) {
      // A page that ignores its own deadline: only the test or a stop frees it.
      wait_released_or_stopped(lock, s);
      return false;
    }
    return s.ping_ok;
  }
  // Answers even while a generate() holds (another thread), like a tab does.
  std::string screenshot_png(std::chrono::milliseconds) override {
    std::lock_guard<std::mutex> lock(world_.mu);
    auto& s = world_.script_locked(id_);
    ++s.screenshots;
    world_.cv.notify_all();
    if (s.screenshot_fails) throw core::driver_error(core::failure_kind::site_error, "no picture");
    return "\x89PNG fake of " + id_;
  }
  std::string storage_state() override {
    std::lock_guard<std::mutex> lock(world_.mu);
    auto& s = world_.script_locked(id_);
    ++s.storage_reads;
    world_.cv.notify_all();
    return s.storage_json;
  }

 private:
  // Blocks (holding lock on world_.mu, bounded) until the test releases the
  // page or a stop comes, whatever the call's own deadline says.
  void wait_released_or_stopped(std::unique_lock<std::mutex>& lock, fake_script& s) {
    s.stop_flag = false;
    world_.cv.wait_for(lock, 20s, [&] { return s.released || s.stop_flag; });
  }
  // Blocks like a slow page until the test releases it or stop is requested.
  void hold_here(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(world_.mu);
    auto& s = world_.script_locked(id_);
    world_.cv.wait_for(lock, timeout,
                       [&] { return s.released || (s.stop_flag && !s.ignore_stop); });
    if (s.stop_flag && !s.ignore_stop) throw core::driver_error(core::failure_kind::cancelled, "stopped");
    if (!s.released) throw core::driver_error(core::failure_kind::timeout, "held too long");
    s.released = false;
  }

  fake_world& world_;
  std::string id_;
  std::string model_ = "gemini-2.5-pro";
};

}  // namespace camoufleet::testing

namespace camoufleet::testing {

class fake_session : public browser::session {
 public:
  fake_session(fake_world& w, std::string id, int port, int serial)
      : world_(w), id_(id), page_(w, id), port_(port), serial_(serial) {}
  browser::session_info info() const override { return {0, port_, "ws://fake/" + id_}; }
  core::page_driver& page() override { return page_; }
  browser::heap_collection collect_garbage(std::chrono::milliseconds) override {
    std::lock_guard<std::mutex> lock(world_.mu);
    ++world_.script_locked(id_).collections;
    world_.cv.notify_all();
    return {true, 8 << 20, 1 << 20};
  }
  void close(std::chrono::milliseconds) override {
    std::lock_guard<std::mutex> lock(world_.mu);
    auto& s = world_.script_locked(id_);
    ++s.closes;
    // Never called after close() returned. An old session closed late (its
    // worker retires in the background) must not clear its successor's.
    if (s.on_exit_owner == serial_) s.on_exit = nullptr;
    world_.cv.notify_all();
  }

 private:
  fake_world& world_;
  std::string id_;
  fake_page page_;
  int port_;
  int serial_;
};

inline browser::session_factory fake_world::factory() {
  return [this](const browser::session_options& o, browser::exit_callback on_exit)
             -> std::unique_ptr<browser::session> {
    std::unique_lock<std::mutex> lock(mu);
    ++starting_now;
    max_parallel_starts = std::max(max_parallel_starts, starting_now);
    cv.notify_all();
    if (start_barrier > 0)
      cv.wait_for(lock, 5s, [&] { return max_parallel_starts >= start_barrier; });
    --starting_now;
    auto& s = scripts_[o.instance_id];
    ++s.starts;
    cv.notify_all();
    if (s.start_hangs_once) {
      s.start_hangs_once = false;
      cv.wait_for(lock, 30s, [&] { return s.released; });
      s.released = false;
    }
    if (s.start_failure) throw core::driver_error(*s.start_failure, "scripted start failure");
    s.on_exit = std::move(on_exit);
    s.on_exit_owner = s.starts;
    return std::make_unique<fake_session>(*this, o.instance_id, o.base_port, s.starts);
  };
}

}  // namespace camoufleet::testing
