#include "server/server.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "server/admin.h"
#include "testing/fake_clock.h"
#include "testing/temp_dir.h"

namespace sluice::server {
namespace {

TEST(ParseListen, AcceptsHostPortAndExplainsMistakes) {
  auto hp = ParseListen("0.0.0.0:9000");
  ASSERT_TRUE(hp.ok());
  EXPECT_EQ(hp->first, "0.0.0.0");
  EXPECT_EQ(hp->second, 9000);
  EXPECT_NE(ParseListen("9000").status().message().find("host:port"), std::string::npos);
  EXPECT_NE(ParseListen("h:99999").status().message().find("0 to 65535"), std::string::npos);
  EXPECT_FALSE(ParseListen("h:").ok());
}

TEST(OpenStore, RejectsUnknownStoreSchemes) {
  testing::TempDir dir;
  auto s = OpenStore("postgres-ish://x", dir.path().string());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.status().message().find("sqlite:PATH"), std::string::npos);
}

TEST(Bootstrap, FirstStartCreatesAnAdminKeyOnceAndWritesItPrivately) {
  testing::TempDir dir;
  testing::FakeClock clock;
  auto store = std::move(OpenStore("", dir.path().string()).value());
  auto b = BootstrapIfEmpty(*store, dir.path().string(), clock);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ASSERT_TRUE(b->created);
  struct stat st;
  ASSERT_EQ(::stat(b->credentials_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream f(b->credentials_path);
  std::string text((std::istreambuf_iterator<char>(f)), {});
  EXPECT_NE(text.find("api_key=" + b->api_key), std::string::npos);
  auto key = *store->FindApiKeyByLookup(*model::KeyLookupPart(b->api_key));
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->PermissionOn(b->project_id), model::Permission::kAdmin);
  auto again = BootstrapIfEmpty(*store, dir.path().string(), clock);
  EXPECT_FALSE(again->created);
}

TEST(Admin, KeysCanOnlyBeGrantedOnProjectsOfTheOrg) {
  testing::TempDir dir;
  auto store = std::move(OpenStore("", dir.path().string()).value());
  EXPECT_EQ(ResolveOrg(*store, "").status().code(), StatusCode::kFailedPrecondition);
  auto a = *store->CreateOrg("a");
  EXPECT_EQ(*ResolveOrg(*store, ""), a.id);
  auto b = *store->CreateOrg("b");
  EXPECT_FALSE(ResolveOrg(*store, "").ok());
  auto pb = *store->CreateProject({"11111111-1111-4111-8111-111111111111", b.id, "pb", "", 0});
  KeyRequest r;
  r.org_id = a.id;
  r.name = "x";
  r.project_ids = {pb.id};
  EXPECT_EQ(CreateKey(*store, r, 0).status().code(), StatusCode::kNotFound);
  r.org_id = b.id;
  auto m = CreateKey(*store, r, 0);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->key.PermissionOn(pb.id), model::Permission::kRead);
}

}  // namespace
}  // namespace sluice::server
