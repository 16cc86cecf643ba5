// The fleet, dashboard and instance-action routes of server::impl.
#include "http/input_items.hpp"
#include "http/server_impl.hpp"

namespace camoufleet::http {

namespace {

std::string not_remembered(const std::string& id) {
  return error_body(map_failure(http_failure::route_not_found,
                                "No response with id '" + id +
                                    "' is remembered (answers are kept in memory only, up to "
                                    "--responses-store-mb, oldest forgotten first).",
                                "response_id"));
}

}  // namespace

void server::impl::handle_admin(endpoint target, const std::string& target_id,
                                ph::ResponseWriter response, header_list cors,
                                const ph::Uri::Query& query) {
  auto p = std::make_shared<pending>();
  p->cors = std::move(cors);
  p->id = target_id;
  p->route = route_label(target);
  p->peer = response.getPeer();
  p->writer.emplace(std::move(response));
  p->received = steady::now();
  p->deadline = p->received + options_.admin_timeout;
  track(p);

  std::weak_ptr<impl> self = shared_from_this();
  // Each callback answers once (write(server, reply) under the reply's
  // lock); the ticker answers 504 if it never comes.
  auto answer_once = [self, p](auto write) {
    auto s = self.lock();
    if (!s) return;
    {
      std::lock_guard<std::mutex> lock(p->mu);
      if (p->done) return;
      write(*s, *p);
    }
    s->untrack(p);
  };
  auto answer = [answer_once](int status, const std::string& body) {
    answer_once([&](impl& s, pending& r) { s.reply_json(r, status, body, {}); });
  };
  // The same, for bodies that are not JSON.
  auto answer_as = [answer_once](int status, const std::string& body, const char* content_type) {
    answer_once([&](impl& s, pending& r) { s.reply_json(r, status, body, {}, content_type); });
  };
  // The same, for an error (with its Retry-After and other headers).
  auto answer_error = [answer_once](const error_reply& e) {
    answer_once([&](impl& s, pending& r) { s.reply_error(r, e); });
  };
  // A view of the fleet as JSON, or 503 when the fleet did not answer.
  auto answer_view = [answer, answer_error](std::string (*render)(const fleet_view&)) {
    return [answer, answer_error, render](const fleet_view& v) {
      if (!v.unanswered.empty())
        return answer_error(map_failure(http_failure::fleet_unresponsive, v.unanswered));
      answer(200, render(v));
    };
  };
  // Dashboard actions: 200 {"id", ...what changed}, or 404 for an unknown id.
  auto answer_action = [answer, target_id](const char* field, bool value) {
    return [answer, target_id, field, value](bool found) {
      if (found) {
        answer(200, R"({"id":")" + target_id + R"(",")" + field + R"(":)" +
                        (value ? "true" : "false") + "}");
        return;
      }
      answer(404, error_body(unknown_instance(target_id)));
    };
  };
  const bool multi = options_.multi_instance_mode;
  try {
    switch (target) {
      case endpoint::health:
        gw_.fleet([answer, multi](const fleet_view& v) {
          auto h = health_json(v, multi);
          answer(h.status, h.body);
        });
        break;
      case endpoint::instances:
        gw_.fleet(answer_view(instances_json));
        break;
      case endpoint::metrics:
        gw_.fleet([self, answer_as](const fleet_view& v) {
          auto s = self.lock();
          if (!s) return;
          const auto now = unix_ms_now();
          answer_as(200,
                    metrics_text(v, s->stats_->snapshot(now), s->browser_memory(v), now,
                                 s->responses_figures(), s->admission()),
                    metrics_content_type);
        });
        break;
      case endpoint::dashboard:
      case endpoint::dashboard_asset: {
        const auto* a =
            dashboard_files.find(target == endpoint::dashboard ? "index.html" : target_id);
        if (a == nullptr) {
          answer(404, error_body(map_failure(http_failure::route_not_found,
                                             "No dashboard file '" + target_id + "'.")));
        } else {
          answer_as(200, std::string(a->text()), core::content_type_for(a->name));
        }
        break;
      }
      case endpoint::instance_restart:
        gw_.restart(target_id, answer_action("restarting", true));
        break;
      case endpoint::instance_pause:
        gw_.set_rotation(target_id, false, answer_action("in_rotation", false));
        break;
      case endpoint::instance_resume:
        gw_.set_rotation(target_id, true, answer_action("in_rotation", true));
        break;
      case endpoint::instance_screenshot:
        gw_.screenshot(target_id, [answer_as, answer_error, target_id](const screenshot_reply& r) {
          if (r.status == screenshot_status::ok) {
            answer_as(200, r.png, "image/png");
            return;
          }
          answer_error(screenshot_error(r, target_id));
        });
        break;
      case endpoint::health_live:
        answer(200, live_json(auth_enabled_));  // the process answers: nothing to ask
        break;
      case endpoint::health_ready:
        gw_.fleet([answer](const fleet_view& v) {
          auto r = ready_json(v);
          answer(r.status, r.body);
        });
        break;
      case endpoint::queue:
        gw_.fleet(answer_view(queue_json));
        break;
      case endpoint::models: {
        const auto created = unix_ms_now() / 1000;
        gw_.models([self, answer, created](const std::vector<core::model_info>& m) {
          if (auto s = self.lock()) answer(200, models_json(s->aliases_.listed(m), created));
        });
        break;
      }
      case endpoint::model: {
        const auto created = unix_ms_now() / 1000;
        gw_.models([self, answer, created, target_id](const std::vector<core::model_info>& m) {
          const auto s = self.lock();
          if (!s) return;
          auto body = model_json(s->aliases_.listed(m), target_id, created);
          if (!body.empty()) return answer(200, body);
          answer(404, error_body(map_error(error_code::unknown_model,
                                           "The model '" + target_id + "' does not exist.")));
        });
        break;
      }
      case endpoint::cancel:
        if (cancel_choices(target_id)) {  // n > 1: its parts
          answer(200, R"({"id":")" + target_id + R"(","cancelled":true})");
          break;
        }
        gw_.cancel(target_id, [answer, target_id](bool cancelled) {
          if (cancelled) {
            answer(200, R"({"id":")" + target_id + R"(","cancelled":true})");
          } else {
            const auto e = map_failure(http_failure::route_not_found,
                                       "No queued or running request with id '" +
                                           target_id + "'.",
                                       "request_id");
            answer(404, error_body(e));
          }
        });
        break;
      case endpoint::response_get:
        if (const auto stream = query.get("stream"); stream && *stream != "false") {
          if (*stream != "true") {
            answer_error(
                bad_request("'stream' must be true or false, not '" + *stream + "'.", "stream"));
          } else if (!follow_response(p, target_id,
                                      {query.parameters_begin(), query.parameters_end()})) {
            answer(404, not_remembered(target_id));
          }
          break;
        }
        if (auto text = answers_.response(target_id)) {
          answer(200, *text);
        } else {
          answer(404, not_remembered(target_id));
        }
        break;
      case endpoint::response_input_items: {
        const auto items = answers_.input_items(target_id);
        if (!items) {
          answer(404, not_remembered(target_id));
          break;
        }
        const auto page = input_items_page(
            *items,
            std::map<std::string, std::string>(query.parameters_begin(), query.parameters_end()));
        if (page.error) {
          answer_error(bad_request(page.error->message, page.error->param));
        } else {
          answer(200, page.body);
        }
        break;
      }
      case endpoint::response_cancel: {
        const auto [status, body] = cancel_response(target_id);
        answer(status, status == 404 ? not_remembered(target_id) : body);
        break;
      }
      case endpoint::response_delete:
        cancel_background(target_id);  // a running one stops first
        {
          std::lock_guard<std::mutex> lock(streams_mu_);
          streams_.erase(target_id);
        }
        if (answers_.remove(target_id)) {
          answer(200, R"({"id":")" + target_id + R"(","object":"response","deleted":true})");
        } else {
          answer(404, not_remembered(target_id));
        }
        break;
      default: {
        std::lock_guard<std::mutex> lock(p->mu);
        reply_error(*p, map_failure(http_failure::internal, "Unhandled route."));
        break;
      }
    }
  } catch (const std::exception& e) {
    std::lock_guard<std::mutex> lock(p->mu);
    if (!p->done) reply_error(*p, map_failure(http_failure::internal, e.what()));
  }
  {
    std::lock_guard<std::mutex> lock(p->mu);
    if (!p->done) return;
  }
  untrack(p);
}

}  // namespace camoufleet::http
