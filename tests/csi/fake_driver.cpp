// csi_fake_driver: plays the Secrets Store CSI Driver against a provider
// socket, for the integration tests (tests/integration/test_csi_provider.py).
// It dials unix:<socket> with insecure credentials and :authority
// "localhost" as the driver does (PROVIDER-SPEC §2.2) and:
//   version                 → prints {"version","runtime_name","runtime_version"}
//   health                  → prints {"status": <grpc.health.v1 ServingStatus number>}
//   mount < request.json    → prints the MountResponse as JSON
// request.json: {"attributes": {..} | "raw text", "secrets": null | {..} | "raw text",
//                "permission": "420", "current_object_version": [{"id","version"}],
//                "parallel": N (same request N times at once; all answers must match),
//                "repeat": R (each of the N callers mounts R times in a row; the output
//                adds mounts and mounts_per_second: bench/csi.sh uses it)}
// With --write-dir DIR the answer goes through the driver's checks and its
// atomic writer (§2.4.3-4) into DIR; with --tls-secret PATH the file PATH is
// turned into a kubernetes.io/tls Secret's tls.crt / tls.key as the driver's
// secret sync does (§3.4). Both results are added to the JSON output.
// This deliberately re-implements the driver's rules instead of calling the
// provider's own checks.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <boost/json.hpp>

#include "health.grpc.pb.h"
#include "provider.grpc.pb.h"

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

std::string b64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string as_field(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  return json::serialize(v);
}

// The driver's path rules (secrets-store-csi-driver pkg/util/fileutil).
std::string path_problem(const std::string& p) {
  if (p.empty()) return "empty";
  if (p.size() > 4096) return "too long";
  if (p.front() == '/') return "absolute";
  if (p.rfind("..", 0) == 0) return "starts with ..";
  std::stringstream ss(p);
  std::string part;
  std::vector<std::string> parts;
  while (std::getline(ss, part, '/')) parts.push_back(part);
  for (const auto& c : parts) {
    if (c.size() > 255) return "component too long";
    if (c == "..") return "has a .. component";
  }
  if (fs::path(p).lexically_normal().string() != p) return "not clean";
  return "";
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The atomic writer of Secret/ConfigMap volumes, as the driver uses it.
json::object atomic_write(const fs::path& dir, const v1alpha1::MountResponse& resp) {
  json::object out;
  std::map<std::string, std::pair<int, std::string>> payload;
  for (const auto& f : resp.files()) {
    if (auto why = path_problem(f.path()); !why.empty()) {
      out["error"] = "FileWriteError: " + f.path() + ": " + why;
      return out;
    }
    payload[f.path()] = {f.mode(), f.contents()};  // last one wins
  }
  fs::create_directories(dir);
  const fs::path data_link = dir / "..data";
  // Unchanged content and nothing removed: no write.
  if (fs::exists(data_link)) {
    bool same = true;
    std::set<std::string> old_files;
    for (auto& e : fs::recursive_directory_iterator(fs::canonical(data_link))) {
      if (e.is_regular_file()) old_files.insert(fs::relative(e.path(), fs::canonical(data_link)).string());
    }
    for (const auto& [p, mc] : payload) {
      if (!old_files.count(p) || read_file(fs::canonical(data_link) / p) != mc.second) same = false;
      old_files.erase(p);
    }
    if (same && old_files.empty()) {
      out["written"] = false;
      return out;
    }
  }
  char stamp[64];
  const std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "..%Y_%m_%d_%H_%M_%S.", std::gmtime(&now));
  std::random_device rd;
  const std::string ts_name = stamp + std::to_string(rd());
  const fs::path ts_dir = dir / ts_name;
  fs::create_directory(ts_dir);
  chmod(ts_dir.c_str(), 0755);
  for (const auto& [p, mc] : payload) {
    const fs::path target = ts_dir / p;
    fs::create_directories(target.parent_path());
    std::ofstream(target, std::ios::binary) << mc.second;
    chmod(target.c_str(), static_cast<mode_t>(mc.first));
  }
  std::string old_ts;
  if (fs::is_symlink(data_link)) old_ts = fs::read_symlink(data_link).string();
  const fs::path tmp_link = dir / "..data_tmp";
  fs::remove(tmp_link);
  fs::create_symlink(ts_name, tmp_link);
  fs::rename(tmp_link, data_link);
  std::set<std::string> top;
  for (const auto& [p, mc] : payload) top.insert(p.substr(0, p.find('/')));
  for (auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("..", 0) == 0) continue;
    if (!top.count(name)) fs::remove_all(e.path());
  }
  for (const auto& name : top) {
    const fs::path link = dir / name;
    if (fs::is_symlink(link)) continue;
    if (fs::exists(link)) fs::remove_all(link);
    fs::create_symlink(fs::path("..data") / name, link);
  }
  if (!old_ts.empty() && old_ts != ts_name) fs::remove_all(dir / old_ts);
  out["written"] = true;
  return out;
}

