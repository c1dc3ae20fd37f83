// The fields every version record (secret, key; certificate next) starts
// with in the store, tags 1-6: the version id and the attributes. Each
// kind's own fields follow from kFirstKindField on, so records written by
// earlier releases keep their meaning.
#pragma once

#include <cstdint>
#include <string>

#include "common/record_codec.hpp"
#include "vault/types.hpp"

namespace coffer::vault {

inline constexpr uint8_t kFirstKindField = 7;

void write_version_fields(RecordWriter& w, const std::string& version, const Attributes& attributes);
void read_version_fields(const RecordReader& r, std::string& version, Attributes& attributes);

}  // namespace coffer::vault
