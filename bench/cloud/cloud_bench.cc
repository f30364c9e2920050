// Cloud benchmarks: SigV4 signatures per second, and upload throughput (single PutObject and
// multipart) to the local store and to moto, with boto3 uploading the same bytes to the same
// moto as the peer. Prints figures; never fails.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "bench/format/measure.h"
#include "cloud/aws/sigv4_signer.h"
#include "cloud/aws/sts_client.h"
#include "cloud/http/curl_http_client.h"
#include "cloud/local/local_object_store.h"
#include "cloud/s3/s3_client.h"
#include "moto_server.h"

namespace sluice::cloud {
namespace {

constexpr int64_t kMiB = 1024 * 1024;

void BenchSigning() {
  SigV4Signer signer(SigV4Options{});
  const AwsCredentials creds{"AKIDEXAMPLE", "secret", "token", 0};
  const int n = 100'000;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    SigningRequest req;
    req.method = "PUT";
    req.path = "/bucket/prefix/2026-11-28/export_" + std::to_string(i) + ".jsonl";
    req.headers = {{"Host", "bucket.s3.us-east-1.amazonaws.com"}};
    req.payload_hash = kUnsignedPayload;
    signer.SignHeaders(req, creds, 1'700'000'000'000'000LL);
  }
  std::printf("sigv4 header signing: %.0f signatures/s (%d signed)\n", n / bench::Seconds(start),
              n);
}

void Report(const char* what, int64_t bytes, double secs) {
  std::printf("%-44s %7.1f MB/s (%lld MiB in %.2f s)\n", what, bytes / secs / 1e6,
              static_cast<long long>(bytes / kMiB), secs);
}

double TimedPut(ObjectStore& store, const std::string& key, const std::string& data,
                bool streamed) {
  const auto start = std::chrono::steady_clock::now();
  Status s;
  if (streamed) {
    auto w = store.NewWriter(key);
    for (size_t off = 0; w.ok() && off < data.size() && s.ok(); off += kMiB) {
      s = (*w)->Write(std::string_view(data).substr(off, kMiB));
    }
    if (s.ok()) s = w.ok() ? (*w)->Finish().status() : w.status();
  } else {
    s = store.Put(key, data);
  }
  if (!s.ok()) std::printf("  upload failed: %s\n", s.ToString().c_str());
  return bench::Seconds(start);
}

void BenchLocal(const std::string& data) {
  char tmpl[] = "/tmp/sluice-bench-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  LocalObjectStore store(dir);
  Report("local store, single put", data.size(), TimedPut(store, "a/put.bin", data, false));
  Report("local store, streamed writer (1 MiB chunks)", data.size(),
         TimedPut(store, "a/stream.bin", data, true));
  std::filesystem::remove_all(dir);
}

double Boto3Seconds(const std::string& endpoint, const AwsCredentials& c, int64_t bytes,
                    bool multipart) {
  const std::string code =
      "import boto3,time; from boto3.s3.transfer import TransferConfig; import io;"
      "s=boto3.client('s3',endpoint_url='" +
      endpoint +
      "',region_name='us-east-1',"
      "aws_access_key_id='" +
      c.access_key_id + "',aws_secret_access_key='" + c.secret_access_key +
      "',aws_session_token='" + c.session_token +
      "');"
      "d=b'x'*" +
      std::to_string(bytes) + ";t=time.time();" +
      (multipart ? "s.upload_fileobj(io.BytesIO(d),'sluice-bench','allowed/boto3-mp',"
                   "Config=TransferConfig(multipart_threshold=8*2**20,multipart_chunksize=8*2**20,"
                   "max_concurrency=1));"
                 : "s.put_object(Bucket='sluice-bench',Key='allowed/boto3-put',Body=d);") +
      "print(time.time()-t)";
  auto out = testing::RunCommand("python3 -c \"" + code + "\"");
  return out.ok() ? std::stod(*out) : -1;
}

void BenchMoto(const std::string& data) {
  testing::MotoServer moto;
  Status s = moto.Start("sluice-bench", "bench");
  if (!s.ok()) {
    std::printf("moto: not available (%s)\n", s.ToString().c_str());
    return;
  }
  CurlHttpClient http;
  StsClient sts(StsOptions{"us-east-1", moto.endpoint(), {}}, http, RealClock());
  const auto& id = moto.identity();
  auto creds = sts.AssumeRole({id.role_arn, "bench", "bench", 3600},
                              {id.access_key_id, id.secret_access_key, "", 0});
  if (!creds.ok()) {
    std::printf("moto: AssumeRole failed (%s)\n", creds.status().ToString().c_str());
    return;
  }
  StaticCredentialsProvider provider(*creds);
  S3ClientOptions o;
  o.endpoint = moto.endpoint();
  o.path_style = true;
  o.multipart.threshold_bytes = static_cast<int64_t>(data.size()) + 1;  // single put
  S3Client single("sluice-bench", o, http, provider, RealClock());
  const double put_s = TimedPut(single, "allowed/put.bin", data, false);
  Report("moto, sluice single PutObject", data.size(), put_s);
  o.multipart = MultipartOptions{8 * kMiB, 8 * kMiB};
  S3Client multi("sluice-bench", o, http, provider, RealClock());
  const double mp_s = TimedPut(multi, "allowed/mp.bin", data, true);
  Report("moto, sluice multipart (8 MiB parts)", data.size(), mp_s);
  const double boto_put = Boto3Seconds(moto.endpoint(), *creds, data.size(), false);
  const double boto_mp = Boto3Seconds(moto.endpoint(), *creds, data.size(), true);
  if (boto_put > 0 && boto_mp > 0) {
    Report("moto, boto3 put_object (peer)", data.size(), boto_put);
    Report("moto, boto3 multipart 8 MiB, 1 thread (peer)", data.size(), boto_mp);
    std::printf("sluice/boto3 throughput ratio: single %.2f, multipart %.2f\n", boto_put / put_s,
                boto_mp / mp_s);
  }
}

}  // namespace
}  // namespace sluice::cloud

int main() {
  using namespace sluice::cloud;
  BenchSigning();
  std::string data(64 * kMiB, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 2654435761u) >> 13);
  BenchLocal(data);
  BenchMoto(data);
  return 0;
}
