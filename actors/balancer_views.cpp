#include "actors/balancer_views.hpp"

#include <algorithm>
#include <utility>

namespace camoufleet {

bool could_serve_later(instance_status s) {
  return s == instance_status::starting || s == instance_status::ready ||
         s == instance_status::recycling || s == instance_status::busy ||
         s == instance_status::error;
}

std::vector<routing::candidate> candidates_for(const balancer_state& st,
                                               const balancer_state::pending& p) {
  std::vector<routing::candidate> out;
  out.reserve(st.instances.size());
  for (const auto& [id, m] : st.instances) {
    routing::candidate c;
    c.id = id;
    c.free = m.view.status == instance_status::ready && m.request_id.empty() && m.in_rotation;
    c.last_used = m.use_stamp;
    c.excluded = p.tried.count(id) > 0;
    out.push_back(std::move(c));
  }
  return out;
}

fleet_view make_view(const balancer_state& st, std::int64_t now) {
  fleet_view v;
  v.multi_instance_mode = st.cfg.multi;
  v.queue_limit = static_cast<int>(st.queue.limit());
  for (const auto& [id, m] : st.instances) {
    v.instances.push_back(m.view);
    v.instances.back().in_rotation = m.in_rotation;
  }
  std::sort(v.instances.begin(), v.instances.end(), [](const auto& a, const auto& b) {
    return routing::id_less(a.id, b.id);
  });
  v.queue = st.queue.snapshot(now);
  v.spares = st.spares;
  v.spares_wanted = st.spares_wanted;
  for (const auto& [node, n] : st.nodes_spares) {
    v.spares.insert(v.spares.end(), n.spares.begin(), n.spares.end());
    v.spares_wanted += n.wanted;
  }
  return v;
}

}  // namespace camoufleet