std::string pem_of(int (*write)(BIO*, void*), void* obj) {
  BIO* bio = BIO_new(BIO_s_mem());
  write(bio, obj);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

int write_cert(BIO* b, void* x) { return PEM_write_bio_X509(b, static_cast<X509*>(x)); }
int write_traditional_key(BIO* b, void* k) {
  return PEM_write_bio_PrivateKey_traditional(b, static_cast<EVP_PKEY*>(k), nullptr, nullptr, 0, nullptr, nullptr);
}

// The driver's kubernetes.io/tls extraction: tls.crt = every certificate,
// tls.key = the key as PKCS#1 / SEC1 (from PEM blocks or a binary PKCS#12).
json::object tls_secret(const std::string& content) {
  json::object out;
  std::string certs;
  EVP_PKEY* key = nullptr;
  if (content.find("-----BEGIN") != std::string::npos) {
    BIO* bio = BIO_new_mem_buf(content.data(), static_cast<int>(content.size()));
    char *name = nullptr, *header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    while (PEM_read_bio(bio, &name, &header, &data, &len) == 1) {
      const unsigned char* p = data;
      if (std::string(name) == "CERTIFICATE") {
        X509* x = d2i_X509(nullptr, &p, len);
        if (x) certs += pem_of(write_cert, x);
        X509_free(x);
      } else {
        EVP_PKEY* k = d2i_AutoPrivateKey(nullptr, &p, len);
        if (k) {
          EVP_PKEY_free(key);
          key = k;  // the last key block wins
        }
      }
      OPENSSL_free(name);
      OPENSSL_free(header);
      OPENSSL_free(data);
    }
    BIO_free(bio);
  } else {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(content.data());
    PKCS12* p12 = d2i_PKCS12(nullptr, &p, static_cast<long>(content.size()));
    X509* leaf = nullptr;
    STACK_OF(X509)* ca = nullptr;
    if (p12 && PKCS12_parse(p12, "", &key, &leaf, &ca) == 1) {
      if (leaf) certs += pem_of(write_cert, leaf);
      for (int i = 0; ca && i < sk_X509_num(ca); ++i) certs += pem_of(write_cert, sk_X509_value(ca, i));
    }
    X509_free(leaf);
    sk_X509_pop_free(ca, X509_free);
    PKCS12_free(p12);
  }
  if (certs.empty() || !key) {
    out["error"] = "no certificate or no key for a kubernetes.io/tls Secret";
  } else {
    out["tls.crt"] = certs;
    out["tls.key"] = pem_of(write_traditional_key, key);
  }
  EVP_PKEY_free(key);
  return out;
}

json::object to_json(const v1alpha1::MountResponse& r) {
  json::object out;
  out["error"] = r.has_error() ? r.error().code() : "";
  json::array versions, files;
  for (const auto& v : r.object_version()) versions.push_back(json::object{{"id", v.id()}, {"version", v.version()}});
  for (const auto& f : r.files()) {
    files.push_back(json::object{{"path", f.path()}, {"mode", f.mode()}, {"contents_b64", b64(f.contents())}});
  }
  out["object_version"] = std::move(versions);
  out["files"] = std::move(files);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string socket, command, write_dir, tls_path;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--socket" && i + 1 < argc)
      socket = argv[++i];
    else if (a == "--write-dir" && i + 1 < argc)
      write_dir = argv[++i];
    else if (a == "--tls-secret" && i + 1 < argc)
      tls_path = argv[++i];
    else
      command = a;
  }
  if (socket.empty() || (command != "version" && command != "health" && command != "mount")) {
    std::cerr << "usage: csi_fake_driver --socket PATH version|health|mount [--write-dir DIR] [--tls-secret PATH]\n";
    return 2;
  }
  grpc::ChannelArguments args;
  args.SetString(GRPC_ARG_DEFAULT_AUTHORITY, "localhost");
  args.SetMaxReceiveMessageSize(4 * 1024 * 1024);  // the driver's default --max-call-recv-msg-size
  auto channel = grpc::CreateCustomChannel("unix:" + socket, grpc::InsecureChannelCredentials(), args);
  auto stub = v1alpha1::CSIDriverProvider::NewStub(channel);
  const auto deadline = [] { return std::chrono::system_clock::now() + std::chrono::seconds(60); };

  if (command == "health") {
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline());
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    grpc::Status st = grpc::health::v1::Health::NewStub(channel)->Check(&ctx, req, &resp);
    if (!st.ok()) {
      std::cout << json::serialize(
          json::object{{"grpc_error", st.error_message()}, {"grpc_code", int(st.error_code())}});
      return 1;
    }
    std::cout << json::serialize(json::object{{"status", int(resp.status())}});
    return 0;
  }
  if (command == "version") {
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline());
    v1alpha1::VersionRequest req;
    req.set_version("v1alpha1");
    v1alpha1::VersionResponse resp;
    grpc::Status st = stub->Version(&ctx, req, &resp);
    if (!st.ok()) {
      std::cout << json::serialize(
          json::object{{"grpc_error", st.error_message()}, {"grpc_code", int(st.error_code())}});
      return 1;
    }
    std::cout << json::serialize(json::object{{"version", resp.version()},
                                              {"runtime_name", resp.runtime_name()},
                                              {"runtime_version", resp.runtime_version()}});
    return 0;
  }

  std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  json::object spec = json::parse(input).as_object();
  v1alpha1::MountRequest req;
  req.set_attributes(as_field(spec.at("attributes")));
  req.set_secrets(spec.contains("secrets") ? as_field(spec.at("secrets")) : "null");
  req.set_permission(spec.contains("permission") ? std::string(spec.at("permission").as_string()) : "420");
  req.set_target_path("/var/lib/kubelet/pods/0/volumes/kubernetes.io~csi/secrets-store-inline/mount");
  if (auto* cov = spec.if_contains("current_object_version")) {
    for (const auto& v : cov->as_array()) {
      auto* ov = req.add_current_object_version();
      ov->set_id(std::string(v.at("id").as_string()));
      ov->set_version(std::string(v.at("version").as_string()));
    }
  }
  const int parallel = spec.contains("parallel") ? static_cast<int>(spec.at("parallel").to_number<int64_t>()) : 1;
  const int repeat = spec.contains("repeat") ? static_cast<int>(spec.at("repeat").to_number<int64_t>()) : 1;
  std::vector<std::future<std::pair<grpc::Status, v1alpha1::MountResponse>>> calls;
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < parallel; ++i) {
    calls.push_back(std::async(std::launch::async, [&] {
      std::pair<grpc::Status, v1alpha1::MountResponse> last;
      for (int r = 0; r < repeat; ++r) {
        grpc::ClientContext ctx;
        ctx.set_deadline(deadline());
        last.second.Clear();
        last.first = stub->Mount(&ctx, req, &last.second);
        if (!last.first.ok() || (last.second.has_error() && !last.second.error().code().empty())) break;
      }
      return last;
    }));
  }
  std::vector<std::pair<grpc::Status, v1alpha1::MountResponse>> results;
  for (auto& c : calls) results.push_back(c.get());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const auto& [st, resp] = results.front();
  if (!st.ok()) {
    std::cout << json::serialize(json::object{{"grpc_error", st.error_message()}, {"grpc_code", int(st.error_code())}});
    return 1;
  }
  json::object out = to_json(resp);
  bool identical = true;
  for (const auto& r : results) {
    identical &= r.first.ok() && json::serialize(to_json(r.second)) == json::serialize(out);
  }
  out["parallel_identical"] = identical;
  out["mounts"] = parallel * repeat;
  out["mounts_per_second"] = parallel * repeat / seconds;
  out["response_bytes"] = resp.ByteSizeLong();
  if (!write_dir.empty() && out["error"].as_string().empty()) {
    // The driver refuses a success without object versions (§2.4.1).
    if (resp.object_version_size() == 0) {
      out["write"] = json::object{{"error", "missing object versions"}};
    } else {
      out["write"] = atomic_write(write_dir, resp);
    }
  }
  if (!tls_path.empty()) {
    for (const auto& f : resp.files()) {
      if (f.path() == tls_path) out["tls"] = tls_secret(f.contents());
    }
  }
  std::cout << json::serialize(out);
  return 0;
}
