#include "api/http_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>

namespace sluice::api {

namespace {

// How often a connection waiting for its next request checks whether the server stops.
constexpr int kStopCheckMs = 100;
// A connection closed after an error reads and drops at most this much of what the client still
// sends, for at most this long.
constexpr size_t kDrainBytes = 4 << 20;
constexpr int kDrainMs = 500;

// Set by CloseConnectionAfter for the request being served on this thread.
thread_local bool close_after_answer = false;

int Millis(time_t sec, time_t usec) { return static_cast<int>(sec * 1000 + usec / 1000); }

void SetTimeout(int fd, int option, time_t sec, time_t usec) {
  timeval tv{};
  tv.tv_sec = sec;
  tv.tv_usec = static_cast<suseconds_t>(usec);
  ::setsockopt(fd, SOL_SOCKET, option, &tv, sizeof(tv));
}

// True when `fd` is ready for `events` within `timeout_ms`.
bool Ready(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  int r;
  do {
    r = ::poll(&p, 1, timeout_ms);
  } while (r < 0 && errno == EINTR);
  return r > 0;
}

void Address(const sockaddr_storage& a, std::string& ip, int& port) {
  char text[INET6_ADDRSTRLEN] = "";
  if (a.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(a);
    ::inet_ntop(AF_INET, &v4.sin_addr, text, sizeof(text));
    port = ntohs(v4.sin_port);
  } else if (a.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(a);
    ::inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof(text));
    port = ntohs(v6.sin6_port);
  }
  ip = text;
}

// The request thread's read buffer: allocated once per thread, its pages touched only as far as
// reads fill it.
char* ThreadReadBuffer() {
  thread_local std::unique_ptr<char[]> buffer(new char[ConnectionStream::kReadBufferBytes]);
  return buffer.get();
}

}  // namespace

ConnectionStream::ConnectionStream(int fd, time_t read_timeout_sec, time_t read_timeout_usec,
                                   time_t write_timeout_sec, time_t write_timeout_usec)
    : fd_(fd),
      read_timeout_ms_(Millis(read_timeout_sec, read_timeout_usec)),
      write_timeout_ms_(Millis(write_timeout_sec, write_timeout_usec)),
      buffer_(ThreadReadBuffer()) {
  SetTimeout(fd, SO_RCVTIMEO, read_timeout_sec, read_timeout_usec);
  SetTimeout(fd, SO_SNDTIMEO, write_timeout_sec, write_timeout_usec);
  sockaddr_storage a{};
  socklen_t len = sizeof(a);
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    Address(a, remote_ip_, remote_port_);
  }
  len = sizeof(a);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    Address(a, local_ip_, local_port_);
  }
}

bool ConnectionStream::is_readable() const {
  return HasBuffered() || Ready(fd_, POLLIN, read_timeout_ms_);
}

bool ConnectionStream::is_writable() const { return Ready(fd_, POLLOUT, write_timeout_ms_); }

ssize_t ConnectionStream::read(char* ptr, size_t size) {
  if (!HasBuffered()) {
    // What the client may be waiting for before it sends more (a 100 Continue) goes out first.
    if (!Flush()) return -1;
    ssize_t n;
    do {
      n = ::recv(fd_, buffer_, kReadBufferBytes, 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return n < 0 ? -1 : 0;  // failed or timed out (SO_RCVTIMEO); 0: closed
    read_pos_ = 0;
    read_end_ = static_cast<size_t>(n);
  }
  const size_t n = std::min(size, read_end_ - read_pos_);
  std::memcpy(ptr, buffer_ + read_pos_, n);
  read_pos_ += n;
  return static_cast<ssize_t>(n);
}

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
  if (broken_) return -1;
  if (gathered_.size() + size <= kWriteGatherBytes) {
    gathered_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  const bool sent = SendAll(gathered_.data(), gathered_.size(), ptr, size);
  gathered_.clear();
  return sent ? static_cast<ssize_t>(size) : -1;
}

bool ConnectionStream::Flush() {
  if (broken_) return false;
  if (gathered_.empty()) return true;
  const bool sent = SendAll(gathered_.data(), gathered_.size(), nullptr, 0);
  gathered_.clear();
  return sent;
}

void ConnectionStream::CloseGracefully() {
  if (!Flush()) return;
  ::shutdown(fd_, SHUT_WR);
  SetTimeout(fd_, SO_RCVTIMEO, 0, kDrainMs * 1000);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kDrainMs);
  for (size_t drained = 0; drained < kDrainBytes;) {
    const ssize_t n = ::recv(fd_, buffer_, kReadBufferBytes, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || std::chrono::steady_clock::now() >= deadline) return;
    drained += static_cast<size_t>(n);
  }
}

bool ConnectionStream::SendAll(const char* first, size_t first_size, const char* second,
                               size_t second_size) {
  iovec parts[2] = {{const_cast<char*>(first), first_size},
                    {const_cast<char*>(second), second_size}};
  iovec* part = parts;
  size_t left = 2;
  while (left > 0 && part->iov_len == 0) ++part, --left;
  while (left > 0) {
    msghdr m{};
    m.msg_iov = part;
    m.msg_iovlen = left;
    const ssize_t n = ::sendmsg(fd_, &m, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      broken_ = true;  // the peer is gone, or the write timed out (SO_SNDTIMEO)
      return false;
    }
    size_t sent = static_cast<size_t>(n);
    while (left > 0 && sent >= part->iov_len) {
      sent -= part->iov_len;
      ++part;
      --left;
    }
    if (left > 0) {
      part->iov_base = static_cast<char*>(part->iov_base) + sent;
      part->iov_len -= sent;
    }
  }
  return true;
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  ip = remote_ip_;
  port = remote_port_;
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  ip = local_ip_;
  port = local_port_;
}

void CloseConnectionAfter(httplib::Response& answer) {
  if (!answer.has_header("Connection")) answer.set_header("Connection", "close");
  close_after_answer = true;
}

bool ConnectionServer::WaitForRequest(ConnectionStream& stream) {
  if (stream.HasBuffered()) return true;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(keep_alive_timeout_sec_);
  while (svr_sock_ != INVALID_SOCKET) {
    pollfd p{stream.socket(), POLLIN, 0};
    const int r = ::poll(&p, 1, kStopCheckMs);
    if (r > 0) return true;  // a byte, or the peer's close, which the read then sees
    if (r < 0 && errno != EINTR) return false;
    if (std::chrono::steady_clock::now() >= deadline) return false;
  }
  return false;
}

bool ConnectionServer::process_and_close_socket(socket_t sock) {
  bool ok = false;
  {
    ConnectionStream stream(sock, read_timeout_sec_, read_timeout_usec_, write_timeout_sec_,
                            write_timeout_usec_);
    for (size_t left = keep_alive_max_count_; left > 0 && WaitForRequest(stream); --left) {
      bool closed = false;
      close_after_answer = false;
      ok = process_request(stream, left == 1, closed, nullptr);
      if (close_after_answer) {
        stream.CloseGracefully();
        break;
      }
      const bool sent = stream.Flush();
      if (!ok || !sent || closed) break;
    }
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

}  // namespace sluice::api
