// Reshapes AKV secret JSON the way `az keyvault secret` prints it:
//   * "name" is added, taken from "id";
//   * attributes.nbf/exp become "notBefore"/"expires", and every timestamp
//     (created, updated, notBefore, expires, deletedDate, scheduledPurgeDate)
//     becomes an ISO-8601 UTC string "2026-11-27T19:01:34+00:00";
//   * the members az always prints are present, null when the server sent none:
//       item:    attributes, contentType, id, managed, name, tags
//       bundle:  item + kid, value
//       deleted: the above + deletedDate, recoveryId, scheduledPurgeDate
//     attributes: created, enabled, expires, notBefore, recoverableDays,
//     recoveryLevel, updated.
// Other members the server sends are kept unchanged.
#pragma once

#include <boost/json/value.hpp>

namespace coffer::cli {

enum class SecretShape { kItem, kBundle, kDeletedItem, kDeletedBundle };

boost::json::value secret_view(const boost::json::value& akv, SecretShape shape);

// secret_view over every element of an array of items.
boost::json::value secret_list_view(const boost::json::value& items, SecretShape shape);

}  // namespace coffer::cli
