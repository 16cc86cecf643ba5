#pragma once
// Context isolation (--isolation context): one launched browser that several
// profiles share, each in an isolated context of its own (a CDP browser
// context: cdp/shared_chromium; a BiDi user context: bidi/shared_firefox).
// What is the same for every protocol lives here: owned jointly by its
// member sessions (shared_ptr), launched lazily by the first one that needs
// it (the others wait for that one launch, which is never retried), closed
// when the last one lets go; its death reaches every member once (one fault
// domain). context_pool packs profiles into these browsers.

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "browser/account_packing.hpp"
#include "browser/deadline.hpp"
#include "browser/session.hpp"

namespace camoufleet::browser {

class shared_browser {
 public:
  using clock = std::chrono::steady_clock;
  using listener = std::function<void(const std::string& reason)>;

  // name tags log lines and the profile dir ("browser_1").
  explicit shared_browser(std::string name);
  virtual ~shared_browser();
  shared_browser(const shared_browser&) = delete;
  shared_browser& operator=(const shared_browser&) = delete;

  // Launches and connects on the first call; later calls return at once
  // (or wait, up to deadline, for a launch in progress). Throws
  // driver_error: timeout, browser_gone (the launch failed, now or before:
  // a failed browser is never launched twice).
  void ensure_started(clock::time_point deadline);

  // Joinable: not dead and not failed to start (launching is joinable).
  bool usable() const;
  // Members: profiles living (or starting) in it; the packer reads these.
  int members() const;
  void join();
  void leave();
  // A member goes: its listener (add_listener's id) is removed, then leave().
  void leave(int listener_id);

  // It no longer answers browser-level commands (hung): every member hears
  // reason as if it had died, and nobody joins it any more.
  void mark_broken(const std::string& reason);

  // A member's browser-level command (a context, a tab): call(allotted)
  // gets the time left to deadline, at most allowance (a live browser
  // answers these quickly: waiting a whole start timeout on a frozen one
  // would only delay giving it up). A timeout of a fair allotment (1.5 s or
  // more) means the browser process itself is hung, for every member (a
  // hung page never blocks these): it is marked broken, then the error
  // goes on.
  template <class Call>
  auto browser_call(Call call, clock::time_point deadline, std::chrono::milliseconds allowance) {
    using std::chrono::milliseconds;
    const milliseconds allotted = std::min(time_left(deadline), allowance);
    try {
      return call(allotted);
    } catch (const driver_error& e) {
      if (e.kind() == failure_kind::timeout && allotted >= milliseconds(1500))
        mark_broken(std::string("hung: ") + e.what());
      throw;
    }
  }

  // Called once (on a browser or io thread) when the browser dies or its
  // socket breaks; at once when it already did. Must not block nor drop the
  // last reference to this object. Returns an id for remove_listener().
  int add_listener(listener on_gone);
  void remove_listener(int id);

  // Valid after ensure_started(): its pid, port and endpoint.
  session_info info() const;
  const std::string& name() const { return name_; }

 protected:
  // Launches and connects (first ensure_started() only), hooking the
  // browser's exit and its socket's end to reporter(). Returns the
  // endpoint facts. When it throws, the browser is marked gone and
  // abandon() undoes what was started.
  virtual session_info launch(clock::time_point deadline) = 0;
  virtual void abandon() = 0;
  // What the browser's own threads report its end into ("browser exited
  // …", "browser connection lost: …"): logged and passed on as "shared
  // browser <name>: …". Co-owns the fate, so a late report never touches a
  // destroyed object.
  listener reporter() const;
  // The first thing a derived destructor does: from now on the browser's
  // exit is our own doing, not news, and nobody hears it.
  void closing();

 private:
  struct fate;

  const std::string name_;
  // One launch; the others wait for it (a flag and a condition variable,
  // not a timed_mutex: GCC 12's ThreadSanitizer cannot see a timed_mutex
  // taken with a deadline and reports its unlock).
  std::mutex launch_mu_;
  std::condition_variable launch_cv_;
  bool launching_ = false;  // guarded by launch_mu_: a caller is in ensure_started
  bool launched_ = false;   // read and written only by the caller holding the turn
  std::shared_ptr<fate> fate_;
  mutable std::mutex mu_;  // members_ and info_
  int members_ = 0;
  session_info info_;
};

// Which shared browser each new context session joins (account_packing's
// pick_browser over the live browsers); thread-safe. Browser is a
// shared_browser; make(name, options) builds one (not yet launched).
template <class Browser>
class context_pool {
 public:
  using maker = std::function<std::shared_ptr<Browser>(std::string name, const session_options& options)>;
  // prefix names the browsers: prefix + "1", prefix + "2", ...
  context_pool(int per_browser, std::string prefix, maker make)
      : per_browser_(per_browser), prefix_(std::move(prefix)), make_(std::move(make)) {}

  // The browser a profile with these options joins, already counting it as
  // a member; a new (not yet launched) one when none has room.
  std::shared_ptr<Browser> join(const session_options& options) {
    std::lock_guard<std::mutex> lock(mu_);
    // Browsers whose last profile left are closed already: forget them.
    std::vector<std::shared_ptr<Browser>> live;
    for (const auto& w : browsers_) {
      if (auto b = w.lock()) live.push_back(std::move(b));
    }
    std::vector<browser_load> loads;
    for (const auto& b : live) loads.push_back({b->usable(), b->members()});
    const int i = pick_browser(loads, per_browser_);
    std::shared_ptr<Browser> chosen;
    if (i >= 0) {
      chosen = live[static_cast<std::size_t>(i)];
    } else {
      chosen = make_(prefix_ + std::to_string(next_name_++), options);
      live.push_back(chosen);
    }
    chosen->join();
    browsers_.assign(live.begin(), live.end());
    return chosen;
  }

 private:
  std::mutex mu_;
  const int per_browser_;
  const std::string prefix_;
  const maker make_;
  int next_name_ = 1;
  std::vector<std::weak_ptr<Browser>> browsers_;
};

}  // namespace camoufleet::browser
