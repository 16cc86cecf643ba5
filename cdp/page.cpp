#include "cdp/page.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "cdp/prompt.hpp"
#include "cdp/stream_parser.hpp"

namespace camoufleet::cdp {

using nlohmann::json;
using std::chrono::milliseconds;

// ---- pure helpers ---------------------------------------------------------

std::string js_string(const std::string& s) {
  return json(s).dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

std::string js_list(const std::vector<std::string>& v) {
  return json(v).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

bool starts_with(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}

const json* find_model_array(const json& node, const std::string& prefix, int depth) {
  if (!node.is_array() || depth > 8) return nullptr;
  if (!node.empty() && node[0].is_array() && !node[0].empty() && node[0][0].is_string() &&
      starts_with(node[0][0].get_ref<const std::string&>(), prefix))
    return &node;
  for (const auto& child : node)
    if (const json* found = find_model_array(child, prefix, depth + 1)) return found;
  return nullptr;
}

// Shared by every script: the first element matching any of a list of selectors.
const char* js_prelude =
    "const __q = (sels) => { for (const s of sels) { const e = document.querySelector(s);"
    " if (e) return e; } return null; };";

std::string script(const std::string& body) {
  return std::string("(() => { ") + js_prelude + " " + body + " })()";
}

}  // namespace

std::vector<model_info> parse_list_models(const std::string& body, const std::string& prefix) {
  json root = json::parse(body, nullptr, false);
  if (root.is_discarded())
    throw driver_error(failure_kind::site_error, "ListModels: the response is not JSON");
  const json* list = find_model_array(root, prefix, 0);
  if (!list)
    throw driver_error(failure_kind::site_error, "ListModels: no model list in the response");
  std::vector<model_info> out;
  for (const auto& m : *list) {
    if (!m.is_array() || m.empty() || !m[0].is_string()) continue;
    const auto& name = m[0].get_ref<const std::string&>();
    if (!starts_with(name, prefix)) continue;
    model_info info;
    info.id = name.substr(prefix.size());
    info.display_name = m.size() > 3 && m[3].is_string() ? m[3].get<std::string>() : info.id;
    bool dup =
        std::any_of(out.begin(), out.end(), [&](const model_info& x) { return x.id == info.id; });
    if (!dup && !info.id.empty()) out.push_back(std::move(info));
  }
  return out;
}

std::string model_id_for(const std::string& shown, const std::vector<model_info>& known,
                         const std::string& prefix) {
  const std::string t = trim(shown);
  for (const auto& m : known)
    if (t == m.display_name || t == m.id || t == prefix + m.id) return m.id;
  return starts_with(t, prefix) ? t.substr(prefix.size()) : t;
}

std::string base64_decode(const std::string& in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  out.reserve(in.size() * 3 / 4);
  unsigned buffer = 0;
  int bits = 0;
  std::size_t padding = 0;
  for (char c : in) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    if (padding) throw std::invalid_argument("base64: data after padding");
    int v = value(c);
    if (v < 0) throw std::invalid_argument("base64: invalid character");
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  if (padding > 2 || bits >= 6) throw std::invalid_argument("base64: bad length");
  return out;
}

// ---- plumbing between the io thread and the caller ------------------------

class cdp_page::event_queue {
 public:
  void push(event e) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      events_.push_back(std::move(e));
    }
    cv_.notify_one();
  }
  bool pop(event& out, milliseconds wait) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, wait, [&] { return !events_.empty(); })) return false;
    out = std::move(events_.front());
    events_.pop_front();
    return true;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<event> events_;
};

struct cdp_page::model_cache {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<model_info> models;
  std::string error;
  std::set<std::string> request_ids;  // io thread only
};

struct cdp_page::dom_snapshot {
  std::string url;
  int turns = 0;     // answer turns on the page
  std::string text;  // of the newest answer turn after the baseline
  std::string reasoning;
  bool finished = false;    // that turn has its edit button
  bool generating = false;  // a stop button is showing
  std::string quota;
  std::string toast;
};

// State of one generate() call.
struct cdp_page::generation {
  std::shared_ptr<event_queue> queue = std::make_shared<event_queue>();
  std::vector<subscription> subs;
  std::function<void(const delta&)> on_delta;
  stream_parser parser;
  std::string request_id;
  bool stream_seen = false;
  bool stream_failed = false;  // streamResourceContent refused: watch the DOM instead
  bool network_done = false;
  bool dom_mode = false;
  int http_status = 0;
  std::string content;
  std::string reasoning;
  std::size_t deltas = 0;
  clock::time_point started;
  clock::time_point last_progress;
  std::optional<driver_error> dom_error;  // seen on the page, thrown after a grace
  clock::time_point dom_error_at;
  std::string emitted_text;  // DOM mode: what was already passed on
  std::string emitted_reasoning;

  explicit generation(const wire_format& w) : parser(w) {}

  void emit(const delta& d) {
    content += d.content;
    reasoning += d.reasoning;
    ++deltas;
    last_progress = clock::now();
    if (on_delta) on_delta(d);
  }
};

// ---- cdp_page -------------------------------------------------------------

