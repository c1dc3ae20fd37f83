// convert_secret(): AKV's GetSecret `outContentType` (2025-07-01+). A
// certificate-backed secret stored as PKCS#12 ("application/x-pkcs12") is
// returned as a PEM bundle ("application/x-pem-file": the PKCS#8 key when the
// policy made it exportable, then the chain leaf first); asking for the
// format it is stored in changes nothing. Only PFX→PEM exists, as in AKV:
// PEM→PFX is kBadParameter. A secret that no certificate manages is not
// certificate content and is returned as it is. The converted value is a
// SecureString like the original; the intermediate PFX bytes are wiped.
#pragma once

#include <string_view>

#include "common/status.hpp"
#include "vault/types.hpp"

namespace coffer::vault {

Status convert_secret(Secret& secret, std::string_view out_content_type);

}  // namespace coffer::vault
