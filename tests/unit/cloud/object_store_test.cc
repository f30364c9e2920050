// LocalObjectStore, the multipart splitting logic, destination URLs and the XML reader.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "cloud/local/local_object_store.h"
#include "cloud/s3/multipart_upload.h"
#include "cloud/storage_url.h"
#include "cloud/xml/xml_reader.h"
#include "testing/temp_dir.h"

namespace sluice::cloud {
namespace {

namespace fs = std::filesystem;

size_t FilesUnder(const fs::path& root) {
  size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(root)) n += e.is_regular_file();
  return n;
}

TEST(LocalObjectStore, PutGetHeadListDelete) {
  sluice::testing::TempDir dir;
  LocalObjectStore store(dir.path() / "root");
  ASSERT_TRUE(store.Put("p/2026-11-28/export_002.jsonl", "two").ok());
  ASSERT_TRUE(store.Put("p/2026-11-28/export_001.jsonl", "one!").ok());
  ASSERT_TRUE(store.Put("q/other", "x").ok());
  EXPECT_EQ(*store.Get("p/2026-11-28/export_001.jsonl"), "one!");
  EXPECT_EQ(store.Head("p/2026-11-28/export_001.jsonl")->size_bytes, 4);
  auto page = store.List("p/", "", 1);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].key, "p/2026-11-28/export_001.jsonl");
  auto all = store.ListAll("p/");
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1].key, "p/2026-11-28/export_002.jsonl");
  ASSERT_TRUE(store.Delete("p/2026-11-28/export_001.jsonl").ok());
  EXPECT_EQ(store.Get("p/2026-11-28/export_001.jsonl").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store.Delete("p/never-existed").ok());
  EXPECT_EQ(store.Describe("a/b"), "file://" + (dir.path() / "root" / "a/b").string());
}

TEST(LocalObjectStore, AnUnfinishedWriteIsNeverVisible) {
  sluice::testing::TempDir dir;
  LocalObjectStore store(dir.path());
  ASSERT_TRUE(store.Put("k", "old").ok());
  auto w = store.NewWriter("k");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write("new ").ok());
  ASSERT_TRUE((*w)->Write("content").ok());
  // Readers still see the old object and listings skip the temporary file.
  EXPECT_EQ(*store.Get("k"), "old");
  EXPECT_EQ(store.ListAll("")->size(), 1u);
  ASSERT_TRUE((*w)->Finish().ok());
  EXPECT_EQ(*store.Get("k"), "new content");
  EXPECT_EQ(FilesUnder(dir.path()), 1u);
}

// Files are written with direct I/O in whole blocks plus a buffered tail, or buffered where the
// file system has no direct I/O (tmpfs): either way the bytes on disk are exactly those written,
// whatever the sizes of the writes and of the file.
TEST(LocalObjectStore, WritesEveryByteWhateverTheSizesAndTheFileSystem) {
  sluice::testing::TempDir dir;
  std::vector<fs::path> roots = {dir.path() / "disk"};
  const fs::path shm = fs::path("/dev/shm") / ("sluice-test-" + dir.path().filename().string());
  if (fs::is_directory("/dev/shm")) roots.push_back(shm);
  const size_t kSizes[] = {0, 1, 4095, 4096, 4097, 1u << 20, (1u << 20) + 1, (3u << 20) + 12345};
  for (const fs::path& root : roots) {
    LocalObjectStore store(root);
    for (size_t size : kSizes) {
      std::string content(size, '\0');
      for (size_t i = 0; i < size; ++i)
        content[i] = static_cast<char>('A' + (i * 7 + i / 4096) % 26);
      auto w = store.NewWriter("f/" + std::to_string(size));
      ASSERT_TRUE(w.ok()) << w.status().ToString();
      size_t at = 0, step = 1;
      while (at < size) {  // uneven writes: 1, 3, 9, … bytes, capped at 700 KiB
        const size_t n = std::min(size - at, step);
        ASSERT_TRUE((*w)->Write(std::string_view(content).substr(at, n)).ok());
        at += n;
        step = std::min<size_t>(step * 3, 700u << 10);
      }
      auto info = (*w)->Finish();
      ASSERT_TRUE(info.ok()) << info.status().ToString();
      EXPECT_EQ(info->size_bytes, static_cast<int64_t>(size));
      std::ifstream in(root / "f" / std::to_string(size), std::ios::binary);
      std::string on_disk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      EXPECT_EQ(on_disk.size(), size) << root;
      EXPECT_TRUE(on_disk == content) << root << " size " << size;
    }
    EXPECT_EQ(FilesUnder(root), std::size(kSizes));
  }
  std::error_code ec;
  fs::remove_all(shm, ec);
}

