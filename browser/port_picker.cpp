#include "browser/port_picker.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace camoufleet::browser {

bool port_is_free(int port) {
  if (port <= 0 || port > 65535) return false;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  // Same option a listening server uses: a port only held by TIME_WAIT
  // leftovers is usable, one with a live listener is not.
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

int find_free_port(int base, int attempts) {
  for (int p = base; p < base + attempts && p <= 65535; ++p) {
    if (port_is_free(p)) return p;
  }
  return 0;
}

}  // namespace camoufleet::browser
