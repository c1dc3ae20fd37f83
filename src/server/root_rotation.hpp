// Root-key rotation on a running server (SEAL-SPEC.md §1.8): a new root key
// generation is written to the seal (seal/root-upgrade, no shares or HSM
// needed) and made active in the keyring; every vault's KEK and the
// server-wide records sealed directly under the root key (the token-signing
// key, the audit keys) are wrapped again under it, each in a compare-and-set
// write. Payloads and their data keys stay byte-identical. Other servers on
// the same store load the new generation when they first meet it
// (Keyring's generation loader → SealState::refresh()). The old generation
// stays in the seal, so anything still wrapped under it keeps opening,
// until the maintenance job retires it (retire_old_root_generations).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

#include "api/admin_routes.hpp"
#include "common/status.hpp"
#include "crypto/keyring.hpp"
#include "seal/pkcs11_token.hpp"
#include "seal/seal_state.hpp"
#include "store/store.hpp"
#include "vault/vault_registry.hpp"

namespace coffer::server {

// What it did: api::RootRotation (the admin route's answer).
Result<api::RootRotation> rotate_root_key(seal::SealState& seal, crypto::Keyring& keyring, vault::VaultRegistry& vaults,
                                          store::Store& store);

// How long after a rotation the older generations stay in the seal: every
// server wraps under the newest generation before each new wrap, so this
// only has to outlast a request that wrapped just before the rotation.
inline constexpr int64_t kRootRetirementGraceSeconds = 3600;

// The maintenance job (SEAL-SPEC.md §1.8 step 4): when this server holds
// older generations, rewraps whatever is still under them (a vault made
// meanwhile elsewhere) and, once the grace period after the last rotation
// has passed as of `now`, drops them from the seal and from memory. A pkcs11
// seal needs its HSM for that: `open_token` opens it (null: keyfile and
// shamir, whose unseal key the server holds); while it cannot be opened the
// generations stay, and the next run tries again.
using seal::TokenOpener;
Status retire_old_root_generations(seal::SealState& seal, crypto::Keyring& keyring, vault::VaultRegistry& vaults,
                                   store::Store& store, int64_t now, const TokenOpener& open_token = nullptr);

}  // namespace coffer::server
