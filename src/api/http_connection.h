// How the HTTP server reads and writes a connection: the HTTP library (cpp-httplib, a shared
// library here) parses requests and writes responses; this file gives it the connection it does
// that over. Included only by http_server.cc and its test: it brings in httplib.h.
//
// The library's own connection reads a body 4 KiB at a time, each read after a poll(2) of its
// own, and polls twice more before each write: a request of 512 spans (about 1 MB) cost some 500
// system calls to read, about a tenth of the server's CPU in ingest. Here a connection reads
// whatever the socket holds, up to kReadBufferBytes, into a buffer the library's small reads take
// from; the socket's own timeouts (SO_RCVTIMEO, SO_SNDTIMEO) stand for the polls; and a response's
// head and body go out in one write when they are small.
#pragma once

#include <httplib.h>

#include <cstddef>
#include <string>

namespace sluice::api {

// One connection's stream. Not thread-safe: one request thread serves a connection.
class ConnectionStream final : public httplib::Stream {
 public:
  // Up to this many bytes are read from the socket at once (the buffer is the request thread's
  // own, kept for its next connection).
  static constexpr size_t kReadBufferBytes = 128 << 10;
  // Writes are gathered up to this many bytes until a read or the end of a response.
  static constexpr size_t kWriteGatherBytes = 16 << 10;

  // Sets `fd`'s read and write timeouts. `fd` stays the caller's to close.
  ConnectionStream(int fd, time_t read_timeout_sec, time_t read_timeout_usec,
                   time_t write_timeout_sec, time_t write_timeout_usec);

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return fd_; }

  // Sends what write() gathered. False when the connection is broken.
  bool Flush();
  // Sends the rest of the answer and closes its sending side, then reads and drops what the
  // client still sends, for a while: closing a socket with unread bytes resets the connection,
  // and the reset can wipe out the answer before the client reads it.
  void CloseGracefully();
  // Whether bytes of a next request were read already.
  bool HasBuffered() const { return read_pos_ < read_end_; }

 private:
  bool SendAll(const char* first, size_t first_size, const char* second, size_t second_size);

  int fd_;
  int read_timeout_ms_;
  int write_timeout_ms_;
  char* buffer_;  // the thread's read buffer
  size_t read_pos_ = 0;
  size_t read_end_ = 0;
  std::string gathered_;  // written, not yet sent
  bool broken_ = false;   // a send failed: nothing more is sent
  std::string remote_ip_, local_ip_;
  int remote_port_ = 0, local_port_ = 0;
};

// Called while a request is served, on its thread, with its answer: the answer says
// `Connection: close`, the connection is closed once it is sent, and what else the client sent
// is not read as a next request (the rest of a body that could not be read, after a 400 or 413).
void CloseConnectionAfter(httplib::Response& answer);

// httplib::Server serving each connection through a ConnectionStream.
class ConnectionServer final : public httplib::Server {
 private:
  bool process_and_close_socket(socket_t sock) override;
  // Waits for the first byte of a connection's next request: false after the keep-alive
  // timeout, when the peer is gone or when the server stops.
  bool WaitForRequest(ConnectionStream& stream);
};

}  // namespace sluice::api
