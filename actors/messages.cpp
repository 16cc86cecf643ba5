#include "actors/messages.hpp"

namespace camoufleet {

void register_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<core::tool_call>("camoufleet::tool_call")
      .add_message_type<core::attachment>("camoufleet::attachment")
      .add_message_type<core::chat_message>("camoufleet::chat_message")
      .add_message_type<core::generation_params>("camoufleet::generation_params")
      .add_message_type<core::delta>("camoufleet::delta")
      .add_message_type<core::generation_result>("camoufleet::generation_result")
      .add_message_type<core::model_info>("camoufleet::model_info")
      .add_message_type<completion_request>("camoufleet::completion_request")
      .add_message_type<request_assigned>("camoufleet::request_assigned")
      .add_message_type<request_delta>("camoufleet::request_delta")
      .add_message_type<request_finished>("camoufleet::request_finished")
      .add_message_type<request_failed>("camoufleet::request_failed")
      .add_message_type<instance_view>("camoufleet::instance_view")
      .add_message_type<queue_entry>("camoufleet::queue_entry")
      .add_message_type<spare_view>("camoufleet::spare_view")
      .add_message_type<std::vector<spare_view>>("std::vector<camoufleet::spare_view>")
      .add_message_type<fleet_view>("camoufleet::fleet_view")
      .add_message_type<screenshot_reply>("camoufleet::screenshot_reply")
      .add_message_type<run_job>("camoufleet::run_job")
      .add_message_type<job_outcome>("camoufleet::job_outcome")
      .add_message_type<instance_update>("camoufleet::instance_update")
      .add_message_type<instance_models>("camoufleet::instance_models")
      .add_message_type<first_delta>("camoufleet::first_delta")
      .add_message_type<node_member>("camoufleet::node_member")
      .add_message_type<node_hello>("camoufleet::node_hello")
      .add_message_type<session_started>("camoufleet::session_started")
      .add_message_type<session_failed>("camoufleet::session_failed")
      .add_message_type<generation_done>("camoufleet::generation_done")
      .add_message_type<generation_failed>("camoufleet::generation_failed")
      .add_message_type<ping_done>("camoufleet::ping_done")
      .add_message_type<page_reloaded>("camoufleet::page_reloaded");
}

}  // namespace camoufleet
