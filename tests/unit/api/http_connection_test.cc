// The HTTP server's connection stream over a socket pair: what reaches the peer, and when.
#include "api/http_connection.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

namespace sluice::api {
namespace {

class ConnectionStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    ours_ = fds[0];
    peer_ = fds[1];
    timeval tv{10, 0};  // a peer waiting for bytes that never come gives up instead of hanging
    ::setsockopt(peer_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  void TearDown() override {
    if (ours_ >= 0) ::close(ours_);
    if (peer_ >= 0) ::close(peer_);
  }

  // Everything the peer can read now, without waiting.
  std::string PeerReadsNow() {
    std::string got;
    char buf[65536];
    for (;;) {
      const ssize_t n = ::recv(peer_, buf, sizeof(buf), MSG_DONTWAIT);
      if (n <= 0) return got;
      got.append(buf, static_cast<size_t>(n));
    }
  }

  void PeerSends(const std::string& bytes) {
    ASSERT_EQ(::send(peer_, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
  }

  int ours_ = -1;
  int peer_ = -1;
};

TEST_F(ConnectionStreamTest, SmallWritesLeaveTogetherWhenFlushed) {
  ConnectionStream s(ours_, 5, 0, 5, 0);
  ASSERT_EQ(s.write("HTTP/1.1 200 OK\r\n\r\n", 19), 19);
  ASSERT_EQ(s.write("{}", 2), 2);
  EXPECT_EQ(PeerReadsNow(), "");  // gathered, not sent yet
  ASSERT_TRUE(s.Flush());
  EXPECT_EQ(PeerReadsNow(), "HTTP/1.1 200 OK\r\n\r\n{}");
}

TEST_F(ConnectionStreamTest, WhatWasWrittenLeavesBeforeAReadWaitsForThePeer) {
  ConnectionStream s(ours_, 5, 0, 5, 0);
  ASSERT_EQ(s.write("HTTP/1.1 100 Continue\r\n\r\n", 25), 25);
  // The peer answers only once it has the 100: a read that waited first would never return.
  std::thread peer([this] {
    std::string got;
    char buf[64];
    while (got.size() < 25) {
      const ssize_t n = ::recv(peer_, buf, sizeof(buf), 0);
      if (n <= 0) return;
      got.append(buf, static_cast<size_t>(n));
    }
    if (got == "HTTP/1.1 100 Continue\r\n\r\n") PeerSends("body");
  });
  char buf[16];
  const ssize_t n = s.read(buf, sizeof(buf));
  peer.join();
  ASSERT_EQ(n, 4);
  EXPECT_EQ(std::string(buf, 4), "body");
}

TEST_F(ConnectionStreamTest, ALargeWriteFollowsWhatWasGatheredInOrder) {
  ConnectionStream s(ours_, 5, 0, 5, 0);
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n";
  std::string body(100000, 'x');
  body[0] = '<';
  body.back() = '>';
  std::string got;
  std::thread peer([&] {
    char buf[65536];
    while (got.size() < head.size() + body.size()) {
      const ssize_t n = ::recv(peer_, buf, sizeof(buf), 0);
      if (n <= 0) return;
      got.append(buf, static_cast<size_t>(n));
    }
  });
  ASSERT_EQ(s.write(head.data(), head.size()), static_cast<ssize_t>(head.size()));
  ASSERT_EQ(s.write(body.data(), body.size()), static_cast<ssize_t>(body.size()));
  ASSERT_TRUE(s.Flush());
  peer.join();
  EXPECT_EQ(got, head + body);
}

TEST_F(ConnectionStreamTest, SmallReadsGetEveryByteInOrderThenTheEnd) {
  std::string sent;
  for (int i = 0; sent.size() < 300000; ++i) sent += std::to_string(i) + ",";
  std::thread peer([&] {
    PeerSends(sent);
    ::shutdown(peer_, SHUT_WR);
  });
  ConnectionStream s(ours_, 5, 0, 5, 0);
  std::string got;
  char buf[4096];
  ssize_t n;
  while ((n = s.read(buf, sizeof(buf))) > 0) got.append(buf, static_cast<size_t>(n));
  peer.join();
  EXPECT_EQ(n, 0);  // the peer's end, not an error
  EXPECT_EQ(got, sent);
  EXPECT_FALSE(s.HasBuffered());
}

TEST_F(ConnectionStreamTest, BytesOfTheNextRequestStayBufferedForIt) {
  ConnectionStream s(ours_, 5, 0, 5, 0);
  PeerSends("first|second");
  char buf[6];
  ASSERT_EQ(s.read(buf, 6), 6);
  EXPECT_EQ(std::string(buf, 6), "first|");
  EXPECT_TRUE(s.HasBuffered());
  EXPECT_TRUE(s.is_readable());
  char rest[16];
  ASSERT_EQ(s.read(rest, sizeof(rest)), 6);
  EXPECT_EQ(std::string(rest, 6), "second");
}

TEST_F(ConnectionStreamTest, AfterAFailedSendNothingIsSentAgain) {
  ConnectionStream s(ours_, 5, 0, 5, 0);
  ASSERT_EQ(s.write("HTTP/1.1 200 OK\r\n\r\n", 19), 19);
  ::close(peer_);
  peer_ = -1;
  const std::string body(100000, 'x');  // past what is gathered: sent at once, and fails
  EXPECT_EQ(s.write(body.data(), body.size()), -1);
  EXPECT_FALSE(s.Flush());
  EXPECT_EQ(s.write("x", 1), -1);
}

TEST_F(ConnectionStreamTest, AReadGivesUpAfterTheReadTimeout) {
  ConnectionStream s(ours_, 0, 200'000, 5, 0);  // 0.2 s
  char buf[16];
  EXPECT_EQ(s.read(buf, sizeof(buf)), -1);
}

}  // namespace
}  // namespace sluice::api
