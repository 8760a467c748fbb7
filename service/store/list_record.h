// ListRecord: one version of an external suppression list as the store
// keeps it: its description, not its entries.
#ifndef CONSENTD_SERVICE_STORE_LIST_RECORD_H_
#define CONSENTD_SERVICE_STORE_LIST_RECORD_H_

#include <cstdint>
#include <string>
#include <vector>

namespace consentd::store {

struct ListRecord {
  // Assigned by the store when the list is staged.
  int64_t list_id = 0;
  std::string name;
  // The publisher's version label.
  std::string version;
  // Policy purpose and channel names the list applies to; empty = every.
  std::vector<std::string> purposes;
  std::vector<std::string> channels;
  // Distinct entries held, and entries of the import that were rejected.
  int64_t entries = 0;
  int64_t rejected_entries = 0;
  // Microseconds since the Unix epoch.
  int64_t imported_us = 0;
};

}  // namespace consentd::store

#endif  // CONSENTD_SERVICE_STORE_LIST_RECORD_H_
