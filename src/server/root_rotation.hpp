// Root-key rotation on a running server (SEAL-SPEC.md §1.8): a new root key
// generation is written to the seal (seal/root-upgrade, no shares or HSM
// needed) and made active in the keyring; every vault's KEK and the
// server-wide records sealed directly under the root key (the token-signing
// key, the audit keys) are wrapped again under it, each in a compare-and-set
// write. Payloads and their data keys stay byte-identical. Other servers on
// the same store load the new generation when they first meet it
// (Keyring's generation loader → SealState::refresh()). The old generation
// stays in the seal, so anything still wrapped under it keeps opening;
// running it again catches what a server made meanwhile under the old one.
#pragma once

#include <cstddef>

#include "api/admin_routes.hpp"
#include "common/status.hpp"
#include "crypto/keyring.hpp"
#include "seal/seal_state.hpp"
#include "store/store.hpp"
#include "vault/vault_registry.hpp"

namespace coffer::server {

// What it did: api::RootRotation (the admin route's answer).
Result<api::RootRotation> rotate_root_key(seal::SealState& seal, crypto::Keyring& keyring, vault::VaultRegistry& vaults,
                                          store::Store& store);

}  // namespace coffer::server
