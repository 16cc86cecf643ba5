#include "actors/error_replies.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

namespace camoufleet {

void log_error_replies(caf::scheduled_actor* self, std::string who) {
  self->set_error_handler([who = std::move(who)](caf::error& e) {
    spdlog::warn("{}: an error came back: {} (ignored)", who, caf::to_string(e));
  });
}

}  // namespace camoufleet