cdp_page::cdp_page(std::shared_ptr<connection> conn, std::string session_id, site_profile site,
                   page_setup setup)
    : conn_(std::move(conn)),
      session_id_(std::move(session_id)),
      site_(std::move(site)),
      setup_(std::move(setup)),
      models_(std::make_shared<model_cache>()) {
  if (setup_.site_url.empty()) setup_.site_url = "https://aistudio.google.com" + site_.chat_path;
}

cdp_page::~cdp_page() {
  // Unsubscribe before the connection can go away (handlers capture it raw).
  list_models_response_.reset();
  list_models_finished_.reset();
}

milliseconds cdp_page::left(clock::time_point deadline) const {
  auto d = std::chrono::duration_cast<milliseconds>(deadline - clock::now());
  return std::max(d, milliseconds(1));
}

void cdp_page::ensure_open() const {
  if (!conn_->is_open())
    throw driver_error(failure_kind::browser_gone, "the browser connection is closed");
}

json cdp_page::call(const std::string& method, json params, milliseconds timeout) {
  return conn_->call(method, std::move(params), session_id_, std::max(timeout, milliseconds(1)));
}

json cdp_page::evaluate(const std::string& expression, milliseconds timeout, bool await_promise) {
  json params = {{"expression", expression}, {"returnByValue", true}};
  if (await_promise) params["awaitPromise"] = true;
  json r = call("Runtime.evaluate", std::move(params), timeout);
  if (r.contains("exceptionDetails")) {
    const auto& ex = r["exceptionDetails"];
    std::string what = ex.value("text", "script error");
    if (ex.contains("exception") && ex["exception"].is_object())
      what = ex["exception"].value("description", what);
    throw driver_error(failure_kind::site_error, "page script failed: " + what);
  }
  if (!r.contains("result")) return nullptr;
  return r["result"].value("value", json());
}

