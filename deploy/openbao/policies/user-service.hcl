# user-service: least privilege, shared by the local dev server and the cluster.
# '+' matches exactly one path segment: the environment (local, dev, staging, prod).
# Token self-lookup and self-renewal come from OpenBao's built-in default policy.

# Its own KV v2 entry, secret/ecotrack/<environment>/user-service (read only).
path "secret/data/ecotrack/+/user-service" {
  capabilities = ["read"]
}
path "secret/metadata/ecotrack/+/user-service" {
  capabilities = ["read"]
}

# Dynamic PostgreSQL credentials for its own database only.
path "database/creds/user-service" {
  capabilities = ["read"]
}

# Renew the leases of those credentials (the lease id goes in the body).
path "sys/leases/renew" {
  capabilities = ["update"]
}

# Its JWT signing keys: it rotates them itself, with check-and-set (options.cas), so a
# concurrent rotation by another replica fails instead of overwriting.
path "secret/data/ecotrack/+/user-service/jwt-signing-keys" {
  capabilities = ["create", "update", "read"]
}
path "secret/metadata/ecotrack/+/user-service/jwt-signing-keys" {
  capabilities = ["read"]
}

# Transit: encrypt personal fields (e-mail, phone, address) with key personal-fields;
# the key never leaves OpenBao. rewrap moves ciphertexts to the newest key version.
path "transit/encrypt/personal-fields" {
  capabilities = ["update"]
}
path "transit/decrypt/personal-fields" {
  capabilities = ["update"]
}
path "transit/rewrap/personal-fields" {
  capabilities = ["update"]
}
path "transit/keys/personal-fields" {
  capabilities = ["read"]
}

# Transit: seal the personal fields of its events (address, display name, verification token) with
# key notification-fields. Encrypt only: what it seals is for notification-service to open.
path "transit/encrypt/notification-fields" {
  capabilities = ["update"]
}
