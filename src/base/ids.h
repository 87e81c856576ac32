// Random identifiers: UUID v4 text for table ids, data file names and transaction ids.
#pragma once

#include <string>

namespace silt {

std::string new_uuid();  // thread-safe; "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"

}  // namespace silt
