#pragma once
// The whole vocabulary of the actors in one place: atoms, the message structs
// exchanged between balancer, instances, monitor and sinks, inspect() for
// every plain type, and register_types(). Every message is a plain struct of
// values and actor handles (no pointers, callbacks or promises), so an
// instance could later live on another node.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

#include "actors/types.hpp"
#include "core/chat.hpp"

namespace camoufleet {

// -- atoms (at most 10 characters) --------------------------------------------

using submit_atom = caf::atom_constant<caf::atom("submit")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using fleet_atom = caf::atom_constant<caf::atom("fleet")>;
using models_atom = caf::atom_constant<caf::atom("models")>;
using register_atom = caf::atom_constant<caf::atom("register")>;
using health_atom = caf::atom_constant<caf::atom("health")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using restart_atom = caf::atom_constant<caf::atom("restart")>;
using cool_atom = caf::atom_constant<caf::atom("cooldown")>;
using expire_atom = caf::atom_constant<caf::atom("expire")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using reload_atom = caf::atom_constant<caf::atom("reload")>;
using ping_late_atom = caf::atom_constant<caf::atom("pinglate")>;
using settled_atom = caf::atom_constant<caf::atom("settled")>;
using refresh_atom = caf::atom_constant<caf::atom("refresh")>;
using remove_atom = caf::atom_constant<caf::atom("remove")>;
using rotation_atom = caf::atom_constant<caf::atom("rotation")>;
using screenshot_atom = caf::atom_constant<caf::atom("screenshot")>;
using connect_nd_atom = caf::atom_constant<caf::atom("connnode")>;
// Balancer -> sink, as a request: did any delta of this request reach you?
// (bool). Asked when a node's instance is lost mid-stream.
using sent_atom = caf::atom_constant<caf::atom("sent")>;
// Warm spares (actors/spare_actor.*): instance -> spare actor, as a request:
// a spare for my restart? (spare id and pid, 0 = none); launch threads ->
// spare actor: spare_up (id, pid) / spare_down (id, reason); spare actor ->
// balancer: spares (the pool's view, wanted count) for /health and /metrics.
using take_spare_atom = caf::atom_constant<caf::atom("takespare")>;
using spare_up_atom = caf::atom_constant<caf::atom("spareup")>;
using spare_down_atom = caf::atom_constant<caf::atom("sparedown")>;
using spares_atom = caf::atom_constant<caf::atom("spares")>;
// Instance -> spare actor: my start on spare id ended (true: up or failed,
// refill now) or never began (false: the spare goes back to the pool).
using spare_done_atom = caf::atom_constant<caf::atom("sparedone")>;
// Instance on a node -> its node agent: (relay, sink, request_finished) goes
// on to the sink; (relay, job_outcome), a delegated response, goes back to
// the head's balancer. Both then follow the instance's state over the link.
using relay_atom = caf::atom_constant<caf::atom("relay")>;

// -- balancer <-> instance -----------------------------------------------------

// Balancer -> instance, as a request: serve this completion, stream its
// events to sink. The response is a job_outcome.
struct run_job {
  completion_request request;
  caf::actor sink;
};

// Instance -> balancer: how a run_job ended. On success the sink already got
// request_finished; on failure the balancer decides between failover and
// telling the sink (it alone knows which instances were tried).
struct job_outcome {
  std::string request_id;
  std::string instance_id;
  bool ok = false;
  bool handed_back = false;  // the instance was not ready: not an attempt
  bool delta_sent = false;   // the client already saw part of the answer
  error_code code = error_code::none;
  std::string message;
  int retry_after_s = 0;
};

// Instance -> balancer, on every change of its state.
struct instance_update {
  instance_view view;
};

// Instance -> balancer, once per browser start that could read the list.
struct instance_models {
  std::string instance_id;
  std::vector<core::model_info> models;
};

// Instance -> balancer: the first delta of a request went to its sink.
struct first_delta {
  std::string request_id;
  std::string instance_id;
};

// -- node <-> head (over CAF's middleman) -------------------------------------

// One instance of a node, as its node agent hands it to the head.
struct node_member {
  std::string id;  // "<node id>.instance_N": unique over the whole fleet
  caf::actor handle;
  instance_view view;
  std::vector<core::model_info> models;
};

// Node agent -> head registry, as a request. The answer is
// (bool accepted, std::string text, caf::actor balancer): text is why it was
// refused, or when accepted the node's address as the head saw it.
struct node_hello {
  std::string node_id;
  std::string host;    // what the node calls itself (logs only)
  std::string secret;  // --node-secret-file's content ("" = none)
  std::vector<node_member> members;
};

// -- worker thread -> its instance (epoch: which browser start it is about) ---

struct session_started {
  std::uint64_t epoch = 0;
  int port = 0;
  int pid = 0;
  std::string ws_endpoint;
  std::vector<core::model_info> models;
};

struct session_failed {  // start failed, or the browser went away
  std::uint64_t epoch = 0;
  core::failure_kind failure = core::failure_kind::site_error;
  std::string message;
  bool on_start = false;
};

struct generation_done {
  std::uint64_t epoch = 0;
  std::string request_id;
  core::generation_result result;
  std::string model;
};

struct generation_failed {
  std::uint64_t epoch = 0;
  std::string request_id;
  core::failure_kind failure = core::failure_kind::site_error;
  std::string message;
  bool delta_sent = false;
};

struct ping_done {
  std::uint64_t epoch = 0;
  std::uint64_t seq = 0;
  bool ok = false;
};

// The worker loaded the chat page afresh (--page-recycle-after), or not.
struct page_reloaded {
  std::uint64_t epoch = 0;
  bool ok = false;
  core::failure_kind failure = core::failure_kind::site_error;
  std::string message;
};

// -- inspect -----------------------------------------------------------------

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, completion_request& x) {
  return f(caf::meta::type_name("completion_request"), x.id, x.messages, x.params, x.stream,
           x.received_ms, x.caller);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, request_assigned& x) {
  return f(caf::meta::type_name("request_assigned"), x.request_id, x.instance_id);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, request_delta& x) {
  return f(caf::meta::type_name("request_delta"), x.request_id, x.content, x.reasoning);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, request_finished& x) {
  return f(caf::meta::type_name("request_finished"), x.request_id, x.instance_id, x.model,
           x.content, x.reasoning, x.finish_reason, x.prompt_tokens, x.completion_tokens,
           x.reasoning_tokens, x.tool_calls);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, request_failed& x) {
  return f(caf::meta::type_name("request_failed"), x.request_id, x.instance_id, x.code,
           x.message, x.retry_after_s);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, instance_view& x) {
  return f(caf::meta::type_name("instance_view"), x.id, x.status, x.port, x.auth_file,
           x.ws_endpoint, x.last_used_ms, x.error_count, x.current_request_id, x.reason,
           x.until_ms, x.served, x.restarts, x.recycles, x.page_served, x.in_rotation, x.browser_pid, x.browser, x.errors, x.node_id, x.node_host);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, queue_entry& x) {
  return f(caf::meta::type_name("queue_entry"), x.request_id, x.waiting_ms);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, spare_view& x) {
  return f(caf::meta::type_name("spare_view"), x.id, x.ready, x.pid, x.node_id);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fleet_view& x) {
  return f(caf::meta::type_name("fleet_view"), x.multi_instance_mode, x.instances, x.spares,
           x.spares_wanted, x.queue, x.queue_limit, x.unanswered);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, screenshot_reply& x) {
  return f(caf::meta::type_name("screenshot_reply"), x.status, x.png, x.message);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, run_job& x) {
  return f(caf::meta::type_name("run_job"), x.request, x.sink);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_outcome& x) {
  return f(caf::meta::type_name("job_outcome"), x.request_id, x.instance_id, x.ok,
           x.handed_back, x.delta_sent, x.code, x.message, x.retry_after_s);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, instance_update& x) {
  return f(caf::meta::type_name("instance_update"), x.view);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, instance_models& x) {
  return f(caf::meta::type_name("instance_models"), x.instance_id, x.models);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, first_delta& x) {
  return f(caf::meta::type_name("first_delta"), x.request_id, x.instance_id);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_member& x) {
  return f(caf::meta::type_name("node_member"), x.id, x.handle, x.view, x.models);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_hello& x) {
  return f(caf::meta::type_name("node_hello"), x.node_id, x.host, x.secret, x.members);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_started& x) {
  return f(caf::meta::type_name("session_started"), x.epoch, x.port, x.pid, x.ws_endpoint,
           x.models);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_failed& x) {
  return f(caf::meta::type_name("session_failed"), x.epoch, x.failure, x.message, x.on_start);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, generation_done& x) {
  return f(caf::meta::type_name("generation_done"), x.epoch, x.request_id, x.result, x.model);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, generation_failed& x) {
  return f(caf::meta::type_name("generation_failed"), x.epoch, x.request_id, x.failure,
           x.message, x.delta_sent);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ping_done& x) {
  return f(caf::meta::type_name("ping_done"), x.epoch, x.seq, x.ok);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, page_reloaded& x) {
  return f(caf::meta::type_name("page_reloaded"), x.epoch, x.ok, x.failure, x.message);
}

}  // namespace camoufleet

