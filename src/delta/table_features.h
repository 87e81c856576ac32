// The protocol gate: which reader and writer versions and table features silt supports. Fails
// closed: anything not on the allow-list is refused with the feature named.
#pragma once

#include "base/status.h"
#include "delta/actions.h"
#include "delta/schema.h"

namespace silt::delta {

// The protocol silt writes for new tables.
Protocol default_protocol();

// Ok if silt can read a table with this protocol; Unsupported naming the version or feature otherwise.
Status check_readable(const Protocol& protocol);
// Ok if silt can write it (also requires it to be readable, and no column invariants to enforce).
Status check_writable(const Protocol& protocol, const Metadata& metadata, const Schema& schema);

}  // namespace silt::delta