TEST(LocalObjectStore, AbortAndDestructionLeaveNothingBehind) {
  sluice::testing::TempDir dir;
  LocalObjectStore store(dir.path());
  {
    auto w = store.NewWriter("a/aborted");
    ASSERT_TRUE((*w)->Write("x").ok());
    ASSERT_TRUE((*w)->Abort().ok());
    EXPECT_FALSE((*w)->Write("y").ok());
    auto dropped = store.NewWriter("a/dropped");
    ASSERT_TRUE((*dropped)->Write("x").ok());
  }
  EXPECT_EQ(FilesUnder(dir.path()), 0u);
  EXPECT_EQ(store.Get("a/aborted").status().code(), StatusCode::kNotFound);
}

TEST(LocalObjectStore, RejectsKeysThatEscapeTheRoot) {
  sluice::testing::TempDir dir;
  LocalObjectStore store(dir.path());
  for (const char* key : {"", "../x", "a/../../x", "a//b", "./a", "a/"}) {
    EXPECT_EQ(store.Put(key, "x").code(), StatusCode::kInvalidArgument) << key;
  }
}

// Records the calls of a multipart upload.
class FakeTarget final : public MultipartTarget {
 public:
  Status PutObject(const std::string&, std::string_view bytes) override {
    puts.push_back(bytes.size());
    return Status();
  }
  Result<std::string> CreateMultipartUpload(const std::string&) override {
    ++creates;
    return std::string("U");
  }
  Result<std::string> UploadPart(const std::string&, const std::string&, int n,
                                 std::string_view bytes) override {
    if (n == fail_part) return PermissionDeniedError("denied");
    parts.push_back(bytes.size());
    return "e" + std::to_string(n);
  }
  Result<ObjectInfo> CompleteMultipartUpload(const std::string& key, const std::string&,
                                             const std::vector<CompletedPart>& p) override {
    completed = static_cast<int>(p.size());
    return ObjectInfo{key, 0, "etag", 0};
  }
  Status AbortMultipartUpload(const std::string&, const std::string&) override {
    ++aborts;
    return Status();
  }
  std::vector<size_t> puts, parts;
  int creates = 0, completed = 0, aborts = 0, fail_part = 0;
};

constexpr int64_t kMiB = 1024 * 1024;

TEST(MultipartWriter, StaysASinglePutBelowTheThreshold) {
  FakeTarget t;
  MultipartWriter w(t, "k", {16 * kMiB, 8 * kMiB});
  ASSERT_TRUE(w.Write(std::string(10 * kMiB, 'a')).ok());
  ASSERT_TRUE(w.Write(std::string(6 * kMiB, 'a')).ok());
  auto info = w.Finish();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->size_bytes, 16 * kMiB);
  EXPECT_EQ(t.puts, std::vector<size_t>{static_cast<size_t>(16 * kMiB)});
  EXPECT_EQ(t.creates, 0);
}

TEST(MultipartWriter, SplitsIntoFullPartsAndASmallerLastPart) {
  FakeTarget t;
  MultipartWriter w(t, "k", {16 * kMiB, 8 * kMiB});
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(w.Write(std::string(kMiB, 'a')).ok());
  EXPECT_EQ(w.parts_uploaded(), 2);
  ASSERT_TRUE(w.Finish().ok());
  const size_t p = 8 * kMiB;
  EXPECT_EQ(t.parts, (std::vector<size_t>{p, p, 4 * kMiB}));
  EXPECT_EQ(t.completed, 3);
  EXPECT_EQ(t.aborts, 0);
}

TEST(MultipartWriter, ClampsPartSizeToTheS3Minimum) {
  FakeTarget t;
  MultipartWriter w(t, "k", {0, 1024});
  ASSERT_TRUE(w.Write(std::string(11 * kMiB, 'a')).ok());
  ASSERT_TRUE(w.Finish().ok());
  EXPECT_EQ(t.parts, (std::vector<size_t>{5 * kMiB, 5 * kMiB, kMiB}));
}

TEST(MultipartWriter, AFailedPartAbortsAndLaterCallsFail) {
  FakeTarget t;
  t.fail_part = 2;
  MultipartWriter w(t, "k", {5 * kMiB, 5 * kMiB});
  const Status s = w.Write(std::string(12 * kMiB, 'a'));
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(s.message().find("UploadPart 2 of k"), std::string::npos) << s.message();
  EXPECT_EQ(t.aborts, 1);
  EXPECT_FALSE(w.Finish().ok());
  EXPECT_EQ(t.completed, 0);
}

TEST(MultipartWriter, DestroyingAnUnfinishedUploadAbortsIt) {
  FakeTarget t;
  {
    MultipartWriter w(t, "k", {5 * kMiB, 5 * kMiB});
    ASSERT_TRUE(w.Write(std::string(6 * kMiB, 'a')).ok());
  }
  EXPECT_EQ(t.aborts, 1);
}

