// LD_PRELOAD shim for experiments: ignores setsockopt(TCP_QUICKACK), so
// camoufleet runs as it did before browser/channel_io.cpp asked for
// immediate ACKs. Shows what that gains against Firefox's Nagle:
//   gcc -shared -fPIC -O2 -o /tmp/no_quickack.so bench/tools/no_quickack_shim.c -ldl
//   BENCH_FLEET_PRELOAD=/tmp/no_quickack.so node bench/p1-latency.mjs --browsers firefox
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
int setsockopt(int fd, int level, int name, const void* value, socklen_t len) {
  static int (*real)(int, int, int, const void*, socklen_t);
  if (!real) real = dlsym(RTLD_NEXT, "setsockopt");
  if (level == IPPROTO_TCP && name == TCP_QUICKACK) return 0;
  return real(fd, level, name, value, len);
}
