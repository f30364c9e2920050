// CurlError's mapping, URI encoding, and CurlHttpClient against loopback sockets it cannot
// reach (no server needed).
#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cloud/http/curl_http_client.h"
#include "cloud/probe.h"
#include "testing/fake_clock.h"
#include "testing/temp_dir.h"

namespace sluice::cloud {
namespace {

TEST(CurlError, MapsTransportFailuresByWhatTheCallerShouldDo) {
  EXPECT_TRUE(CurlError(CURLE_OK, "").ok());
  EXPECT_EQ(CurlError(CURLE_OPERATION_TIMEDOUT, "").code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(CurlError(CURLE_COULDNT_CONNECT, "").code(), StatusCode::kUnavailable);
  EXPECT_EQ(CurlError(CURLE_RECV_ERROR, "Connection reset by peer").code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(CurlError(CURLE_SEND_ERROR, "").code(), StatusCode::kUnavailable);
  EXPECT_EQ(CurlError(CURLE_COULDNT_RESOLVE_HOST, "").code(), StatusCode::kUnavailable);
  EXPECT_EQ(CurlError(CURLE_URL_MALFORMAT, "").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CurlError(CURLE_PEER_FAILED_VERIFICATION, "").code(), StatusCode::kFailedPrecondition);
  const Status s = CurlError(CURLE_COULDNT_CONNECT, "Failed to connect to 127.0.0.1 port 9");
  EXPECT_NE(s.message().find("127.0.0.1 port 9"), std::string::npos);
}

TEST(CurlHttpClient, ARefusedConnectionIsUnavailable) {
  // Bind a port and close it without listening: connecting to it is refused.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  ::close(fd);
  CurlHttpClient http;
  auto r = http.Send({"GET", "http://127.0.0.1:" + std::to_string(port) + "/", {}, "", nullptr, 0});
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  auto bad = http.Send({"GET", "not a url", {}, "", nullptr, 0});
  EXPECT_FALSE(bad.ok());
}

TEST(UriEncoding, EncodesAllButUnreservedAndRoundTrips) {
  EXPECT_EQ(UriEncode("a b/c~d_e.f-g+h=", true), "a%20b%2Fc~d_e.f-g%2Bh%3D");
  EXPECT_EQ(UriEncode("a b/c", false), "a%20b/c");
  EXPECT_EQ(UriDecode("a%20b%2Fc%zz%4"), "a b/c%zz%4");
  EXPECT_EQ(UriDecode("a+b", true), "a b");
}

TEST(Probe, LocalDestinationRoundTripsAndCleansUp) {
  sluice::testing::TempDir dir;
  sluice::testing::FakeClock clock;
  CurlHttpClient http;
  StaticCredentialsProvider none(AwsCredentials{});
  MapEnvironment env;
  DestinationFactory factory(DestinationFactoryOptions{}, http, none, env, clock);
  auto steps = ProbeDestination(factory, {"file://" + dir.path().string() + "/exports", {}});
  EXPECT_TRUE(ProbeSucceeded(steps));
  ASSERT_EQ(steps.size(), 4u);
  EXPECT_EQ(steps[1].name, "put");
  EXPECT_EQ(std::distance(std::filesystem::recursive_directory_iterator(dir.path() / "exports"),
                          std::filesystem::recursive_directory_iterator()),
            1);  // only the _sluice folder is left
}

TEST(Probe, ReportsABadDestinationAsTheFirstStep) {
  sluice::testing::FakeClock clock;
  CurlHttpClient http;
  StaticCredentialsProvider none(AwsCredentials{});
  MapEnvironment env;
  DestinationFactory factory(DestinationFactoryOptions{}, http, none, env, clock);
  DestinationCredentials aws;
  aws.type = DestinationCredentials::Type::kAwsIam;
  auto steps = ProbeDestination(factory, {"s3://Bad_Bucket/x", aws});
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_FALSE(steps[0].ok);
  EXPECT_NE(steps[0].message.find("lower-case"), std::string::npos);
  steps = ProbeDestination(factory, {"s3://good-bucket/x", aws});
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[1].name, "credentials");
  EXPECT_FALSE(steps[1].ok);
}

}  // namespace
}  // namespace sluice::cloud
