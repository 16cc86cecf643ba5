#include "fake_gateway.hpp"

namespace camoufleet::testing {

namespace {

void set_id(request_event& ev, const std::string& id) {
  std::visit([&](auto& e) { e.request_id = id; }, ev);
}

bool terminal(const request_event& ev) {
  return std::holds_alternative<request_finished>(ev) ||
         std::holds_alternative<request_failed>(ev);
}

}  // namespace

fake_gateway::fake_gateway() : worker_([this] { loop(); }) {}

fake_gateway::~fake_gateway() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

void fake_gateway::set_script(script_fn fn) {
  std::lock_guard<std::mutex> lock(mu_);
  script_ = std::move(fn);
}
void fake_gateway::set_fleet(fleet_view v) {
  std::lock_guard<std::mutex> lock(mu_);
  fleet_ = std::move(v);
}
void fake_gateway::set_models(std::vector<core::model_info> m) {
  std::lock_guard<std::mutex> lock(mu_);
  models_ = std::move(m);
}
void fake_gateway::set_synchronous(bool yes) {
  std::lock_guard<std::mutex> lock(mu_);
  synchronous_ = yes;
}

void fake_gateway::set_unresponsive(bool yes) {
  std::lock_guard<std::mutex> lock(mu_);
  unresponsive_ = yes;
}

void fake_gateway::post(std::chrono::steady_clock::time_point at, std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push(job{at, seq_++, std::move(fn)});
  }
  cv_.notify_all();
}

void fake_gateway::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    if (jobs_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const auto at = jobs_.top().at;
    if (std::chrono::steady_clock::now() < at) {
      cv_.wait_until(lock, at);
      continue;
    }
    auto fn = jobs_.top().run;
    jobs_.pop();
    lock.unlock();
    fn();
    lock.lock();
  }
}

void fake_gateway::submit(completion_request request,
                          std::function<void(const request_event&)> on_event) {
  std::vector<script_step> steps;
  bool sync = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    submitted_.push_back(request);
    if (script_) steps = script_(request);
    active_[request.id] = on_event;
    sync = synchronous_;
  }
  const std::string id = request.id;
  if (sync) {
    for (auto& s : steps) {
      set_id(s.event, id);
      on_event(s.event);
    }
    std::lock_guard<std::mutex> lock(mu_);
    active_.erase(id);
    return;
  }
  auto at = std::chrono::steady_clock::now();
  for (auto& s : steps) {
    at += s.delay;
    set_id(s.event, id);
    auto ev = s.event;
    post(at, [this, id, ev] {
      std::function<void(const request_event&)> cb;
      {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = active_.find(id);
        if (it == active_.end()) return;  // cancelled meanwhile
        cb = it->second;
        if (terminal(ev)) active_.erase(it);
      }
      cb(ev);
    });
  }
}

void fake_gateway::cancel(const std::string& request_id, std::function<void(bool)> on_done) {
  std::function<void(const request_event&)> cb;
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_.push_back(request_id);
    auto it = active_.find(request_id);
    if (it != active_.end()) {
      cb = it->second;
      active_.erase(it);
    }
  }
  const bool found = static_cast<bool>(cb);
  // Like the actors: the request ends with request_failed{cancelled}, later.
  post(std::chrono::steady_clock::now(), [cb, request_id, on_done, found] {
    if (cb) {
      request_failed f;
      f.request_id = request_id;
      f.code = error_code::cancelled;
      f.message = "cancelled";
      cb(f);
    }
    if (on_done) on_done(found);
  });
}

void fake_gateway::fleet(std::function<void(const fleet_view&)> on_view) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (unresponsive_) return;
  }
  post(std::chrono::steady_clock::now(), [this, on_view] {
    fleet_view v;
    {
      std::lock_guard<std::mutex> lock(mu_);
      v = fleet_;
    }
    on_view(v);
  });
}

void fake_gateway::models(std::function<void(const std::vector<core::model_info>&)> on_models) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (unresponsive_) return;
  }
  post(std::chrono::steady_clock::now(), [this, on_models] {
    std::vector<core::model_info> m;
    {
      std::lock_guard<std::mutex> lock(mu_);
      m = models_;
    }
    on_models(m);
  });
}

std::vector<completion_request> fake_gateway::submitted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return submitted_;
}
std::vector<std::string> fake_gateway::cancelled() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cancelled_;
}
bool fake_gateway::was_cancelled(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& c : cancelled_)
    if (c == id) return true;
  return false;
}
std::size_t fake_gateway::active() const {
  std::lock_guard<std::mutex> lock(mu_);
  return active_.size();
}

void fake_gateway::restart(const std::string& instance_id, std::function<void(bool)> on_done) {
  bool found = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& i : fleet_.instances) found |= i.id == instance_id;
    if (found) restarted_.push_back(instance_id);
  }
  post(std::chrono::steady_clock::now(), [on_done, found] { on_done(found); });
}

void fake_gateway::set_rotation(const std::string& instance_id, bool in_rotation,
                                std::function<void(bool)> on_done) {
  bool found = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& i : fleet_.instances) {
      if (i.id != instance_id) continue;
      i.in_rotation = in_rotation;
      found = true;
    }
  }
  post(std::chrono::steady_clock::now(), [on_done, found] { on_done(found); });
}

void fake_gateway::screenshot(const std::string& instance_id,
                              std::function<void(const screenshot_reply&)> on_reply) {
  screenshot_reply r{screenshot_status::unknown_instance, {}, "no instance " + instance_id};
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& i : fleet_.instances) {
      if (i.id != instance_id) continue;
      const bool live = i.status == instance_status::ready || i.status == instance_status::busy;
      r = live ? screenshot_reply{screenshot_status::ok, std::string("\x89PNG\r\n\x1a\n") + i.id, {}}
               : screenshot_reply{screenshot_status::no_page, {}, "not now"};
    }
  }
  post(std::chrono::steady_clock::now(), [on_reply, r] { on_reply(r); });
}

std::vector<std::string> fake_gateway::restarted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return restarted_;
}

}  // namespace camoufleet::testing
