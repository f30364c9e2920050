// The embedded web UI: every file of web/ is in the binary byte for byte, served with its
// Content-Type at /ui/<file> (index.html also at /), and API paths are never answered by it.
#include "api/static_files.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "api/http_server.h"
#include "api/routes.h"
#include "testing/fake_clock.h"
#include "testing/temp_dir.h"

namespace sluice::api {
namespace {

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(StaticFiles, EmbedsEveryWebFileByteForByte) {
  const std::filesystem::path web = std::filesystem::path(testing::SourceDir()) / "web";
  std::set<std::string> on_disk;
  for (const auto& e : std::filesystem::recursive_directory_iterator(web)) {
    if (e.is_regular_file()) on_disk.insert(std::filesystem::relative(e.path(), web).string());
  }
  std::set<std::string> embedded;
  for (const StaticFile& f : EmbeddedWebFiles()) {
    embedded.insert(std::string(f.path));
    // Compared as a flag: a stale embed differs in a whole file, too long to print.
    EXPECT_TRUE(f.bytes == ReadFile(web / f.path)) << "web/" << f.path << " is not embedded as is";
    EXPECT_EQ(f.content_type, ContentTypeFor(f.path));
  }
  EXPECT_EQ(embedded, on_disk);
  EXPECT_TRUE(embedded.count("index.html"));
}

TEST(StaticFiles, ContentTypeByExtension) {
  EXPECT_EQ(ContentTypeFor("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("x/y.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("style.css"), "text/css; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("logo.svg"), "image/svg+xml");
  EXPECT_EQ(ContentTypeFor("a.png"), "image/png");
  EXPECT_EQ(ContentTypeFor("README"), "application/octet-stream");
  EXPECT_EQ(ContentTypeFor(".js"), "application/octet-stream");
  EXPECT_EQ(ContentTypeFor("app.js.map"), "application/octet-stream");
}

TEST(StaticFiles, FindsOnlyPathsUnderUiAndTheRoot) {
  const StaticFile files[] = {{"index.html", "text/html", "<html>"},
                              {"app.js", "text/javascript", "x"},
                              {"views/form.js", "text/javascript", "y"}};
  ASSERT_NE(FindStaticFile(files, "/"), nullptr);
  EXPECT_EQ(FindStaticFile(files, "/")->path, "index.html");
  EXPECT_EQ(FindStaticFile(files, "/ui/index.html")->path, "index.html");
  EXPECT_EQ(FindStaticFile(files, "/ui/views/form.js")->path, "views/form.js");
  EXPECT_EQ(FindStaticFile(files, "/app.js"), nullptr);
  EXPECT_EQ(FindStaticFile(files, "/ui/"), nullptr);
  EXPECT_EQ(FindStaticFile(files, "/ui/../app.js"), nullptr);
  EXPECT_EQ(FindStaticFile(files, "/v1/project"), nullptr);
  EXPECT_EQ(StaticUrlPath(files[2]), "/ui/views/form.js");
}

// A real HttpServer with the static routes and one API route, on a free loopback port.
class StaticRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<HttpServer>(HttpServerOptions{"127.0.0.1", 0}, metrics_, clock_);
    server_->Route("GET", "/v1/project", "/v1/project", [](const ApiRequest&) {
      return Result<ApiResponse>(ApiResponse::Json(R"({"objects":[]})"));
    });
    RegisterStaticRoutes(*server_, files_);
    auto port = server_->Bind();
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    thread_ = std::thread([this] { (void)server_->Serve(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", *port);
  }
  void TearDown() override {
    server_->Stop();
    if (thread_.joinable()) thread_.join();
  }

  const StaticFile files_[3] = {{"index.html", "text/html; charset=utf-8", "<!doctype html>"},
                                {"app.js", "text/javascript; charset=utf-8", "import './x.js';"},
                                {"v1/project", "application/octet-stream", "shadow"}};
  Metrics metrics_;
  testing::FakeClock clock_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(StaticRoutes, ServesIndexAtRootAndFilesUnderUi) {
  auto root = client_->Get("/");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->status, 200);
  EXPECT_EQ(root->body, "<!doctype html>");
  EXPECT_EQ(root->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(root->get_header_value("Content-Security-Policy").find("default-src 'self'"),
            std::string::npos);
  auto js = client_->Get("/ui/app.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->body, "import './x.js';");
  EXPECT_EQ(js->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js->get_header_value("X-Content-Type-Options"), "nosniff");
}

TEST_F(StaticRoutes, NeverAnswersApiPathsOrUnknownFiles) {
  // A file named like an API path is served under /ui/ only: /v1/project stays the API's.
  auto api = client_->Get("/v1/project");
  ASSERT_TRUE(api);
  EXPECT_EQ(api->body, R"({"objects":[]})");
  auto missing = client_->Get("/ui/missing.js");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->get_header_value("Content-Type"), "application/json");
  auto no_prefix = client_->Get("/app.js");
  ASSERT_TRUE(no_prefix);
  EXPECT_EQ(no_prefix->status, 404);
  auto dot = client_->Get("/ui/appxjs");  // the '.' of the file name is not a regex wildcard
  ASSERT_TRUE(dot);
  EXPECT_EQ(dot->status, 404);
}

}  // namespace
}  // namespace sluice::api
