// Stub: implementation follows.
#include "cdp/connection.hpp"

#include <stdexcept>

namespace camoufleet::cdp {
namespace detail {
struct connection_impl {};
struct subscription_entry {};
}  // namespace detail

subscription::subscription(subscription&&) noexcept = default;
subscription& subscription::operator=(subscription&&) noexcept = default;
subscription::~subscription() = default;
void subscription::reset() { entry_.reset(); }
subscription::subscription(std::weak_ptr<detail::connection_impl> owner,
                           std::shared_ptr<detail::subscription_entry> entry)
    : owner_(std::move(owner)), entry_(std::move(entry)) {}

connection::connection(std::shared_ptr<detail::connection_impl> impl, std::string url)
    : impl_(std::move(impl)), url_(std::move(url)) {}
connection::~connection() = default;
std::shared_ptr<connection> connection::connect(io_thread&, const std::string&, std::chrono::milliseconds) {
  throw driver_error(failure_kind::browser_gone, "connection: not implemented yet");
}
nlohmann::json connection::call(const std::string&, nlohmann::json, const std::string&, std::chrono::milliseconds) {
  throw driver_error(failure_kind::browser_gone, "connection: not implemented yet");
}
void connection::call_async(const std::string&, nlohmann::json, const std::string&, std::chrono::milliseconds, call_callback) {}
subscription connection::subscribe(const std::string&, event_handler) { return {}; }
void connection::on_close(close_handler) {}
void connection::close() {}
bool connection::is_open() const { return false; }
ws_url_parts parse_ws_url(const std::string&) { return {}; }
}  // namespace camoufleet::cdp