namespace camoufleet::core {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tool_call& x) {
  return f(caf::meta::type_name("tool_call"), x.id, x.name, x.arguments);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, attachment& x) {
  return f(caf::meta::type_name("attachment"), x.mime_type, x.data, x.filename);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chat_message& x) {
  return f(caf::meta::type_name("chat_message"), x.role, x.content, x.tool_calls,
           x.tool_call_id, x.attachments);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, generation_params& x) {
  return f(caf::meta::type_name("generation_params"), x.model, x.temperature, x.top_p,
           x.max_output_tokens, x.stop, x.reasoning_effort, x.function_declarations, x.tool_choice,
           x.tool_choice_name, x.tool_mode, x.response_format, x.response_schema, x.web_search,
           x.ask_again);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, delta& x) {
  return f(caf::meta::type_name("delta"), x.content, x.reasoning);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, generation_result& x) {
  return f(caf::meta::type_name("generation_result"), x.content, x.reasoning, x.finish_reason,
           x.tool_calls, x.prompt_tokens, x.completion_tokens, x.reasoning_tokens);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, model_info& x) {
  return f(caf::meta::type_name("model_info"), x.id, x.display_name);
}

}  // namespace camoufleet::core

namespace camoufleet {

// Adds every type above to cfg (call before constructing the actor_system).
void register_types(caf::actor_system_config& cfg);

}  // namespace camoufleet
