# payment-service: least privilege, shared by the local dev server and the cluster.
# '+' matches exactly one path segment: the environment (local, dev, staging, prod).
# Token self-lookup and self-renewal come from OpenBao's built-in default policy.

# Its own KV v2 entry, secret/ecotrack/<environment>/payment-service (read only).
path "secret/data/ecotrack/+/payment-service" {
  capabilities = ["read"]
}
path "secret/metadata/ecotrack/+/payment-service" {
  capabilities = ["read"]
}

# Dynamic PostgreSQL credentials for its own database only.
path "database/creds/payment-service" {
  capabilities = ["read"]
}

# Renew the leases of those credentials (the lease id goes in the body).
path "sys/leases/renew" {
  capabilities = ["update"]
}

# Transit: encrypt payment fields with key payment-fields; the key never leaves OpenBao.
# rewrap moves ciphertexts to the newest key version.
path "transit/encrypt/payment-fields" {
  capabilities = ["update"]
}
path "transit/decrypt/payment-fields" {
  capabilities = ["update"]
}
path "transit/rewrap/payment-fields" {
  capabilities = ["update"]
}
path "transit/keys/payment-fields" {
  capabilities = ["read"]
}
