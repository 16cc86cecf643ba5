#pragma once
// The simulator's HTTP server: Boost.Beast, one thread per connection with
// synchronous I/O (simple, and a simulator has few connections). Beast stays
// inside server.cpp.

#include <memory>
#include <string>

namespace camoufleet::sim {

class sim_state;

class server {
 public:
  // Binds 127.0.0.1:port (0 = any free port). Throws std::runtime_error on failure.
  server(sim_state& state, int port);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  int port() const;
  // Accepts connections until the process ends.
  void run();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace camoufleet::sim
