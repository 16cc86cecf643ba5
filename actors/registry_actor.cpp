#include "actors/registry_actor.hpp"
#include "actors/error_replies.hpp"

#include <utility>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <spdlog/spdlog.h>

#include "actors/messages.hpp"
#include "actors/node_link.hpp"

namespace camoufleet {

const char* registry_state::name = "node_registry";

namespace {

using self_ptr = caf::stateful_actor<registry_state>*;
using hello_reply = caf::result<bool, std::string, caf::actor>;

void admit(self_ptr self, node_hello& hello, const std::string& peer) {
  auto& st = self->state;
  st.log->info("Node {} joined from {} with {} instance(s)", hello.node_id, peer,
               hello.members.size());
  for (auto& m : hello.members) {
    if (!node_link::is_member_of(hello.node_id, m.id)) {
      st.log->warn("Node {}: instance id {} does not name its node; skipped", hello.node_id, m.id);
      continue;
    }
    m.view.node_id = hello.node_id;
    m.view.node_host = peer;
    self->send(st.cfg.balancer, register_atom::value, std::move(m));
  }
}

}  // namespace

caf::behavior registry_actor(caf::stateful_actor<registry_state>* self, registry_config cfg) {
  self->state.cfg = std::move(cfg);
  self->state.log = spdlog::default_logger()->clone("nodes");
  self->set_default_handler(caf::drop);
  log_error_replies(self, "node registry");
  return {
    [=](node_hello& hello) -> hello_reply {
      auto sender = self->current_sender();
      if (!sender) return {false, std::string("anonymous hello"), caf::actor{}};
      auto rp = self->make_response_promise<bool, std::string, caf::actor>();
      auto mm = self->system().middleman().actor_handle();
      auto from = sender->node();
      auto decide = [=](const std::string& peer) mutable {
        auto& st = self->state;
        auto v = node_link::check_hello(st.cfg.secret, hello.secret, hello.node_id, peer);
        if (!v.accepted) {
          st.log->warn("Node {} from {} refused: {}", hello.node_id.substr(0, 64), peer, v.why);
          rp.deliver(false, v.why, caf::actor{});
          return;
        }
        admit(self, hello, peer);
        rp.deliver(true, peer, self->state.cfg.balancer);
      };
      // The address the connection really comes from, not what the node says.
      self->request(mm, self->state.cfg.ask_timeout, caf::get_atom::value, from)
          .then([=](const caf::node_id&, const std::string& host, uint16_t) mutable { decide(host); },
                [=](caf::error&) mutable { decide("unknown address"); });
      return rp;
    },
  };
}

}  // namespace camoufleet
