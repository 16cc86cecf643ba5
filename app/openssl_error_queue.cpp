// A fix for CAF 0.17's OpenSSL module, put in front of libssl for this
// executable: every TLS read, write and handshake starts with an empty
// OpenSSL error queue.
//
// Why: OpenSSL keeps its error queue per thread, and SSL_get_error() reports
// SSL_ERROR_SSL whenever that queue holds anything (man SSL_get_error: "the
// current thread's error queue must be empty before the TLS/SSL I/O
// operation is attempted"). CAF's middleman runs every connection on one
// multiplexer thread and only drains the queue inside its log statements,
// which Debian's libcaf compiles out (CAF_LOG_LEVEL_QUIET). So the errors of
// one failed handshake (a node without a valid certificate, a port scanner)
// stayed queued, and the next read of a *good* node's link that had to wait
// for bytes was taken for a TLS failure: the link dropped and the node
// rejoined (tests/e2e/nodes_e2e.cpp, "over TLS ... keeps its link").
//
// How: this executable defines SSL_read, SSL_write, SSL_accept and
// SSL_connect and exports them (app/CMakeLists.txt), so the dynamic linker
// binds libcaf_openssl's calls here; each clears the queue and calls
// libssl's own function. Clearing before an operation is what OpenSSL asks
// of every caller, so other users of libssl in this process lose nothing.
#include <dlfcn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstdio>
#include <cstdlib>

namespace {

template <class F>
F real(const char* name) {
  // libssl 3 names its symbols OPENSSL_3.0.0; fall back to the default.
  void* f = dlvsym(RTLD_NEXT, name, "OPENSSL_3.0.0");
  if (f == nullptr) f = dlsym(RTLD_NEXT, name);
  if (f == nullptr) {
    std::fprintf(stderr, "camoufleet: libssl has no %s\n", name);
    std::abort();
  }
  return reinterpret_cast<F>(f);
}

}  // namespace

extern "C" {

int SSL_read(SSL* ssl, void* buf, int num) {
  static const auto f = real<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return f(ssl, buf, num);
}

int SSL_write(SSL* ssl, const void* buf, int num) {
  static const auto f = real<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return f(ssl, buf, num);
}

int SSL_accept(SSL* ssl) {
  static const auto f = real<int (*)(SSL*)>("SSL_accept");
  ERR_clear_error();
  return f(ssl);
}

int SSL_connect(SSL* ssl) {
  static const auto f = real<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  return f(ssl);
}

}  // extern "C"
