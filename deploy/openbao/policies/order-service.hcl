# order-service: least privilege, shared by the local dev server and the cluster.
# '+' matches exactly one path segment: the environment (local, dev, staging, prod).
# Token self-lookup and self-renewal come from OpenBao's built-in default policy.

# Its own KV v2 entry, secret/ecotrack/<environment>/order-service (read only).
path "secret/data/ecotrack/+/order-service" {
  capabilities = ["read"]
}
path "secret/metadata/ecotrack/+/order-service" {
  capabilities = ["read"]
}

# Dynamic PostgreSQL credentials for its own database only.
path "database/creds/order-service" {
  capabilities = ["read"]
}

# Renew the leases of those credentials (the lease id goes in the body).
path "sys/leases/renew" {
  capabilities = ["update"]
}