void cdp_page::watch_model_list() {
  auto cache = models_;
  connection* conn = conn_.get();
  const std::string sid = session_id_;
  const std::string pattern = site_.list_models_pattern;
  const std::string prefix = site_.model_prefix;
  list_models_response_ = conn_->subscribe(
      "Network.responseReceived", [cache, sid, pattern](const json& p, const std::string& s) {
        if (s != sid) return;
        const std::string url = p.value("/response/url"_json_pointer, std::string());
        if (url.find(pattern) != std::string::npos)
          cache->request_ids.insert(p.value("requestId", std::string()));
      });
  list_models_finished_ = conn_->subscribe(
      "Network.loadingFinished", [cache, sid, conn, prefix](const json& p, const std::string& s) {
        if (s != sid) return;
        auto id = p.value("requestId", std::string());
        if (!cache->request_ids.erase(id)) return;
        conn->call_async("Network.getResponseBody", {{"requestId", id}}, sid,
                         std::chrono::seconds(10),
                         [cache, prefix](const json* result, const std::string& error) {
                           std::vector<model_info> models;
                           std::string why = error;
                           if (result) {
                             try {
                               std::string body = result->value("body", std::string());
                               if (result->value("base64Encoded", false))
                                 body = base64_decode(body);
                               models = parse_list_models(body, prefix);
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
      });
}

std::vector<model_info> cdp_page::cached_models() const {
  std::lock_guard<std::mutex> lock(models_->mu);
  return models_->models;
}

void cdp_page::mark_document() {
  evaluate("window.__camoufleet_old_document = true", milliseconds(5000));
}

void cdp_page::wait_ready(clock::time_point deadline, const std::string& what, bool fresh_only) {
  const std::string expr =
      script("return {url: location.href, ready: !!__q(" + js_list(site_.selectors.ready) +
             "), old: !!window.__camoufleet_old_document};");
  std::string last_url;
  std::string last_error;
  while (true) {
    ensure_open();
    try {
      json r = evaluate(expr, std::min(left(deadline), milliseconds(3000)));
      if (r.is_object()) {
        last_url = r.value("url", std::string());
        if (site_.is_login_url(last_url))
          throw driver_error(failure_kind::login_lost,
                             "the site sent us to its sign-in page (" + what + ")");
        if (r.value("ready", false) && !(fresh_only && r.value("old", false))) return;
      }
    } catch (const driver_error& e) {
      // A navigation in progress destroys the context the script ran in.
      if (e.kind() != failure_kind::site_error && e.kind() != failure_kind::timeout) throw;
      last_error = e.what();
    }
    if (clock::now() >= deadline)
      throw driver_error(failure_kind::timeout,
                         what + ": the page was not ready in time (url " + last_url +
                             (last_error.empty() ? "" : ", last error: " + last_error) + ")");
    std::this_thread::sleep_for(std::min(left(deadline), site_.timeouts.poll_interval));
  }
}

void cdp_page::set_cookies(clock::time_point deadline) {
  const auto& cookies = setup_.auth->cookies;
  try {
    call("Network.setCookies", {{"cookies", to_cdp_cookies(cookies)}}, left(deadline));
    return;
  } catch (const driver_error& e) {
    if (e.kind() != failure_kind::site_error) throw;
  }
  // The browser refuses the whole list for one bad cookie (e.g. a __Secure-
  // name without the secure flag): set them one by one and skip those.
  std::string skipped;
  for (const auto& c : cookies) {
    try {
      call("Network.setCookies", {{"cookies", to_cdp_cookies({c})}}, left(deadline));
    } catch (const driver_error& e) {
      if (e.kind() != failure_kind::site_error) throw;
      skipped += (skipped.empty() ? "" : ", ") + c.name;  // names only, never values
    }
  }
  if (!skipped.empty())
    spdlog::warn("instance={} the browser refused cookies: {}", setup_.instance_id, skipped);
}

void cdp_page::open(milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  ensure_open();
  call("Page.enable", json::object(), left(deadline));
  call("Runtime.enable", json::object(), left(deadline));
  call("Network.enable", json::object(), left(deadline));
  watch_model_list();

  std::vector<std::string> seed_scripts;
  if (setup_.auth) {
    if (!setup_.auth->cookies.empty()) set_cookies(deadline);
    for (const auto& o : setup_.auth->origins) {
      if (o.local_storage.empty()) continue;
      std::string body = "if (location.origin !== " + js_string(o.origin) +
                         ") return; if (sessionStorage.getItem('__camoufleet_seeded')) return; ";
      for (const auto& [k, v] : o.local_storage)
        body += "localStorage.setItem(" + js_string(k) + ", " + js_string(v) + "); ";
      body += "sessionStorage.setItem('__camoufleet_seeded', '1');";
      // Only the first document of the origin is seeded: later writes (a
      // model switch) must survive reloads.
      json r =
          call("Page.addScriptToEvaluateOnNewDocument",
               {{"source", "(() => { try { " + body + " } catch (e) {} })()"}}, left(deadline));
      seed_scripts.push_back(r.value("identifier", std::string()));
    }
  }

  auto remove_seeds = [&] {
    for (const auto& id : seed_scripts) {
      try {
        call("Page.removeScriptToEvaluateOnNewDocument", {{"identifier", id}}, milliseconds(2000));
      } catch (const driver_error&) {
      }
    }
    seed_scripts.clear();
  };
  try {
    json nav = call("Page.navigate", {{"url", setup_.site_url}},
                    std::min(left(deadline), site_.timeouts.navigation));
    if (nav.contains("errorText") && !nav["errorText"].get<std::string>().empty())
      throw driver_error(failure_kind::site_error, "cannot load " + setup_.site_url + ": " +
                                                       nav["errorText"].get<std::string>());
    wait_ready(deadline, "opening " + setup_.site_url, false);
  } catch (...) {
    remove_seeds();
    throw;
  }
  remove_seeds();
  spdlog::info("instance={} chat page ready", setup_.instance_id);
}

std::vector<model_info> cdp_page::models() {
  std::unique_lock<std::mutex> lock(models_->mu);
  models_->cv.wait_for(lock, site_.timeouts.models,
                       [&] { return !models_->models.empty() || !models_->error.empty(); });
  if (!models_->models.empty()) return models_->models;
  if (!models_->error.empty()) throw driver_error(failure_kind::site_error, models_->error);
  throw driver_error(failure_kind::timeout, "the page's ListModels response was not seen");
}

std::string cdp_page::current_model() {
  ensure_open();
  json r =
      evaluate(script("const e = document.querySelector(" + js_string(site_.selectors.model_name) +
                      "); let pref = null; try { pref = JSON.parse(localStorage.getItem(" +
                      js_string(site_.model_pref_key) + "))[" + js_string(site_.model_pref_field) +
                      "]; } catch (x) {} return {shown: e ? e.textContent : '', "
                      "pref: typeof pref === 'string' ? pref : ''};"),
               milliseconds(5000));
  std::string shown = trim(r.value("shown", std::string()));
  std::string pref = r.value("pref", std::string());
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

void cdp_page::switch_model(const std::string& id, milliseconds timeout) {
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
  evaluate(script("let p = {}; try { p = JSON.parse(localStorage.getItem(" +
                  js_string(site_.model_pref_key) +
                  ") || '{}') || {}; } catch (x) { p = {}; } if (typeof p !== 'object' || "
                  "Array.isArray(p)) p = {}; p[" +
                  js_string(site_.model_pref_field) + "] = " + js_string(site_.model_prefix + id) +
                  "; localStorage.setItem(" + js_string(site_.model_pref_key) +
                  ", JSON.stringify(p)); return true;"),
           left(deadline));
  mark_document();
  call("Page.reload", json::object(), left(deadline));
  wait_ready(deadline, "switching to model " + id, true);
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

cdp_page::dom_snapshot cdp_page::snapshot(std::size_t turns_before, milliseconds timeout) {
  const auto& s = site_.selectors;
  std::string body =
      "const turns = document.querySelectorAll(" + js_string(s.answer_turn) +
      "); const n = turns.length; const last = n > " + std::to_string(turns_before) +
      " ? turns[n - 1] : null;"
      " const collect = (root, sel, exclude) => { if (!root) return ''; let out = '';"
      " for (const e of root.querySelectorAll(sel)) {"
      " if (e.parentElement && e.parentElement.closest(sel)) continue;"
      " if (exclude && e.closest(exclude)) continue; out += e.textContent; } return out; };"
      " const whole = last ? (last.closest(" +
      js_string(s.turn_root) +
      ") || last) : null;"
      " const callout = document.querySelector(" +
      js_string(s.quota_callout) +
      ");"
      " let toast = ''; for (const sel of " +
      js_list(s.toasts) +
      ") for (const e of"
      " document.querySelectorAll(sel)) { const t = e.textContent.trim(); if (t) toast += (toast ? "
      "' | ' : '') + t; }"
      " return {url: location.href, turns: n,"
      " text: collect(last, " +
      js_string(s.answer_text) + ", " + js_string(s.answer_reasoning) +
      "),"
      " reasoning: collect(last, " +
      js_string(s.answer_reasoning) +
      ", null),"
      " finished: !!(whole && whole.querySelector(" +
      js_string(s.turn_edit_button) +
      ")),"
      " generating: !!__q(" +
      js_list(s.stop_button) +
      "),"
      " quota: callout ? callout.textContent.trim() : '', toast};";
  json r = evaluate(script(body), timeout);
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
  return snap;
}

void cdp_page::apply_settings(const generation_params& params, clock::time_point deadline) {
  const auto& s = site_.selectors;
  const auto step = std::min(left(deadline), site_.timeouts.settings);
  // Setting .value through the prototype's setter is what makes frameworks
  // (Angular's value accessors) notice, together with input/change events.
  const std::string set_number =
      "const setNum = (sel, v, name) => { const e = document.querySelector(sel);"
      " if (!e) { missing.push(name); return; }"
      " const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;"
      " e.focus(); setter.call(e, String(v));"
      " e.dispatchEvent(new Event('input', {bubbles: true}));"
      " e.dispatchEvent(new Event('change', {bubbles: true}));"
      " e.dispatchEvent(new Event('blur')); e.blur(); shown[name] = e.value; };";
  // Thinking first: switching it can re-render the settings panel and
  // reset the other controls; the numbers go last and are read back.
  apply_reasoning_effort(params.reasoning_effort, deadline, step, set_number);
  add_stop_tokens(params.stop, deadline);
  std::string body = "const missing = []; const shown = {}; " + set_number;
  bool any = false;
  if (params.temperature >= 0) {
    body += "setNum(" + js_string(s.temperature) + ", " + json(params.temperature).dump() +
            ", 'temperature');";
    any = true;
  }
  if (params.top_p >= 0) {
    body += "setNum(" + js_string(s.top_p) + ", " + json(params.top_p).dump() + ", 'top_p');";
    any = true;
  }
  if (params.max_output_tokens > 0) {
    body += "setNum(" + js_string(s.max_output_tokens) + ", " +
            std::to_string(params.max_output_tokens) + ", 'max_output_tokens');";
    any = true;
  }
  if (any) {
    body += " return {missing, shown};";
    json r = evaluate(script(body), step);
    const json missing = r.is_object() ? r.value("missing", json::array()) : json::array();
    if (!missing.empty())
      throw driver_error(failure_kind::site_error,
                         "settings: no control on the page for " + missing.dump());
    // A control that clamps or ignores the value must not pass silently.
    auto check = [&](const char* name, double want) {
      const json shown = r.is_object() ? r["shown"].value(name, json()) : json();
      double got = -1;
      try {
        got = shown.is_string() ? std::stod(shown.get<std::string>()) : -1;
      } catch (const std::exception&) {
      }
      if (std::abs(got - want) > 1e-6)
        throw driver_error(failure_kind::site_error, std::string("settings: ") + name + " shows " +
                                                         shown.dump() + " after setting " +
                                                         json(want).dump());
    };
    if (params.temperature >= 0) check("temperature", params.temperature);
    if (params.top_p >= 0) check("top_p", params.top_p);
    if (params.max_output_tokens > 0) check("max_output_tokens", params.max_output_tokens);
  }
}

void cdp_page::apply_reasoning_effort(const std::string& effort, clock::time_point deadline,
                                      milliseconds step, const std::string& set_number) {
  const auto& s = site_.selectors;
  if (effort.empty()) return;
  // Click at most once, then wait for the switch to show the new state:
  // clicking again while it re-renders would flip it back.
  auto set_toggle = [&](const std::string& sel, bool want) -> bool {
    const std::string state = "const b = document.querySelector(" + js_string(sel) +
                              "); if (!b) return 'absent'; const on = b.getAttribute("
                              "'aria-checked') === 'true'; if (on === " +
                              (want ? "true" : "false") + ") return 'set';";
    const auto until = clock::now() + std::min(left(deadline), milliseconds(2000));
    bool clicked = false;
    while (true) {
      json r = evaluate(
          script(state + (clicked ? " return 'pending';" : " b.click(); return 'clicked';")), step);
      if (r == "set") return true;
      if (r == "clicked") clicked = true;
      if (clock::now() >= until) return false;
      if (r != "clicked") std::this_thread::sleep_for(site_.timeouts.poll_interval);
    }
  };
  if (effort == "none") {
    // Models without thinking have no toggle: nothing to turn off.
    set_toggle(s.thinking_toggle, false);
    return;
  }
  auto budget = site_.reasoning_budgets.find(effort);
  if (budget == site_.reasoning_budgets.end())
    throw driver_error(failure_kind::site_error, "settings: unknown reasoning effort " + effort);
  if (!set_toggle(s.thinking_toggle, true)) {
    spdlog::info("instance={} model has no thinking toggle; reasoning_effort {} ignored",
                 setup_.instance_id, effort);
    return;
  }
  const bool manual = budget->second > 0;
  if (!set_toggle(s.manual_budget_toggle, manual)) {
    if (manual)
      throw driver_error(failure_kind::site_error,
                         "settings: the manual thinking budget switch did not turn on");
    return;
  }
  if (manual) {
    json missing =
        evaluate(script("const missing = []; const shown = {}; " + set_number + " setNum(" +
                        js_string(s.thinking_budget) + ", " + std::to_string(budget->second) +
                        ", 'thinking_budget'); return missing;"),
                 step);
    if (missing.is_array() && !missing.empty())
      throw driver_error(failure_kind::site_error, "settings: no thinking budget input");
  }
}

void cdp_page::add_stop_tokens(const std::vector<std::string>& stops, clock::time_point deadline) {
  const auto& s = site_.selectors;
  const auto step = std::min(left(deadline), site_.timeouts.settings);
  const std::string count_chips =
      "return document.querySelectorAll(" + js_string(s.stop_token_chip) + ").length;";
  // Stale chips from an earlier request would cut this answer: clear them.
  const auto until = clock::now() + step;
  while (true) {
    json n = evaluate(script("const b = document.querySelector(" + js_string(s.stop_token_remove) +
                             "); if (b) b.click(); " + count_chips),
                      step);
    if (!n.is_number() || n.get<int>() == 0) break;
    if (clock::now() >= until)
      throw driver_error(failure_kind::site_error, "settings: stop tokens could not be removed");
  }
  int expected = 0;
  for (const auto& stop : stops) {
    if (stop.empty()) continue;
    json ok =
        evaluate(script("const e = document.querySelector(" + js_string(s.stop_token_input) +
                        "); if (!e) return false; e.focus(); return document.activeElement === e;"),
                 step);
    if (ok != true)
      throw driver_error(failure_kind::site_error, "settings: no stop token input on the page");
    // Real key events, as a user types: the chip is added on Enter.
    call("Input.insertText", {{"text", stop}}, step);
    json key = {{"key", "Enter"},
                {"code", "Enter"},
                {"windowsVirtualKeyCode", 13},
                {"nativeVirtualKeyCode", 13}};
    json down = key;
    down["type"] = "keyDown";
    down["text"] = "\r";
    call("Input.dispatchKeyEvent", down, step);
    json up = key;
    up["type"] = "keyUp";
    call("Input.dispatchKeyEvent", up, step);
    ++expected;
    const auto chip_until = clock::now() + step;
    while (true) {
      json n = evaluate(script(count_chips), step);
      if (n.is_number() && n.get<int>() >= expected) break;
      if (clock::now() >= chip_until)
        throw driver_error(
            failure_kind::site_error,
            "settings: stop token #" + std::to_string(expected) + " was not accepted");
      std::this_thread::sleep_for(site_.timeouts.poll_interval);
    }
  }
}

void cdp_page::submit_prompt(const std::string& prompt, clock::time_point deadline) {
  const auto& s = site_.selectors;
  const auto step = std::min(left(deadline), site_.timeouts.settings);
  // Each attempt (re)sets the prompt and fires input/change before trying
  // Run: a page still wiring its listeners can miss a single event, and
  // then Run would stay disabled for good.
  const std::string attempt =
      "const t = __q(" + js_list(s.prompt) +
      "); if (!t) return 'missing';"
      " if (__q(" +
      js_list(s.stop_button) +
      ")) return 'busy';"
      " const proto = t instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype"
      " : HTMLInputElement.prototype;"
      " const setter = Object.getOwnPropertyDescriptor(proto, 'value').set;"
      " const text = " +
      js_string(prompt) +
      ";"
      " if (t.value !== text || !window.__camoufleet_prompt_set) {"
      " t.focus(); setter.call(t, text); window.__camoufleet_prompt_set = true; }"
      " t.dispatchEvent(new Event('input', {bubbles: true}));"
      " t.dispatchEvent(new Event('change', {bubbles: true}));"
      " const b = __q(" +
      js_list(s.run_button) +
      "); if (!b) return 'no run button';"
      " if (b.disabled || b.getAttribute('aria-disabled') === 'true') return 'disabled';"
      " b.click(); window.__camoufleet_prompt_set = false; return 'clicked';";
  const auto until = clock::now() + step;
  std::string state;
  while (true) {
    json r = evaluate(script(attempt), step);
    state = r.is_string() ? r.get<std::string>() : r.dump();
    if (state == "clicked") return;
    if (clock::now() >= until) break;
    std::this_thread::sleep_for(site_.timeouts.poll_interval);
  }
  if (state == "missing") throw driver_error(failure_kind::site_error, "no prompt box on the page");
  throw driver_error(state == "busy" ? failure_kind::timeout : failure_kind::site_error,
                     "the Run button could not be pressed (" + state + ")");
}

void cdp_page::click_stop() {
  evaluate(script("const b = __q(" + js_list(site_.selectors.stop_button) +
                  "); if (b) { b.click(); return true; } return false;"),
           milliseconds(3000));
}

void cdp_page::request_stop() {
  stop_requested_ = true;
}

cdp_page::shown_answer cdp_page::last_answer() {
  ensure_open();
  auto snap = snapshot(0, milliseconds(5000));
  return {snap.turns, snap.text, snap.reasoning, snap.finished};
}

void cdp_page::handle_event(generation& g, const event& ev) {
  const json& p = ev.params;
  if (ev.method == "gen.request") {
    if (g.dom_mode) return;  // too late: the DOM is already being followed
    g.stream_seen = true;
    g.request_id = p.value("requestId", std::string());
    g.last_progress = clock::now();
  } else if (ev.method == "gen.stream") {
    if (g.dom_mode || p.value("requestId", std::string()) != g.request_id) return;
    if (!p.value("ok", false)) {
      spdlog::warn("instance={} cannot stream the answer ({}); following the DOM",
                   setup_.instance_id, p.value("error", std::string()));
      g.stream_failed = true;
      g.dom_mode = true;
      return;
    }
    std::string data = base64_decode(p.value("bufferedData", std::string()));
    for (const auto& d : g.parser.feed(data)) g.emit(d);
  } else if (ev.method == "Network.responseReceived") {
    g.http_status = p.value("/response/status"_json_pointer, 0);
    if (g.http_status == site_.wire.rate_limit_status)
      throw driver_error(failure_kind::rate_limited,
                         "the site refused the request: HTTP " + std::to_string(g.http_status));
    if (g.http_status == 401 || g.http_status == 403)
      throw driver_error(failure_kind::login_lost, "the site no longer accepts the session: HTTP " +
                                                       std::to_string(g.http_status));
    if (g.http_status >= 400)
      throw driver_error(failure_kind::site_error,
                         "the site answered HTTP " + std::to_string(g.http_status));
  } else if (ev.method == "Network.dataReceived") {
    if (g.dom_mode) return;
    auto data = p.find("data");
    if (data == p.end() || !data->is_string()) return;
    for (const auto& d : g.parser.feed(base64_decode(data->get<std::string>()))) g.emit(d);
  } else if (ev.method == "Network.loadingFinished") {
    if (g.dom_mode) return;
    if (!g.parser.done())
      throw driver_error(failure_kind::site_error,
                         "the answer stream ended before it was complete");
    const auto& err = g.parser.stream_error();
    if (!err.empty())
      throw driver_error(g.parser.stream_error_kind(),
                         "the site reported an error in the answer stream: " + err);
    if (!g.parser.blocked_message().empty())
      spdlog::warn("instance={} the site blocked the answer: {}", setup_.instance_id,
                   g.parser.blocked_message());
    g.network_done = true;
  } else if (ev.method == "Network.loadingFailed") {
    if (g.dom_mode) return;
    // A page may cancel its fetch once it has read the closing bracket: the
    // answer is complete all the same.
    if (g.parser.done()) {
      g.network_done = true;
      return;
    }
    throw driver_error(failure_kind::site_error,
                       "the answer stream failed: " + p.value("errorText", std::string("unknown")) +
                           " (after " + std::to_string(g.deltas) + " pieces, " +
                           std::to_string(g.parser.chunks()) + " chunks, HTTP " +
                           std::to_string(g.http_status) + (g.parser.started() ? "" : ", no body") +
                           ")");
  } else if (ev.method == "Page.frameNavigated") {
    std::string url = p.value("/frame/url"_json_pointer, std::string());
    if (site_.is_login_url(url))
      throw driver_error(failure_kind::login_lost, "the site sent us to its sign-in page");
    throw driver_error(failure_kind::site_error, "the page navigated away during the answer");
  } else if (ev.method == "Inspector.targetCrashed") {
    throw driver_error(failure_kind::browser_gone, "the tab crashed");
  }
}

void cdp_page::cancel_generation(generation& g) {
  try {
    click_stop();
    // Wait (bounded) until the page has really let go of the request.
    const auto until = clock::now() + site_.timeouts.stop;
    while (clock::now() < until) {
      event ev;
      if (g.queue->pop(ev, site_.timeouts.poll_interval)) {
        if (ev.method == "Network.loadingFailed" || ev.method == "Network.loadingFinished") break;
        continue;
      }
      if (!g.stream_seen && !snapshot(0, milliseconds(2000)).generating) break;
    }
  } catch (const driver_error& e) {
    if (e.kind() == failure_kind::browser_gone) throw;
  }
  throw driver_error(failure_kind::cancelled, "the generation was stopped");
}

generation_result cdp_page::generate(const std::vector<chat_message>& messages,
                                     const generation_params& params,
                                     const std::function<void(const delta&)>& on_delta,
                                     milliseconds timeout) {
  stop_requested_ = false;
  last_streamed_ = false;
  const auto deadline = clock::now() + timeout;
  ensure_open();
  const std::string prompt = flatten_prompt(messages, site_.labels);
  if (prompt.empty())
    throw driver_error(failure_kind::site_error, "nothing to send: the prompt is empty");

  if (!params.model.empty() && current_model() != params.model)
    switch_model(params.model, left(deadline));
  apply_settings(params, deadline);

  const dom_snapshot before = snapshot(0, std::min(left(deadline), milliseconds(5000)));
  generation g(site_.wire);
  g.on_delta = on_delta;

  // Subscribed before Run is pressed so that the request cannot be missed.
  {
    auto q = g.queue;
    connection* conn = conn_.get();
    const std::string sid = session_id_;
    const std::string pattern = site_.generate_content_pattern;
    auto ids = std::make_shared<std::set<std::string>>();  // io thread only
    g.subs.push_back(conn_->subscribe("Network.requestWillBeSent", [=](const json& p,
                                                                       const std::string& s) {
      if (s != sid) return;
      const std::string url = p.value("/request/url"_json_pointer, std::string());
      const std::string method = p.value("/request/method"_json_pointer, std::string());
      if (url.find(pattern) == std::string::npos || method == "OPTIONS") return;
      const std::string id = p.value("requestId", std::string());
      ids->insert(id);
      q->push({"gen.request", p});
      // Bytes that arrived before this call come back in bufferedData;
      // every later Network.dataReceived carries its bytes in `data`.
      conn->call_async("Network.streamResourceContent", {{"requestId", id}}, sid,
                       std::chrono::seconds(10), [q, id](const json* r, const std::string& err) {
                         json ev = {{"requestId", id}, {"ok", r != nullptr}, {"error", err}};
                         if (r) ev["bufferedData"] = r->value("bufferedData", std::string());
                         q->push({"gen.stream", std::move(ev)});
                       });
    }));
    for (const char* method : {"Network.responseReceived", "Network.dataReceived",
                               "Network.loadingFinished", "Network.loadingFailed"}) {
      std::string m = method;
      g.subs.push_back(conn_->subscribe(m, [=](const json& p, const std::string& s) {
        if (s == sid && ids->count(p.value("requestId", std::string()))) q->push({m, p});
      }));
    }
    g.subs.push_back(
        conn_->subscribe("Page.frameNavigated", [=](const json& p, const std::string& s) {
          if (s == sid && !p.contains("/frame/parentId"_json_pointer))
            q->push({"Page.frameNavigated", p});
        }));
    g.subs.push_back(
        conn_->subscribe("Inspector.targetCrashed", [=](const json& p, const std::string& s) {
          if (s == sid) q->push({"Inspector.targetCrashed", p});
        }));
  }

  try {
    submit_prompt(prompt, deadline);
    g.started = g.last_progress = clock::now();
    auto next_poll = g.started;
    while (true) {
      if (stop_requested_) cancel_generation(g);
      ensure_open();
      const auto now = clock::now();
      if (now >= deadline)
        throw driver_error(failure_kind::timeout,
                           "no complete answer within " + std::to_string(timeout.count()) + " ms");
      if (g.deltas == 0 && now - g.started > site_.timeouts.first_token)
        throw driver_error(failure_kind::timeout, "no answer started in time");
      if (now - g.last_progress > site_.timeouts.idle)
        throw driver_error(failure_kind::timeout, "the answer stalled");

      event ev;
      if (g.queue->pop(ev, std::min(left(deadline), site_.timeouts.poll_interval))) {
        handle_event(g, ev);
        if (g.network_done) break;
        if (clock::now() < next_poll) continue;
      }
      if (clock::now() < next_poll) continue;
      // While the network stream is followed, the DOM is only checked for
      // errors; a slower pace keeps the page's main thread free.
      next_poll =
          clock::now() + (g.stream_seen && !g.dom_mode ? 3 : 1) * site_.timeouts.poll_interval;
      dom_snapshot snap = snapshot(static_cast<std::size_t>(before.turns),
                                   std::min(left(deadline), milliseconds(5000)));
      if (site_.is_login_url(snap.url))
        throw driver_error(failure_kind::login_lost, "the site sent us to its sign-in page");
      if (!g.dom_error && ((!snap.quota.empty() && snap.quota != before.quota) ||
                           (!snap.toast.empty() && snap.toast != before.toast))) {
        const std::string& shown =
            snap.quota != before.quota && !snap.quota.empty() ? snap.quota : snap.toast;
        auto kind = site_.classify_error_text(shown);
        g.dom_error = driver_error(kind == "rate_limit" ? failure_kind::rate_limited
                                   : kind == "quota"    ? failure_kind::quota_exceeded
                                                        : failure_kind::site_error,
                                   "the page shows: " + shown);
        // The page can render an error before CDP reports the response that
        // caused it; the HTTP status is the more precise word, so wait a bit.
        g.dom_error_at =
            clock::now() + (g.stream_seen ? site_.timeouts.poll_interval * 10 : milliseconds(0));
      }
      if (g.dom_error && clock::now() >= g.dom_error_at) throw *g.dom_error;
      if (!g.stream_seen && !g.dom_mode &&
          clock::now() - g.started >= site_.timeouts.stream_start) {
        spdlog::info("instance={} no answer request seen; following the DOM", setup_.instance_id);
        g.dom_mode = true;
      }
      if (!g.dom_mode) continue;
      // DOM fallback: pass on what the newest turn grew by.
      if (snap.turns > before.turns) {
        delta d;
        if (starts_with(snap.reasoning, g.emitted_reasoning) &&
            snap.reasoning.size() > g.emitted_reasoning.size()) {
          d.reasoning = snap.reasoning.substr(g.emitted_reasoning.size());
          g.emitted_reasoning = snap.reasoning;
          g.emit(d);
        }
        delta t;
        if (starts_with(snap.text, g.emitted_text) && snap.text.size() > g.emitted_text.size()) {
          t.content = snap.text.substr(g.emitted_text.size());
          g.emitted_text = snap.text;
          g.emit(t);
        }
        if (snap.finished && !snap.generating) {
          // The page may have re-rendered earlier text: the DOM's final word wins.
          g.content = snap.text;
          g.reasoning = snap.reasoning;
          break;
        }
      }
    }
  } catch (const driver_error& e) {
    g.subs.clear();
    if (e.kind() == failure_kind::site_error || e.kind() == failure_kind::timeout) {
      // A sign-in redirect can surface as any error of a call that was in
      // flight ("Inspected target navigated or closed"): look where the page
      // is now, so that a lost login is never taken for a passing error.
      const auto probe_until = clock::now() + milliseconds(1500);
      while (clock::now() < probe_until) {
        try {
          json url = evaluate(script("return location.href;"), milliseconds(500));
          if (url.is_string() && site_.is_login_url(url.get<std::string>()))
            throw driver_error(failure_kind::login_lost, "the site sent us to its sign-in page");
          if (url.is_string()) break;
        } catch (const driver_error& probe) {
          if (probe.kind() == failure_kind::login_lost) throw;
          if (probe.kind() == failure_kind::browser_gone) break;
        }
        std::this_thread::sleep_for(milliseconds(50));
      }
    }
    if (e.kind() != failure_kind::browser_gone && e.kind() != failure_kind::cancelled &&
        e.kind() != failure_kind::login_lost) {
      // Leave the page idle for the next request.
      try {
        click_stop();
      } catch (const driver_error&) {
      }
    }
    spdlog::warn("instance={} generate failed: {} ({})", setup_.instance_id, e.what(),
                 to_string(e.kind()));
    throw;
  } catch (const stream_parse_error& e) {
    g.subs.clear();
    try {
      click_stop();
    } catch (const driver_error&) {
    }
    throw driver_error(failure_kind::site_error, e.what());
  } catch (const std::invalid_argument& e) {
    g.subs.clear();
    throw driver_error(failure_kind::site_error,
                       std::string("undecodable stream data: ") + e.what());
  }
  g.subs.clear();
  last_streamed_ = !g.dom_mode;

  if (!g.dom_mode) {
    // The answer is complete on the wire; give the page a moment to finish
    // rendering so that the next request starts from an idle page.
    const auto until = clock::now() + std::min(left(deadline), site_.timeouts.stop);
    while (true) {
      try {
        auto snap = snapshot(static_cast<std::size_t>(before.turns), milliseconds(2000));
        if (snap.finished && !snap.generating) break;
      } catch (const driver_error& e) {
        if (e.kind() == failure_kind::browser_gone) throw;
      }
      if (clock::now() >= until) {
        spdlog::warn("instance={} the page did not show the answer as finished",
                     setup_.instance_id);
        break;
      }
      std::this_thread::sleep_for(site_.timeouts.poll_interval);
    }
  }

  generation_result result;
  result.content = g.content;
  result.reasoning = g.reasoning;
  result.finish_reason = g.parser.finish_reason().empty() ? "stop" : g.parser.finish_reason();
  if (g.parser.usage().present) {
    result.prompt_tokens = g.parser.usage().prompt_tokens;
    result.completion_tokens = g.parser.usage().completion_tokens;
    result.reasoning_tokens = g.parser.usage().reasoning_tokens;
  }
  return result;
}

void cdp_page::new_chat(milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  ensure_open();
  const auto& s = site_.selectors;
  json r = evaluate(script("const b = document.querySelector(" + js_string(s.new_chat_button) +
                           "); if (!b) return false; b.click(); return true;"),
                    left(deadline));
  if (r != true) throw driver_error(failure_kind::site_error, "no New chat button on the page");
  const std::string step = "for (const b of document.querySelectorAll(" +
                           js_string(s.dialog_buttons) +
                           ")) {"
                           " if (b.textContent.trim().includes(" +
                           js_string(site_.discard_button_text) +
                           ")) {"
                           " b.click(); return -1; } } return document.querySelectorAll(" +
                           js_string(s.turn_root) + ").length;";
  bool discarded = false;
  const auto no_dialog_after = clock::now() + milliseconds(1000);
  while (true) {
    json n = evaluate(script(step), std::min(left(deadline), milliseconds(3000)));
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
  wait_ready(deadline, "new chat", false);
}

bool cdp_page::ping(milliseconds timeout) {
  try {
    if (!conn_->is_open()) return false;
    json r = evaluate("1+1", timeout);
    return r == 2;
  } catch (const std::exception&) {
    return false;
  }
}

std::string cdp_page::storage_state() {
  ensure_open();
  json cookies = conn_->call("Storage.getCookies", json::object(), "", milliseconds(5000));
  cdp::storage_state st;
  st.cookies = from_cdp_cookies(cookies.value("cookies", json::array()));
  json r =
      evaluate(script("const items = []; for (let i = 0; i < localStorage.length; ++i) {"
                      " const k = localStorage.key(i); items.push([k, localStorage.getItem(k)]); }"
                      " return {origin: location.origin, items};"),
               milliseconds(5000));
  if (r.is_object()) {
    origin_storage o;
    o.origin = r.value("origin", std::string());
    for (const auto& item : r.value("items", json::array()))
      if (item.is_array() && item.size() == 2 && item[0].is_string() && item[1].is_string())
        o.local_storage.emplace_back(item[0].get<std::string>(), item[1].get<std::string>());
    if (!o.origin.empty() && o.origin != "null") st.origins.push_back(std::move(o));
  }
  return to_storage_state_json(st);
}

}  // namespace camoufleet::cdp
