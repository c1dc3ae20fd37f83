// sole_leadership(): the Leadership of a server that owns its store alone.
#include "store/store.hpp"

namespace coffer::store {
namespace {

class SoleLeadership final : public Leadership {
 public:
  explicit SoleLeadership(Store& store) : store_(store) {}
  bool lead() override { return true; }
  Store& fenced() override { return store_; }
  std::uint64_t epoch() const override { return 1; }

 private:
  Store& store_;
};

}  // namespace

std::unique_ptr<Leadership> sole_leadership(Store& store) { return std::make_unique<SoleLeadership>(store); }

}  // namespace coffer::store
