// ProviderService's raw Mount: the request is parsed and the answer
// serialized by the provider itself (into a buffer it wipes when gRPC lets
// it go); bytes that are not a MountRequest are refused with INTERNAL, and
// a request the handler refuses is answered with its error code; the received
// bytes are wiped before gRPC lets them go.
#include "csi/provider_service.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "csi/coffer_client.hpp"
#include "csi/mount_errors.hpp"
#include "csi/token_source.hpp"

namespace coffer::csi {
namespace {

grpc::ByteBuffer bytes_of(const std::string& raw) {
  grpc::Slice slice(raw);
  return grpc::ByteBuffer(&slice, 1);
}

v1alpha1::MountResponse parse_answer(grpc::ByteBuffer& answer) {
  v1alpha1::MountResponse out;
  EXPECT_TRUE(grpc::SerializationTraits<v1alpha1::MountResponse>::Deserialize(&answer, &out).ok());
  return out;
}

TEST(ProviderService, SerializedAnswersRoundTrip) {
  v1alpha1::MountResponse answer;
  for (int i = 0; i < 3; ++i) {
    v1alpha1::File* f = answer.add_files();
    f->set_path("file-" + std::to_string(i));
    f->set_mode(0640);
    f->set_contents(std::string(5000 * i, static_cast<char>('a' + i)));
  }
  v1alpha1::ObjectVersion* v = answer.add_object_version();
  v->set_id("secret/db");
  v->set_version("1");
  grpc::ByteBuffer bytes = serialize_wiped(answer);
  EXPECT_EQ(bytes.Length(), answer.ByteSizeLong());
  const v1alpha1::MountResponse back = parse_answer(bytes);
  ASSERT_EQ(back.files_size(), 3);
  EXPECT_EQ(back.files(2).contents(), std::string(10000, 'c'));
  EXPECT_EQ(back.files(1).mode(), 0640);
  EXPECT_EQ(back.object_version(0).id(), "secret/db");
  v1alpha1::MountResponse empty;
  grpc::ByteBuffer none = serialize_wiped(empty);
  EXPECT_EQ(none.Length(), 0u);
}

class ProviderServiceMount : public ::testing::Test {
 protected:
  Metrics metrics_{"coffer"};
  CofferClient client_;
  TokenSource tokens_{client_};
  MountHandler handler_{MountSettings{}, client_, tokens_, metrics_};
  ProviderService service_{handler_, metrics_, 4 << 20};
};

TEST_F(ProviderServiceMount, BytesThatAreNotARequestAreRefused) {
  grpc::ByteBuffer request = bytes_of(std::string("\xff\xff\xff\xff garbage", 13));
  grpc::ByteBuffer answer;
  EXPECT_EQ(service_.mount(request, answer).error_code(), grpc::StatusCode::INTERNAL);
}

TEST_F(ProviderServiceMount, ARefusedMountIsAnsweredWithItsErrorCode) {
  v1alpha1::MountRequest request;
  request.set_attributes("not json");
  request.set_secrets(R"({"clientid":"app","clientsecret":"s3cret"})");
  request.set_permission("420");
  grpc::ByteBuffer bytes = bytes_of(request.SerializeAsString());
  grpc::ByteBuffer answer;
  ASSERT_TRUE(service_.mount(bytes, answer).ok());
  const v1alpha1::MountResponse back = parse_answer(answer);
  EXPECT_EQ(back.error().code(), errors::kInvalidRequest);
  EXPECT_EQ(back.files_size(), 0);
  EXPECT_EQ(back.object_version_size(), 0);
}

// The received bytes in slices of the test's own, whose release records whether they were wiped.
struct ReleasedSlices {
  static inline int released = 0, wiped = 0;
  static void release(void* p, std::size_t n) {
    const auto* bytes = static_cast<const unsigned char*>(p);
    ++released;
    if (std::all_of(bytes, bytes + n, [](unsigned char b) { return b == 0; })) ++wiped;
    ::operator delete(p);
  }
  // `raw` cut into `pieces` slices (several slices: a request gRPC received in several reads).
  static grpc::ByteBuffer of(const std::string& raw, std::size_t pieces) {
    released = wiped = 0;
    std::vector<grpc::Slice> slices;
    const std::size_t step = (raw.size() + pieces - 1) / pieces;
    for (std::size_t at = 0; at < raw.size(); at += step) {
      const std::size_t n = std::min(step, raw.size() - at);
      void* copy = ::operator new(n);
      std::memcpy(copy, raw.data() + at, n);
      slices.emplace_back(copy, n, &ReleasedSlices::release);
    }
    return grpc::ByteBuffer(slices.data(), slices.size());
  }
};

TEST_F(ProviderServiceMount, TheReceivedBytesAreWipedBeforeGrpcFreesThem) {
  v1alpha1::MountRequest request;
  request.set_attributes(R"({"keyvaultName":"v","tenantId":"t","objects":"not yaml: ["})");
  request.set_secrets(R"({"clientid":"app","clientsecret":"s3cret-that-must-not-stay-in-memory"})");
  request.set_permission("420");
  {
    grpc::ByteBuffer bytes = ReleasedSlices::of(request.SerializeAsString(), 3);
    grpc::ByteBuffer answer;
    ASSERT_TRUE(service_.mount(bytes, answer).ok());
    EXPECT_TRUE(parse_answer(answer).has_error());
  }
  EXPECT_EQ(ReleasedSlices::released, 3);
  EXPECT_EQ(ReleasedSlices::wiped, 3) << "every slice of a parsed request is zero when released";
  {
    grpc::ByteBuffer bytes = ReleasedSlices::of(std::string("\xff\xff\xff\xff clientsecret=s3cret", 24), 2);
    grpc::ByteBuffer answer;
    EXPECT_EQ(service_.mount(bytes, answer).error_code(), grpc::StatusCode::INTERNAL);
  }
  EXPECT_EQ(ReleasedSlices::released, 2);
  EXPECT_EQ(ReleasedSlices::wiped, 2) << "and of bytes that were not a request";
}

}  // namespace
}  // namespace coffer::csi