TEST(MultipartWriter, PartArithmetic) {
  MultipartOptions tiny, huge;
  tiny.part_size_bytes = 1;
  huge.part_size_bytes = kMaxPartSizeBytes * 2;
  EXPECT_EQ(EffectivePartSize(tiny), kMinPartSizeBytes);
  EXPECT_EQ(EffectivePartSize(huge), kMaxPartSizeBytes);
  EXPECT_EQ(PartCount(64 * kMiB, 8 * kMiB), 8);
  EXPECT_EQ(PartCount(64 * kMiB + 1, 8 * kMiB), 9);
  EXPECT_EQ(PartCount(0, 8 * kMiB), 1);
  // The largest object at the minimum part size.
  EXPECT_EQ(PartCount(kMinPartSizeBytes * kMaxMultipartParts, kMinPartSizeBytes),
            kMaxMultipartParts);
}

TEST(StorageUrl, ParsesS3AndFileDestinations) {
  auto s3 = ParseStorageUrl("s3://my-bucket/exports/logs/");
  ASSERT_TRUE(s3.ok());
  EXPECT_EQ(s3->bucket, "my-bucket");
  EXPECT_EQ(s3->path, "exports/logs");
  EXPECT_EQ(s3->Join("a.jsonl"), "exports/logs/a.jsonl");
  EXPECT_EQ(s3->ToString(), "s3://my-bucket/exports/logs");
  auto bare = ParseStorageUrl("s3://my.bucket");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->Join("a"), "a");
  auto file = ParseStorageUrl("file:///var/lib/sluice/");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->scheme, StorageUrl::Scheme::kFile);
  EXPECT_EQ(file->path, "/var/lib/sluice");
}

TEST(StorageUrl, ExplainsBadDestinations) {
  auto msg = [](const char* url) { return ParseStorageUrl(url).status().message(); };
  EXPECT_NE(msg("s3://ab/x").find("3 to 63"), std::string::npos);
  EXPECT_NE(msg("s3://My_Bucket/x").find("lower-case"), std::string::npos);
  EXPECT_NE(msg("s3://-bucket/x").find("begin and end"), std::string::npos);
  EXPECT_NE(msg("s3://a..b/x").find(".."), std::string::npos);
  EXPECT_NE(msg("s3://192.168.1.1/x").find("IP address"), std::string::npos);
  EXPECT_NE(msg("s3:///x").find("no bucket"), std::string::npos);
  EXPECT_NE(msg("file://relative/dir").find("absolute"), std::string::npos);
  EXPECT_NE(msg("ftp://bucket/x").find("unsupported"), std::string::npos);
  EXPECT_NE(msg("s3://bucket/a//b").find("empty path segment"), std::string::npos);
}

TEST(StorageUrl, DeniedMessagesNameThePrefixArnToGrant) {
  auto url = ParseStorageUrl("s3://bkt/team/logs");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_EQ(PrefixObjectsArn(*url), "arn:aws:s3:::bkt/team/logs/*");
  EXPECT_EQ(PrefixObjectsArn(*ParseStorageUrl("s3://bkt")), "arn:aws:s3:::bkt/*");
  EXPECT_EQ(DeniedMessage("PutObject denied on s3://bkt/team/logs/x", StorageAction::kWrite, *url,
                          "", "AccessDenied"),
            "PutObject denied on s3://bkt/team/logs/x: the role policy needs s3:PutObject on "
            "arn:aws:s3:::bkt/team/logs/* [AccessDenied]");
}

TEST(XmlReader, ParsesEntitiesCdataAttributesAndNamespaces) {
  auto doc = ParseXml(
      "<?xml version=\"1.0\"?>\n<!-- c --><s:Root xmlns:s=\"urn:x\" a='1'><Key>a&lt;b&#x41;&#66;"
      "</Key><Empty/><Data><![CDATA[<raw>&]]></Data><Key>second</Key></s:Root>");
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  EXPECT_EQ(doc->name, "Root");
  EXPECT_EQ(doc->attributes.size(), 2u);
  EXPECT_EQ(doc->ChildText("Key"), "a<bAB");
  EXPECT_EQ(doc->Children("Key").size(), 2u);
  EXPECT_EQ(doc->ChildText("Data"), "<raw>&");
  EXPECT_NE(doc->Child("Empty"), nullptr);
  EXPECT_EQ(doc->Find("Missing/Key"), nullptr);
}

TEST(XmlReader, RejectsMalformedDocuments) {
  for (const char* bad :
       {"", "<a>", "<a></b>", "<a>&bogus;</a>", "<a x=1/>", "<a/><b/>", "<a><![CDATA[x</a>"}) {
    auto r = ParseXml(bad);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(XmlEscape("<a&\"'>"), "&lt;a&amp;&quot;&apos;&gt;");
}

}  // namespace
}  // namespace sluice::cloud
