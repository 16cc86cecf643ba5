#include "site/chat_page.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "core/text.hpp"
#include "site/list_models.hpp"
#include "site/local_storage.hpp"
#include "site/page_scripts.hpp"

namespace camoufleet::site {

using nlohmann::json;
using std::chrono::milliseconds;

struct chat_page::model_cache {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<model_info> models;
  std::string error;
};

chat_page::chat_page(page_transport& transport, site_profile site, page_setup setup)
    : transport_(transport),
      site_(std::move(site)),
      setup_(std::move(setup)),
      models_(std::make_shared<model_cache>()) {
  if (setup_.site_url.empty()) setup_.site_url = "https://aistudio.google.com" + site_.chat_path;
  source_ = setup_.page_hook ? hook_source(transport_, site_.generate_content_pattern)
                             : network_source(transport_);
}

chat_page::~chat_page() {
  // End the watch before the transport can go away.
  list_models_watch_.reset();
}

milliseconds chat_page::left(clock::time_point deadline) const {
  auto d = std::chrono::duration_cast<milliseconds>(deadline - clock::now());
  return std::max(d, milliseconds(1));
}

void chat_page::ensure_open() const {
  if (!transport_.is_open())
    throw driver_error(failure_kind::browser_gone, "the browser connection is closed");
}

json chat_page::run(const std::string& name, const json& args, milliseconds timeout) {
  ++trips_;
  return transport_.call(script(name).source, args, std::max(timeout, milliseconds(1)));
}

void chat_page::watch_model_list() {
  auto cache = models_;
  const std::string prefix = site_.model_prefix;
  list_models_watch_ = transport_.watch_bodies(
      site_.list_models_pattern, [cache, prefix](const std::string* body, const std::string& error) {
        std::vector<model_info> models;
        std::string why = error;
        if (body) {
          try {
            models = parse_list_models(*body, prefix);
          } catch (const std::exception& e) {
            why = e.what();
          }
        }
        {
          std::lock_guard<std::mutex> lock(cache->mu);
          if (!models.empty()) {
            cache->models = std::move(models);
            cache->error.clear();
          } else if (cache->models.empty()) {
            cache->error = why.empty() ? "ListModels: empty model list" : why;
          }
        }
        cache->cv.notify_all();
      });
}

std::vector<model_info> chat_page::cached_models() const {
  std::lock_guard<std::mutex> lock(models_->mu);
  return models_->models;
}

void chat_page::wait_ready(clock::time_point deadline, const std::string& what, bool fresh_only) {
  std::string last_url;
  std::string last_error;
  while (true) {
    ensure_open();
    // The look waits in the page (up to a second) and answers the moment the
    // page is usable; only a failed look (a navigation destroyed the
    // document it ran in) is retried after the poll interval.
    const auto wait = std::min(left(deadline) - milliseconds(200), milliseconds(1000));
    const json args = {{"ready", site_.selectors.ready},
                       {"fresh_only", fresh_only},
                       {"wait_ms", std::max<long long>(wait.count(), 0)}};
    try {
      json r = run("look", args, std::min(left(deadline), wait + milliseconds(2000)));
      if (r.is_object()) {
        last_url = r.value("url", std::string());
        if (site_.is_login_url(last_url))
          throw driver_error(failure_kind::login_lost,
                             "the site sent us to its sign-in page (" + what + ")");
        if (r.value("ready", false) && !(fresh_only && r.value("old", false))) return;
        if (wait.count() > 0) continue;  // it waited in the page already
      }
    } catch (const driver_error& e) {
      // A navigation in progress destroys the context the script ran in.
      if (e.kind() != failure_kind::site_error && e.kind() != failure_kind::timeout) throw;
      last_error = e.what();
    }
    if (clock::now() >= deadline)
      throw driver_error(failure_kind::timeout,
                         what + ": the page was not ready in time (url " + last_url +
                             (last_error.empty() ? "" : ", last error: " + last_error) + "; " +
                             site_.no_match("ready", "ready").what() + ")");
    std::this_thread::sleep_for(std::min(left(deadline), site_.timeouts.poll_interval));
  }
}

void chat_page::seed_cookies(clock::time_point deadline) {
  auto refused = transport_.set_cookies(setup_.auth->cookies, left(deadline));
  std::string names;  // names only, never values
  for (const auto& n : refused) names += (names.empty() ? "" : ", ") + n;
  if (!names.empty())
    spdlog::warn("instance={} the browser refused cookies: {}", setup_.instance_id, names);
}

void chat_page::open(milliseconds timeout) {
  const auto started = clock::now();
  const auto deadline = started + timeout;
  // Where a start's time goes, for the "chat page ready" line.
  auto mark = started;
  auto lap = [&mark] {
    const auto now = clock::now();
    const auto ms = std::chrono::duration_cast<milliseconds>(now - mark).count();
    mark = now;
    return ms;
  };
  ensure_open();
  transport_.enable(left(deadline));
  watch_model_list();
  source_->install(left(deadline));

  std::vector<std::string> seed_scripts;
  if (setup_.auth) {
    if (!setup_.auth->cookies.empty()) seed_cookies(deadline);
    for (const auto& o : setup_.auth->origins) {
      if (o.local_storage.empty()) continue;
      json items = json::array();
      for (const auto& [k, v] : o.local_storage) items.push_back({k, v});
      seed_scripts.push_back(transport_.add_init_script(
          script("seed_storage").source, {{"origin", o.origin}, {"items", items}},
          left(deadline)));
    }
  }
  auto remove_seeds = [&] {
    for (const auto& id : seed_scripts) {
      try {
        transport_.remove_init_script(id, milliseconds(2000));
      } catch (const driver_error&) {
      }
    }
    seed_scripts.clear();
  };
  const auto prepare_ms = lap();
  long long navigate_ms = 0;
  long long ready_ms = 0;
  const int trips_before = trips_;
  try {
    transport_.navigate(setup_.site_url, std::min(left(deadline), site_.timeouts.navigation));
    navigate_ms = lap();
    wait_ready(deadline, "opening " + setup_.site_url, false);
    ready_ms = lap();
  } catch (...) {
    remove_seeds();
    throw;
  }
  const int looks = trips_ - trips_before;
  remove_seeds();
  keep_temporary_chat(deadline);
  const auto finish_ms = lap();
  spdlog::info("instance={} chat page ready in {} ms (prepare {} ms, navigate {} ms, until ready {} ms "
               "in {} looks, finish {} ms)",
               setup_.instance_id,
               std::chrono::duration_cast<milliseconds>(clock::now() - started).count(), prepare_ms,
               navigate_ms, ready_ms, looks, finish_ms);
}

std::vector<model_info> chat_page::models() {
  std::unique_lock<std::mutex> lock(models_->mu);
  models_->cv.wait_for(lock, site_.timeouts.models,
                       [&] { return !models_->models.empty() || !models_->error.empty(); });
  if (!models_->models.empty()) return models_->models;
  if (!models_->error.empty()) throw driver_error(failure_kind::site_error, models_->error);
  throw driver_error(failure_kind::timeout, "the page's ListModels response was not seen");
}

json chat_page::model_shown(milliseconds timeout) {
  return run("current_model",
             {{"model_name", site_.selectors.model_name},
              {"pref_key", site_.model_pref_key},
              {"pref_field", site_.model_pref_field}},
             timeout);
}

std::string chat_page::current_model() {
  ensure_open();
  json r = model_shown(milliseconds(5000));
  const std::string shown(core::trim(r.value("shown", std::string())));
  const std::string pref = r.value("pref", std::string());
  auto known = cached_models();
  if (shown.empty()) return model_id_for(pref, known, site_.model_prefix);
  bool is_known = std::any_of(known.begin(), known.end(), [&](const model_info& m) {
    return m.display_name == shown || m.id == shown || site_.model_prefix + m.id == shown;
  });
  if (!is_known && known.empty()) {
    // The list may still be on its way; without it a display name cannot be mapped.
    try {
      known = models();
    } catch (const driver_error&) {
    }
  }
  return model_id_for(shown, known, site_.model_prefix);
}

void chat_page::switch_model(const std::string& id, milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  ensure_open();
  std::vector<model_info> known;
  try {
    known = models();
  } catch (const driver_error& e) {
    if (e.kind() == failure_kind::browser_gone) throw;
    // Without the list the switch is still worth trying; the page has the last word.
    spdlog::warn("instance={} model list unknown ({}); switching to {} unchecked",
                 setup_.instance_id, e.what(), id);
  }
  if (!known.empty() &&
      std::none_of(known.begin(), known.end(), [&](const model_info& m) { return m.id == id; }))
    throw driver_error(failure_kind::site_error, "the site does not offer model " + id);
  if (current_model() == id) return;
  run("store_model",
      {{"pref_key", site_.model_pref_key},
       {"pref_field", site_.model_pref_field},
       {"value", site_.model_prefix + id}},
      left(deadline));
  // The page reads the preference when the new-chat page loads.
  load_chat_page(deadline, "switching to model " + id);
  std::string shown;
  while (true) {
    shown = current_model();
    if (shown == id) break;
    if (clock::now() >= deadline)
      throw driver_error(failure_kind::timeout,
                         "switching to model " + id + ": the page still shows " + shown);
    std::this_thread::sleep_for(std::min(left(deadline), site_.timeouts.poll_interval));
  }
  spdlog::info("instance={} model switched to {}", setup_.instance_id, id);
}

json chat_page::snapshot_selectors() const {
  const auto& s = site_.selectors;
  return {{"answer_turn", s.answer_turn},
          {"turn_root", s.turn_root},
          {"answer_text", s.answer_text},
          {"answer_reasoning", s.answer_reasoning},
          {"turn_edit_button", s.turn_edit_button},
          {"stop_button", s.stop_button},
          {"quota_callout", s.quota_callout},
          {"toasts", s.toasts},
          {"prompt", s.prompt},
          {"run_button", s.run_button},
          {"run_spinner", s.run_spinner},
          {"preference_vote_skip", s.preference_vote_skip},
          {"call_chunk", json::array({site_.function_calling.call_chunk})},
          {"call_name", json::array({site_.function_calling.call_name})},
          {"call_args", json::array({site_.function_calling.call_args})}};
}

dom_snapshot chat_page::snapshot_from(const json& r) {
  dom_snapshot snap;
  if (!r.is_object()) return snap;
  snap.url = r.value("url", std::string());
  snap.turns = r.value("turns", 0);
  snap.text = r.value("text", std::string());
  snap.reasoning = r.value("reasoning", std::string());
  snap.finished = r.value("finished", false);
  snap.generating = r.value("generating", false);
  snap.quota = r.value("quota", std::string());
  snap.toast = r.value("toast", std::string());
  if (auto calls = r.find("calls"); calls != r.end() && calls->is_array())
    for (const auto& c : *calls)
      if (c.is_array() && c.size() == 2 && c[0].is_string() && c[1].is_string())
        snap.calls.emplace_back(c[0].get<std::string>(), c[1].get<std::string>());
  return snap;
}

dom_snapshot chat_page::snapshot(std::size_t turns_before, milliseconds timeout) {
  return snapshot_from(
      run("snapshot", {{"turns_before", turns_before}, {"s", snapshot_selectors()}}, timeout));
}

chat_page::shown_answer chat_page::last_answer() {
  ensure_open();
  auto snap = snapshot(0, milliseconds(5000));
  return {snap.turns, snap.text, snap.reasoning, snap.finished};
}

void chat_page::reload(milliseconds timeout) {
  const auto started = clock::now();
  ensure_open();
  // What this page set (declarations, stop chips) is kept as known: the
  // next request checks it against the new document, as after the other
  // loads of the chat page, instead of assuming the site kept nothing.
  load_chat_page(started + timeout, "loading the chat page afresh");
  spdlog::info("instance={} chat page loaded afresh in {} ms", setup_.instance_id,
               std::chrono::duration_cast<milliseconds>(clock::now() - started).count());
}

void chat_page::load_chat_page(clock::time_point deadline, const std::string& what) {
  run("mark_document", nullptr, milliseconds(5000));
  ++trips_;
  transport_.navigate(setup_.site_url, std::min(left(deadline), site_.timeouts.navigation));
  wait_ready(deadline, what, true);
  keep_temporary_chat(deadline);
}

void chat_page::new_chat(milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  ensure_open();
  spdlog::debug("instance={} new chat", setup_.instance_id);
  const auto& s = site_.selectors;
  json r = run("new_chat", {{"button", s.new_chat_button}, {"turn_root", s.turn_root}},
               left(deadline));
  const std::string state = r.is_object() ? r.value("state", std::string()) : std::string();
  if (state != "clicked") {
    // Newer pages disable New chat on the new-chat page, where Temporary
    // chat keeps us: an empty chat needs nothing, else load the page afresh.
    if (state == "disabled" && r.value("turns", 0) == 0) return;
    spdlog::debug("instance={} new chat: button {}, loading the chat page", setup_.instance_id,
                  state.empty() ? r.dump() : state);
    load_chat_page(deadline, "new chat");
    return;
  }
  const json step = {{"dialog_buttons", s.dialog_buttons},
                     {"discard_text", site_.discard_button_text},
                     {"turn_root", s.turn_root}};
  bool discarded = false;
  const auto no_dialog_after = clock::now() + milliseconds(1000);
  while (true) {
    json n = run("discard_step", step, std::min(left(deadline), milliseconds(3000)));
    if (n == -1) {
      discarded = true;
    } else if (n == 0 && (discarded || clock::now() >= no_dialog_after)) {
      break;  // an empty chat may need no confirmation
    }
    if (clock::now() >= deadline)
      throw driver_error(failure_kind::timeout, "new chat: the conversation was not cleared");
    // Right after the discard click the page clears at once; polling at the
    // usual pace here put a whole poll interval in front of every request.
    const auto pause = discarded ? std::chrono::milliseconds(2) : site_.timeouts.poll_interval;
    std::this_thread::sleep_for(std::min(left(deadline), pause));
  }
  spdlog::debug("instance={} new chat: conversation cleared", setup_.instance_id);
  wait_ready(deadline, "new chat", false);
  spdlog::debug("instance={} new chat: page ready", setup_.instance_id);
}

bool chat_page::ping(milliseconds timeout) {
  try {
    if (!transport_.is_open()) return false;
    return run("ping", nullptr, timeout) == 2;
  } catch (const std::exception&) {
    return false;
  }
}

std::string chat_page::storage_state() {
  ensure_open();
  browser::storage_state st;
  st.cookies = transport_.cookies(milliseconds(5000));
  if (auto o = origin_storage_from(run("local_storage", nullptr, milliseconds(5000))))
    st.origins.push_back(std::move(*o));
  return browser::to_storage_state_json(st);
}

std::string chat_page::screenshot_png(milliseconds timeout) {
  if (!transport_.is_open())
    throw core::driver_error(core::failure_kind::browser_gone, "the browser is gone");
  return transport_.capture_png(timeout);
}

void chat_page::request_stop() {
  stop_requested_ = true;
}

}  // namespace camoufleet::site
